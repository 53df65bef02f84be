/*
 * `flowgen-ts/connectors`: the built-in connectors, each a `@Task` class with
 * its config class, and the errors they fail with. Listed explicitly (no
 * `export *`). The runtime registers them itself; import them to subclass,
 * to resolve one in a test, or to match their errors.
 */
export { BUILTIN_TASKS } from './builtin-tasks';
export { GenerateTask } from './generate.task';
export type { GeneratedData } from './generate.task';
export { GenerateConfig } from './generate-config';
export { ScriptTask } from './script.task';
export { ScriptConfig } from './script-config';
export { ScriptError } from './script-error';
export type { ScriptFailure } from './script-error';
export { LogTask } from './log.task';
export { LogConfig } from './log-config';
export { HttpRequestTask } from './http-request.task';
export { HttpRequestConfig } from './http-request-config';
export { HttpEndpointTask } from './http-endpoint.task';
export { HttpEndpointConfig } from './http-endpoint-config';
export { HttpStatusError, HttpTimeoutError, HttpListenError } from './http-errors';
export type { HttpEndpointStats } from './http-endpoint.task';
export type { IncomingTraceStats, TraceContextMode } from './incoming-trace-policy';
export { NatsPublishTask } from './nats-publish.task';
export type { NatsPublishedMetadata } from './nats-publish.task';
export { NatsPublishConfig } from './nats-publish-config';
export { NatsStreamConfig } from './nats-stream-config';
export { NatsSubscribeTask } from './nats-subscribe.task';
export type { NatsSubscribeStats } from './nats-subscribe.task';
export { NatsSubscribeConfig } from './nats-subscribe-config';
export { NatsConnectError, NatsStreamMissingError, NatsUndecodableError } from './nats-errors';
