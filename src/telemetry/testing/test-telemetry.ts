import type { Attributes } from '@opentelemetry/api';
import type { DataPoint, Histogram, MetricData } from '@opentelemetry/sdk-metrics';
import { AggregationTemporality, DataPointType, MeterProvider } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, Sampler } from '@opentelemetry/sdk-trace-base';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { DependencyContainer } from 'tsyringe';
import { container as rootContainer } from 'tsyringe';
import type { Constructor } from '../../metadata/task-metadata';
import type { FlowRunResult, RunFlowOptions } from '../../run-flow';
import { runFlow } from '../../run-flow';
import type { Logger } from '../logger';
import { createLogger, getLogger } from '../logger';
import { registerTelemetryProviders } from '../register-providers';
import { SpanDurationProducer } from '../span-duration-producer';
import type { TelemetryHandle } from '../telemetry-handle';
import { CollectingMetricReader } from './collecting-metric-reader';
import type { HistogramValue, MetricPoint } from './metric-point';
import type { KitTask, KitTaskOptions } from './kit-task';
import { kitTask } from './kit-task';
import { childrenOf, parentOf } from './span-family';

/** Options of {@link TestTelemetry.create}. */
export interface TestTelemetryOptions {
  /** The container to make the child of; tsyringe's root container when omitted. */
  readonly parent?: DependencyContainer;
  /** A trace sampler, e.g. `new TraceIdRatioBasedSampler(0)` to prove metrics stay exact. */
  readonly sampler?: Sampler;
  /** `service.name` of the test resource (default `flowgen-test`). */
  readonly serviceName?: string;
  /**
   * Where the logs of tasks bound by the kit and of {@link TestTelemetry.runFlow}
   * go. Default: nowhere (a spec prints nothing). `true`: the toolkit's stderr
   * logger; or a logger of your own (e.g. one writing into memory).
   */
  readonly logs?: boolean | Logger;
}

/** Options of {@link TestTelemetry.runFlow}: runFlow's, without what the kit provides. */
export type KitRunFlowOptions = Omit<RunFlowOptions, 'container' | 'telemetry'>;

/**
 * The test kit: a child container with in-memory tracer and meter providers,
 * so a spec can resolve its tasks, call them and assert on finished spans and
 * metric points. No global provider or propagator is installed; two kits in
 * one process are apart. (Spans are made active through the global OTel
 * context: an AsyncLocalStorage context manager is registered when none
 * works.)
 *
 * @example
 * ```ts
 * let kit: TestTelemetry;
 * beforeEach(() => (kit = TestTelemetry.create()));
 * afterEach(() => kit.shutdown());
 *
 * it('traces a handler', async () => {
 *   const { task, ctx } = kit.task(MyConnector, { name: 'mine', id: 1, config: { size: 2 } });
 *   await task.handle(FlowEvent.create({ n: 1 }), ctx);
 *   expect(kit.spans('task.handle')).to.have.length(1);
 *   expect(await kit.metricValue('task.handle.count')).to.equal(1);
 * });
 * ```
 */
export class TestTelemetry {
  private readonly totals = new Map<string, MetricPoint>();
  private readonly stop = new AbortController();

  private constructor(
    /** The child container whose decorated classes trace into this kit. */
    public readonly container: DependencyContainer,
    /** The in-memory span exporter (finished spans). */
    public readonly spanExporter: InMemorySpanExporter,
    private readonly reader: CollectingMetricReader,
    /** The handle `registerTelemetryProviders` returned for the container. */
    public readonly handle: TelemetryHandle,
    /** The logger of tasks bound by the kit and of `kit.runFlow` (silent by default). */
    public readonly logger: Logger,
  ) {}

  /** Makes a kit: a child container of `options.parent` with in-memory providers registered. */
  static create(options: TestTelemetryOptions = {}): TestTelemetry {
    const container = (options.parent ?? rootContainer).createChildContainer();
    const resource = resourceFromAttributes({
      'service.name': options.serviceName ?? 'flowgen-test',
    });
    const spanExporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({
      resource,
      sampler: options.sampler,
      spanProcessors: [new SimpleSpanProcessor(spanExporter)],
    });
    const durations = new SpanDurationProducer(AggregationTemporality.DELTA);
    const reader = new CollectingMetricReader([durations]);
    const meterProvider = new MeterProvider({ resource, readers: [reader] });
    const handle = registerTelemetryProviders(container, {
      tracerProvider,
      meterProvider,
      durations,
      forceFlush: async () => {
        await tracerProvider.forceFlush();
      },
      shutdown: async () => {
        await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
      },
    });
    const logger =
      options.logs === true
        ? getLogger()
        : options.logs === undefined || options.logs === false
          ? createLogger({ level: 'silent' })
          : options.logs;
    return new TestTelemetry(container, spanExporter, reader, handle, logger);
  }

