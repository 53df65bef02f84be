import type { Constructor } from '../metadata/task-metadata';
import { GenerateTask } from './generate.task';
import { HttpEndpointTask } from './http-endpoint.task';
import { HttpRequestTask } from './http-request.task';
import { LogTask } from './log.task';
import { NatsPublishTask } from './nats-publish.task';
import { NatsSubscribeTask } from './nats-subscribe.task';
import { ScriptTask } from './script.task';

/**
 * The task classes that ship with the toolkit: `generate`, `script`, `log`,
 * `http_request`, `http_endpoint`,
 * `nats_publish` and `nats_subscribe`. The runtime registers them in every
 * container it runs flows through; user classes of the same type win.
 *
 * @example
 * ```ts
 * registerTaskClasses(container, BUILTIN_TASKS);
 * ```
 */
export const BUILTIN_TASKS: readonly Constructor[] = Object.freeze([
  GenerateTask,
  ScriptTask,
  LogTask,
  HttpRequestTask,
  HttpEndpointTask,
  NatsPublishTask,
  NatsSubscribeTask,
]);
