/*
 * `flowgen-ts/testing`: the test kit, and the OpenTelemetry names a spec
 * asserts with, re-exported so a spec needs no direct import of the SDK.
 */
export { TestTelemetry } from './test-telemetry';
export type { TestTelemetryOptions, KitRunFlowOptions } from './test-telemetry';
export type { KitTask, KitTaskOptions } from './kit-task';
export type { MetricPoint, HistogramValue } from './metric-point';
export { SpanStatusCode, SpanKind } from '@opentelemetry/api';
export type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
