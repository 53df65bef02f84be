import type { Attributes, Histogram, Meter, ObservableResult, Tracer } from '@opentelemetry/api';
import type { SpanKind } from '@opentelemetry/api';
import { HistogramDurationRecorder } from './duration-recorder';
import type { SpanDurationProducer } from './span-duration-producer';
import { SpanSite } from './span-site';
import { METRIC_COUNT_SUFFIX, METRIC_DURATION_SUFFIX, METRIC_ERRORS_SUFFIX } from './span-names';

/** Bucket boundaries (seconds) for `<span>.duration`: 100µs to 60s. */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

interface NameInstruments {
  /** The SDK histogram, when the toolkit does not aggregate durations itself. */
  readonly histogram: Histogram | undefined;
  readonly sites: SpanSite[];
}

/**
 * The metrics derived from spans, for one meter: for each span name `S`, a
 * `S.duration` histogram (seconds) and `S.count` / `S.errors` counters.
 * Durations go to the toolkit's own {@link SpanDurationProducer} when it
 * built the metric reader, else to an SDK histogram.
 *
 * The counters are observable: each site keeps two plain integers and the
 * meter reads them when it collects. That keeps the per-call cost to one
 * histogram record (instead of three instrument calls) and makes the counts
 * exact whatever the trace sampler decides.
 */
export class SpanMetrics {
  private readonly byName = new Map<string, NameInstruments>();
  private readonly sites = new Map<string, SpanSite>();

  constructor(
    private readonly meter: Meter,
    private readonly tracer: Tracer,
    private readonly durations?: SpanDurationProducer,
  ) {}

  /** The site for `name` with these attributes (the same object for the same pair). */
  site(name: string, attributes: Attributes, kind?: SpanKind): SpanSite {
    const key = siteKey(name, attributes);
    const known = this.sites.get(key);
    if (known !== undefined) return known;
    const instruments = this.instrumentsFor(name);
    const frozen = Object.freeze({ ...attributes });
    const duration =
      instruments.histogram === undefined
        ? (this.durations as SpanDurationProducer).cell(
            name + METRIC_DURATION_SUFFIX,
            frozen,
            DURATION_BUCKETS_SECONDS,
          )
        : new HistogramDurationRecorder(instruments.histogram, frozen);
    const site = new SpanSite(name, frozen, this.tracer, duration, kind);
    instruments.sites.push(site);
    this.sites.set(key, site);
    return site;
  }

  private instrumentsFor(name: string): NameInstruments {
    const known = this.byName.get(name);
    if (known !== undefined) return known;
    const histogram =
      this.durations !== undefined
        ? undefined
        : this.meter.createHistogram(name + METRIC_DURATION_SUFFIX, {
            unit: 's',
            description: `Duration of ${name} spans.`,
            advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
          });
    const sites: SpanSite[] = [];
    const count = this.meter.createObservableCounter(name + METRIC_COUNT_SUFFIX, {
      unit: '{invocation}',
      description: `Number of ${name} invocations.`,
    });
    const errors = this.meter.createObservableCounter(name + METRIC_ERRORS_SUFFIX, {
      unit: '{invocation}',
      description: `Number of ${name} invocations that failed after their retries.`,
    });
    count.addCallback((result: ObservableResult) => {
      for (const site of sites) if (site.count > 0) result.observe(site.count, site.attributes);
    });
    errors.addCallback((result: ObservableResult) => {
      for (const site of sites) if (site.count > 0) result.observe(site.errors, site.attributes);
    });
    const made = { histogram, sites };
    this.byName.set(name, made);
    return made;
  }
}

function siteKey(name: string, attributes: Attributes): string {
  const keys = Object.keys(attributes).sort();
  let key = name;
  for (const k of keys) key += `\u0000${k}=${String(attributes[k])}`;
  return key;
}
