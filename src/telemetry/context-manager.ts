import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { Context } from '@opentelemetry/api';
import { trace } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';

/**
 * The toolkit's one context manager. It is not registered as the OTel global
 * (specs and libraries must be able to run without touching globals); every
 * container that gets telemetry registers this same instance under
 * `CONTEXT_MANAGER`, so a span made active by one task is visible to the code
 * it calls, to the events it creates and to the log lines it writes.
 */
export const contextManager: AsyncLocalStorageContextManager =
  new AsyncLocalStorageContextManager().enable();

/** The context active in the current async flow of the toolkit. */
export function activeContext(): Context {
  return contextManager.active();
}

/**
 * The span active in the current async flow (a `task.handle`, `task.run` or a
 * span a connector started through the toolkit), or `undefined` outside one.
 */
export function activeSpan(): Span | undefined {
  return trace.getSpan(contextManager.active());
}
