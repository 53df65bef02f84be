import { ROOT_CONTEXT } from '@opentelemetry/api';
import type { FlowEventInit } from '../runtime/event';
import { FlowEvent } from '../runtime/event';
import { contextManager } from '../telemetry/context-manager';

/**
 * Makes an event that carries no trace context unless `init.spanContext`
 * gives one. A source creates its events inside its `task.run` span (or a
 * server callback that inherited it); `FlowEvent.create` would stamp that span
 * on them, tying every produced event to the lifecycle span. Created under the
 * root context instead, each event's `task.handle` starts its own trace, as
 * the span contract says for sources, whatever runtime pushes it.
 */
export function sourceEvent<T>(data: T, init: FlowEventInit = {}): FlowEvent<T> {
  return contextManager.with(ROOT_CONTEXT, () => FlowEvent.create(data, init));
}