  /** Finished spans, in the order they ended; only those named `name` when given. */
  spans(name?: string): ReadableSpan[] {
    const all = this.spanExporter.getFinishedSpans();
    return name === undefined ? [...all] : all.filter((s) => s.name === name);
  }

  /** The one finished span named `name` (and matching `attributes`); throws unless exactly one. */
  span(name: string, attributes: Attributes = {}): ReadableSpan {
    const found = this.spans(name).filter((s) => matches(s.attributes, attributes));
    if (found.length !== 1) {
      const names = this.spans().map((s) => s.name);
      throw new Error(
        `expected exactly one span "${name}" with ${JSON.stringify(attributes)}, found ${found.length}; finished spans: ${JSON.stringify(names)}`,
      );
    }
    return found[0] as ReadableSpan;
  }

  /** The parent of a finished span among the kit's spans; undefined for a root or an unknown parent. */
  parentOf(span: ReadableSpan): ReadableSpan | undefined {
    return parentOf(span, this.spans());
  }

  /** The finished spans whose parent is `span` (only those named `name` when given), in end order. */
  childrenOf(span: ReadableSpan, name?: string): ReadableSpan[] {
    const children = childrenOf(span, this.spans());
    return name === undefined ? children : children.filter((s) => s.name === name);
  }

  /**
   * Resolves a `@Task` class from the kit's container, binds it to a name and
   * id as a flow would, validates its config, and gives the context its
   * handler expects, so a unit test calls the handler as the runtime does.
   *
   * @example
   * ```ts
   * const { task, ctx } = kit.task(InventoryCheck, { name: 'inv', id: 2, config: { stock: 5 } });
   * await task.reserve(FlowEvent.create({ sku: 'A-1' }), ctx);
   * ```
   */
  task<T extends object, C = unknown>(
    cls: Constructor<T>,
    options: KitTaskOptions = {},
  ): KitTask<T, C> {
    return kitTask<T, C>(
      {
        resolve: (c) => this.container.resolve(c),
        logger: this.logger,
        signal: this.stop.signal,
      },
      cls,
      options,
    );
  }

  /**
   * Runs a whole flow through the kit's container and providers, quietly
   * (the kit's logger) unless `options.logger` says otherwise.
   *
   * @example
   * ```ts
   * await kit.runFlow({ flow: parseFlow(yaml), taskClasses: [InventoryCheck] });
   * expect(kit.spans('task.handle')).to.have.length(3);
   * ```
   */
  runFlow(options: KitRunFlowOptions): Promise<FlowRunResult> {
    return runFlow({
      logger: this.logger,
      ...options,
      container: this.container,
      telemetry: this.handle,
    });
  }

  /** Metric series recorded since the last reset; only those named `name` when given. */
  async metricPoints(name?: string): Promise<MetricPoint[]> {
    await this.collect();
    const all = [...this.totals.values()];
    return name === undefined ? all : all.filter((p) => p.name === name);
  }

  /**
   * A counter's total (or a gauge's value), summed over the series whose
   * attributes include `attributes`. Throws, listing the series there are,
   * when none matches: a missing metric is never read as 0. A histogram
   * (`*.duration`) has no single value: this throws and points at
   * {@link histogram}.
   */
  async metricValue(name: string, attributes: Attributes = {}): Promise<number> {
    const all = await this.metricPoints(name);
    const points = all.filter((p) => matches(p.attributes, attributes));
    if (points.some((p) => p.kind === 'histogram')) {
      throw new Error(
        `${name} is a histogram: use kit.histogram('${name}') for its count, sum and buckets.`,
      );
    }
    if (points.length === 0) throw noSeries(name, attributes, all);
    return points.reduce((n, p) => n + p.value, 0);
  }

