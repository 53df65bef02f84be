import type { Attributes, HrTime } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import type {
  CollectionResult,
  DataPoint,
  Histogram,
  HistogramMetricData,
  MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { DurationTotals } from './duration-cell';
import { DurationCell } from './duration-cell';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './instrumentation-scope';

/**
 * The `<span>.duration` histograms of every span site, given to the metric
 * reader as an extra metric producer. Sites record into plain cells (see
 * {@link DurationCell}); the reader asks for the points when it collects, in
 * the temporality it exports (cumulative by default, delta when the exporter
 * prefers it).
 */
export class SpanDurationProducer implements MetricProducer {
  private readonly cells = new Map<string, DurationCell[]>();
  private lastCollect: HrTime = hrTime();

  constructor(
    /** The temporality of the points it returns: the reader's choice for histograms. */
    public readonly temporality: AggregationTemporality = AggregationTemporality.CUMULATIVE,
  ) {}

  /** A new cell for the series `name` with these attributes. */
  cell(name: string, attributes: Attributes, boundaries: readonly number[]): DurationCell {
    const cell = new DurationCell(name, attributes, boundaries);
    const list = this.cells.get(name);
    if (list === undefined) this.cells.set(name, [cell]);
    else list.push(cell);
    return cell;
  }

  collect(): Promise<CollectionResult> {
    const endTime = hrTime();
    const delta = this.temporality === AggregationTemporality.DELTA;
    const metrics: HistogramMetricData[] = [];
    for (const [name, cells] of this.cells) {
      const dataPoints: DataPoint<Histogram>[] = [];
      for (const cell of cells) {
        const totals = delta ? cell.takeDelta() : cell.totals();
        if (totals.count === 0) continue;
        const startTime = delta ? this.lastCollect : cell.startTime;
        dataPoints.push(toPoint(cell, totals, startTime, endTime));
      }
      if (dataPoints.length > 0) {
        metrics.push({
          descriptor: {
            name,
            description: `Duration of ${name.slice(0, -'.duration'.length)} spans.`,
            unit: 's',
            valueType: ValueType.DOUBLE,
          },
          aggregationTemporality: this.temporality,
          dataPointType: DataPointType.HISTOGRAM,
          dataPoints,
        });
      }
    }
    this.lastCollect = endTime;
    return Promise.resolve({
      resourceMetrics: {
        resource: emptyResource(),
        scopeMetrics:
          metrics.length === 0
            ? []
            : [
                {
                  scope: { name: INSTRUMENTATION_SCOPE, version: INSTRUMENTATION_VERSION },
                  metrics,
                },
              ],
      },
      errors: [],
    });
  }
}

function toPoint(
  cell: DurationCell,
  totals: DurationTotals,
  startTime: HrTime,
  endTime: HrTime,
): DataPoint<Histogram> {
  const value: Histogram = {
    buckets: { boundaries: [...cell.boundaries], counts: totals.counts },
    count: totals.count,
    sum: totals.sum,
    min: totals.min,
    max: totals.max,
  };
  return { attributes: cell.attributes, startTime, endTime, value };
}
