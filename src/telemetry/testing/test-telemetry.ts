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
import { registerTelemetryProviders } from '../register-providers';
import { SpanDurationProducer } from '../span-duration-producer';
import type { TelemetryHandle } from '../telemetry-handle';
import { CollectingMetricReader } from './collecting-metric-reader';
import type { MetricPoint } from './metric-point';

/** Options of {@link TestTelemetry.create}. */
export interface TestTelemetryOptions {
  /** The container to make the child of; tsyringe's root container when omitted. */
  readonly parent?: DependencyContainer;
  /** A trace sampler, e.g. `new TraceIdRatioBasedSampler(0)` to prove metrics stay exact. */
  readonly sampler?: Sampler;
  /** `service.name` of the test resource (default `flowgen-test`). */
  readonly serviceName?: string;
}

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
 *   const task = kit.container.resolve(MyConnector);
 *   await task.handle(FlowEvent.create({ n: 1 }));
 *   expect(kit.spans('task.handle')).to.have.length(1);
 *   expect(await kit.metricValue('task.handle.count')).to.equal(1);
 * });
 * ```
 */
export class TestTelemetry {
  private readonly totals = new Map<string, MetricPoint>();

  private constructor(
    /** The child container whose decorated classes trace into this kit. */
    public readonly container: DependencyContainer,
    /** The in-memory span exporter (finished spans). */
    public readonly spanExporter: InMemorySpanExporter,
    private readonly reader: CollectingMetricReader,
    /** The handle `registerTelemetryProviders` returned for the container. */
    public readonly handle: TelemetryHandle,
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
    return new TestTelemetry(container, spanExporter, reader, handle);
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

  /** Metric series recorded since the last reset; only those named `name` when given. */
  async metricPoints(name?: string): Promise<MetricPoint[]> {
    await this.collect();
    const all = [...this.totals.values()];
    return name === undefined ? all : all.filter((p) => p.name === name);
  }

  /**
   * The value of one series (a counter's total, a histogram's count), summed
   * over the series whose attributes include `attributes`; 0 when none.
   */
  async metricValue(name: string, attributes: Attributes = {}): Promise<number> {
    const points = await this.metricPoints(name);
    return points.filter((p) => matches(p.attributes, attributes)).reduce((n, p) => n + p.value, 0);
  }

  /** Forgets finished spans and metric points, so the next test starts from zero. */
  async reset(): Promise<void> {
    this.spanExporter.reset();
    await this.collect();
    this.totals.clear();
  }

  /** Stops the kit's providers. */
  async shutdown(): Promise<void> {
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
    const count = (before?.count ?? 0) + h.count;
    return {
      name,
      unit,
      attributes: point.attributes,
      kind: 'histogram',
      value: count,
      count,
      sum: (before?.sum ?? 0) + (h.sum ?? 0),
      min: Math.min(before?.min ?? Infinity, h.min ?? Infinity),
      max: Math.max(before?.max ?? -Infinity, h.max ?? -Infinity),
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

function sortedEntries(attributes: Attributes): [string, unknown][] {
  return Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function matches(actual: Attributes, wanted: Attributes): boolean {
  return Object.entries(wanted).every(([k, v]) => actual[k] === v);
}
