// The public surface of the local OTLP receiver, listed explicitly (no export *).
export { OtlpReceiver } from './otlp-receiver';
export { CollectorError } from './collector-error';
export type { CollectorErrorCode } from './collector-error';
export { renderTraces } from './trace-tree';
export type { RenderTracesOptions } from './trace-tree';
export { renderMetrics, latestPerSeries, metricSeriesKey } from './metric-table';
export type { RenderMetricsOptions } from './metric-table';
export { quantileFromBuckets } from './bucket-quantile';
export type { BucketHistogram } from './bucket-quantile';
export { JsonlSink, metricJsonLine, spanJsonLine, telemetryJsonReplacer } from './jsonl-sink';
export { describeCollectorStats, runCollector } from './run-collector';
export type {
  CollectorLimits,
  CollectorStats,
  RunCollectorOptions,
  RunningCollector,
} from './run-collector';
export type {
  AttributeType,
  AttributeTypes,
  AttributeValue,
  Attributes,
  ExportCall,
  ExportService,
  MetricPointType,
  OtlpReceiverOptions,
  ReceivedMetricPoint,
  ReceivedScope,
  ReceivedSpan,
  ReceivedSpanEvent,
  ReceivedSpanLink,
  ReceivedStatus,
  ReceiverCounts,
  ReceiverFaults,
  ReceiverLimits,
  ReceiverStats,
  ReceiverTls,
  Temporality,
} from './received-types';