  /**
   * A histogram's recordings summed over the series whose attributes include
   * `attributes`: count, sum, min, max and the bucket counts (`counts[i]` are
   * the values at most `boundaries[i]`, the last bucket those above). A series
   * that is not a histogram throws; none at all gives zeros.
   *
   * @example
   * ```ts
   * const { count, sum } = await kit.histogram('task.handle.duration', { task: 'inv' });
   * ```
   */
  async histogram(name: string, attributes: Attributes = {}): Promise<HistogramValue> {
    const all = await this.metricPoints(name);
    const points = all.filter((p) => matches(p.attributes, attributes));
    if (points.length === 0) throw noSeries(name, attributes, all);
    const other = points.find((p) => p.kind !== 'histogram');
    if (other !== undefined) {
      throw new Error(
        `${name} is a ${other.kind}, not a histogram: use kit.metricValue('${name}').`,
      );
    }
    return points.reduce<HistogramValue>(
      (total, p) => addHistograms(total, p.histogram ?? EMPTY_HISTOGRAM),
      EMPTY_HISTOGRAM,
    );
  }

  /** Forgets finished spans and metric points, so the next test starts from zero. */
  async reset(): Promise<void> {
    this.spanExporter.reset();
    await this.collect();
    this.totals.clear();
  }

  /** Aborts the stop signal of bound tasks' contexts and stops the kit's providers. */
  async shutdown(): Promise<void> {
    this.stop.abort();
    await this.handle.shutdown();
  }

  private async collect(): Promise<void> {
    const { resourceMetrics } = await this.reader.collect();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) this.add(metric);
    }
  }

  private add(metric: MetricData): void {
    const { name, unit } = metric.descriptor;
    for (const point of metric.dataPoints as DataPoint<number | Histogram>[]) {
      const key = `${name}\u0000${JSON.stringify(sortedEntries(point.attributes))}`;
      const before = this.totals.get(key);
      this.totals.set(key, merge(name, unit, metric.dataPointType, point, before));
    }
  }
}

function merge(
  name: string,
  unit: string,
  type: DataPointType,
  point: DataPoint<number | Histogram>,
  before: MetricPoint | undefined,
): MetricPoint {
  if (type === DataPointType.HISTOGRAM) {
    const h = point.value as Histogram;
    const histogram = addHistograms(before?.histogram ?? EMPTY_HISTOGRAM, {
      count: h.count,
      sum: h.sum ?? 0,
      min: h.min ?? Infinity,
      max: h.max ?? -Infinity,
      boundaries: h.buckets.boundaries,
      counts: h.buckets.counts,
    });
    return {
      name,
      unit,
      attributes: point.attributes,
      kind: 'histogram',
      value: histogram.count,
      count: histogram.count,
      sum: histogram.sum,
      min: histogram.min,
      max: histogram.max,
      histogram,
    };
  }
  const value = point.value as number;
  if (type === DataPointType.GAUGE) {
    return { name, unit, attributes: point.attributes, kind: 'gauge', value };
  }
  return {
    name,
    unit,
    attributes: point.attributes,
    kind: 'sum',
    value: (before?.value ?? 0) + value,
  };
}

const EMPTY_HISTOGRAM: HistogramValue = Object.freeze({
  count: 0,
  sum: 0,
  min: Infinity,
  max: -Infinity,
  boundaries: [],
  counts: [],
});

/* Two recordings of the same series (same boundaries) add up bucket by bucket. */
function addHistograms(a: HistogramValue, b: HistogramValue): HistogramValue {
  const boundaries = a.boundaries.length >= b.boundaries.length ? a.boundaries : b.boundaries;
  const size = Math.max(a.counts.length, b.counts.length);
  const counts = Array.from({ length: size }, (_, i) => (a.counts[i] ?? 0) + (b.counts[i] ?? 0));
  return {
    count: a.count + b.count,
    sum: a.sum + b.sum,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    boundaries: [...boundaries],
    counts,
  };
}

function sortedEntries(attributes: Attributes): [string, unknown][] {
  return Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function matches(actual: Attributes, wanted: Attributes): boolean {
  return Object.entries(wanted).every(([k, v]) => actual[k] === v);
}

/* A metric asked for that is not there: an error naming what there is, never a silent 0. */
function noSeries(name: string, attributes: Attributes, all: readonly MetricPoint[]): Error {
  const known = all.map((p) => JSON.stringify(p.attributes)).join(', ');
  return new Error(
    `no ${name} series with ${JSON.stringify(attributes)}; ` +
      (all.length === 0 ? `no ${name} series at all.` : `there are: ${known}.`),
  );
}
