import 'reflect-metadata';

// Decorators
export { Task } from './decorators/task.decorator';
export { Handler } from './decorators/handler.decorator';
export { TaskManager } from './decorators/task-manager.decorator';
export type { RegisteredTask } from './decorators/task-manager.decorator';
export { DecoratorError } from './decorators/decorator-error';
export type { TaskOptions, Constructor } from './metadata/task-metadata';

// Telemetry: registration and DI tokens
export { registerTelemetry } from './telemetry/register-telemetry';
export { registerTelemetryProviders } from './telemetry/register-providers';
export type { TelemetryProviders } from './telemetry/register-providers';
export {
  createTelemetryProviders,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
} from './telemetry/create-providers';
export type { CreateProvidersOptions } from './telemetry/create-providers';
export type { TelemetryHandle } from './telemetry/telemetry-handle';
export { RetryingSpanExporter, RetryingMetricExporter } from './telemetry/retrying-exporter';
export type { ExportRetryOptions } from './telemetry/export-retry-policy';
export { ExportRetryError } from './telemetry/export-retry-error';
export { spansLost } from './telemetry/export-retry-stats';
export type { ExportStats, ExportSignalStats } from './telemetry/export-retry-stats';
export { SpanDurationProducer } from './telemetry/span-duration-producer';
export {
  TRACER_PROVIDER,
  METER_PROVIDER,
  CONTEXT_MANAGER,
  INSTRUMENTATION,
  TELEMETRY_HANDLE,
} from './telemetry/tokens';
export { Instrumentation } from './telemetry/instrumentation';

// Telemetry: spans, attributes, context
export { bindTask, taskIdentityOf } from './telemetry/task-binding';
export type { TaskIdentity } from './telemetry/task-binding';
export { setSpanAttributes, traceChild, traceTaskRun, traceHandle } from './telemetry/task-spans';
export { sanitizeAttributes, MAX_ATTRIBUTE_LENGTH } from './telemetry/attribute-values';
export type { ConnectorAttributes, ConnectorAttributeValue } from './telemetry/attribute-values';
export { activeContext, activeSpan } from './telemetry/context-manager';
export { setTelemetryFailureListener } from './telemetry/telemetry-failure';
export type { TelemetryFailureListener } from './telemetry/telemetry-failure';
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

// Logs
export {
  createLogger,
  getLogger,
  setLogger,
  resetLogger,
  logOnce,
  warnEvery,
  LOG_LEVEL_ENV,
  LOG_FORMAT_ENV,
} from './telemetry/logger';
export type { Logger, LoggerOptions, LogFormat } from './telemetry/logger';

// Test kit
export { TestTelemetry } from './telemetry/testing/test-telemetry';
export type { TestTelemetryOptions } from './telemetry/testing/test-telemetry';
export type { MetricPoint } from './telemetry/testing/metric-point';

// Config
export { TelemetryConfig, loadTelemetryConfig } from './config/telemetry-config';
export { TelemetryBatchConfig } from './config/telemetry-batch-config';
export { TelemetryTlsConfig } from './config/telemetry-tls-config';
export { RetryConfig } from './config/retry-config';
export { WorkerConfig, loadWorkerConfig, loadWorkerConfigFile } from './config/worker-config';
export { validateConfig } from './config/validate-object';
export type { ValidateConfigOptions } from './config/validate-object';
export { ConfigError } from './config/config-error';
export type { ConfigIssue } from './config/config-error';
export { parseDuration, formatDuration } from './config/duration';
export { IsDuration } from './config/is-duration';

// Runtime
export { FlowEvent, parseTraceHeaders } from './runtime/event';
export type { EventMetadata, FlowEventInit, TraceHeaders } from './runtime/event';
export type { TaskContext, TaskLifecycle } from './runtime/task-context';
export { runFlow } from './runtime/run-flow';
export type { RunFlowOptions, FlowRunResult } from './runtime/run-flow';
export { FlowWorker } from './runtime/flow-worker';
export type { FlowWorkerOptions, FlowRunStats } from './runtime/flow-worker';
export { parseFlow, loadFlowFile } from './runtime/flow-loader';
export type { FlowDefinition, TaskDefinition } from './runtime/flow-definition';
export { planFlow } from './runtime/flow-plan';
export type { FlowPlan, PlannedTask } from './runtime/flow-plan';
export { registerTaskClasses, TASK_CLASSES } from './runtime/task-registry';
export { Channel } from './runtime/channel';
export { RetryPolicy } from './runtime/retry-policy';
export type { RetryPolicyOptions } from './runtime/retry-policy';
export { HandlerTimeoutError } from './runtime/handler-timeout-error';
export { WorkerStoppingError } from './runtime/worker-stopping-error';
export { TaskFailedError } from './runtime/task-failed-error';
export type { TaskFailure } from './runtime/task-failed-error';

// Built-in connectors
export { BUILTIN_TASKS } from './connectors/builtin-tasks';
export { GenerateTask } from './connectors/generate.task';
export type { GeneratedData } from './connectors/generate.task';
export { GenerateConfig } from './connectors/generate-config';
export { ScriptTask } from './connectors/script.task';
export { ScriptConfig } from './connectors/script-config';
export { ScriptError } from './connectors/script-error';
export { LogTask } from './connectors/log.task';
export { LogConfig } from './connectors/log-config';
export { HttpRequestTask } from './connectors/http-request.task';
export { HttpRequestConfig } from './connectors/http-request-config';
export { HttpEndpointTask } from './connectors/http-endpoint.task';
export { HttpEndpointConfig } from './connectors/http-endpoint-config';
export { HttpStatusError, HttpTimeoutError, HttpListenError } from './connectors/http-errors';

// Scale-out on NATS JetStream (docs/scale-out.md)
export { NatsPublishTask } from './connectors/nats-publish.task';
export { NatsPublishConfig } from './connectors/nats-publish-config';
export { NatsSubscribeTask } from './connectors/nats-subscribe.task';
export { NatsSubscribeConfig } from './connectors/nats-subscribe-config';
export {
  NatsConnectError,
  NatsStreamMissingError,
  NatsUndecodableError,
} from './connectors/nats-errors';
export { CoordinationConfig } from './config/coordination-config';
export { LeaseBucketError } from './coordination/coordination-error';
export { EventCompletion } from './runtime/event-completion';
export type { CompletionResult } from './runtime/event-completion';

// Local OTLP/gRPC receiver
export { OtlpReceiver } from './collector/otlp-receiver';
export { runCollector } from './collector/run-collector';
export type { RunCollectorOptions, RunningCollector } from './collector/run-collector';
export { renderTraces } from './collector/trace-tree';
export { renderMetrics } from './collector/metric-table';
export type { ReceivedSpan, ReceivedMetricPoint, ReceiverFaults } from './collector/received-types';

// Errors
export { FlowgenError } from './errors/flowgen-error';
