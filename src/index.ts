import 'reflect-metadata';

/*
 * The root entry of `flowgen-ts`: what a connector author and an application
 * need. Listed explicitly (no `export *`), types with `export type`. More
 * lives in subpaths: `flowgen-ts/testing` (the test kit),
 * `flowgen-ts/connectors` (the built-in connector classes and their configs),
 * `flowgen-ts/collector` (the local OTLP/gRPC receiver). Everything else is
 * internal and may change in any release.
 */

// Decorators
export { Task } from './decorators/task.decorator';
export { Handler } from './decorators/handler.decorator';
export { TaskManager } from './decorators/task-manager.decorator';
export type { RegisteredTask } from './decorators/task-manager.decorator';
export type { TaskOptions, TaskManagerMethods, Constructor } from './metadata/task-metadata';

// Tasks: events, context, spans and attributes
export { FlowEvent, parseTraceHeaders } from './runtime/event';
export type { EventMetadata, FlowEventInit } from './runtime/event';
export type { TaskContext, TaskLifecycle } from './runtime/task-context';
export { EventCompletion } from './runtime/event-completion';
export type { CompletionResult } from './runtime/event-completion';
export { bindTask } from './telemetry/task-binding';
export type { TaskIdentity } from './telemetry/task-binding';
export { setSpanAttributes, traceChild } from './telemetry/task-spans';
export { injectTraceContext, extractTraceContext } from './telemetry/trace-propagation';
export type { TraceCarrier } from './telemetry/trace-propagation';
export type { ConnectorAttributes, ConnectorAttributeValue } from './telemetry/attribute-values';
export {
  SPAN_TASK_RUN,
  SPAN_TASK_HANDLE,
  SPAN_TASK_MANAGER_START,
  SPAN_TASK_MANAGER_REGISTER,
  SPAN_TASK_MANAGER_SHUTDOWN,
  ATTR_TASK,
  ATTR_TASK_ID,
  ATTR_TASK_TYPE,
  ATTR_ATTEMPTS,
  EVENT_ATTEMPT_FAILED,
  ATTR_ERROR_CODE,
} from './telemetry/span-names';

// Telemetry: registration in a container
export { registerTelemetry } from './telemetry/register-telemetry';
export type { RegisterTelemetryOptions, ExistingProviders } from './telemetry/register-telemetry';
export { registerTelemetryProviders } from './telemetry/register-providers';
export { TRACER_PROVIDER, METER_PROVIDER, TELEMETRY_HANDLE } from './telemetry/tokens';
export type { TelemetryProviders } from './telemetry/register-providers';
export type { CreateProvidersOptions } from './telemetry/create-providers';
export type { TelemetryHandle } from './telemetry/telemetry-handle';
export type { ExportStats, ExportSignalStats } from './telemetry/export-retry-stats';
export type { SpanQueueStats } from './telemetry/export/span-queue-stats';
export { spansLost } from './telemetry/export-retry-stats';
export { setTelemetryFailureListener } from './telemetry/telemetry-failure';
export type { TelemetryFailureListener } from './telemetry/telemetry-failure';

// Running flows
export { runFlow } from './run-flow';
export type { RunFlowOptions, FlowRunResult } from './run-flow';
export { registerTaskClasses } from './runtime/task-registry';
export { FlowWorker } from './runtime/flow-worker';
export type { FlowWorkerOptions, FlowRunStats } from './runtime/flow-worker';
export type { TaskStats } from './runtime/task-node';
export { parseFlow, loadFlowFile } from './runtime/flow-loader';
export type { FlowDefinition, TaskDefinition } from './runtime/flow-definition';

// Config
export { WorkerConfig, loadWorkerConfig, loadWorkerConfigFile } from './config/worker-config';
export { CoordinationConfig } from './config/coordination-config';
export { TelemetryConfig, loadTelemetryConfig } from './config/telemetry-config';
export type { TelemetryBatchConfig } from './config/telemetry-batch-config';
export type { TelemetryTlsConfig } from './config/telemetry-tls-config';
export type { RetryConfig } from './config/retry-config';
export { validateConfig } from './config/validate-object';
export type { ValidateConfigOptions } from './config/validate-object';
export { parseDuration, formatDuration } from './config/duration';
export { IsDuration } from './config/is-duration';

// Logs
export { createLogger, getLogger, setLogger } from './telemetry/logger';
export type { Logger, LoggerOptions, LogFormat } from './telemetry/logger';

// Errors (each has a `code`)
export { FlowgenError } from './errors/flowgen-error';
export { ConfigError } from './config/config-error';
export type { ConfigIssue } from './config/config-error';
export { DecoratorError } from './decorators/decorator-error';
export { TaskFailedError } from './runtime/task-failed-error';
export type { TaskFailure } from './runtime/task-failed-error';
export { HandlerTimeoutError } from './runtime/handler-timeout-error';
export { WorkerStoppingError } from './runtime/worker-stopping-error';
export { ShutdownDeadlineError } from './runtime/shutdown-deadline-error';
export { LeaseBucketError } from './coordination/coordination-error';
export { TaskIdentityError } from './telemetry/task-identity-error';
