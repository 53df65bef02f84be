import type { Context } from '@opentelemetry/api';
import { addHandlerName } from '../metadata/task-metadata';
import { FlowEvent } from '../runtime/event';
import { activeContext } from '../telemetry/context-manager';
import type { AnyMethod, SpanPlan } from '../telemetry/wrap-method';
import { wrapMethod } from '../telemetry/wrap-method';
import { DecoratorError } from './decorator-error';
import { rejectStandardDecorator } from './standard-decorator-guard';

/*
 * The parent of a handler's span: the trace context carried by the incoming
 * event where there is one, else the active context (a new root when none).
 */
const HANDLE_PLAN: SpanPlan = {
  site: (binding) => binding.handleSite,
  parent: (args): Context => {
    const first = args[0];
    return first instanceof FlowEvent && first.spanContext !== undefined
      ? first.parentContext
      : activeContext();
  },
};

/**
 * Marks the method that processes one event. Each call is one `task.handle`
 * span with the task's `task`, `task_id` and `task_type` attributes, active
 * while the method runs, a child of the trace context carried by the incoming
 * {@link FlowEvent} (else of the active span, else a new root). Sync methods,
 * methods returning a Promise and async generators are traced over their whole
 * run; a thrown or rejected error is recorded on the span (status ERROR,
 * exception event) and rethrown unchanged.
 *
 * @example
 * ```ts
 * @Task({ type: 'enrich' })
 * class Enrich {
 *   @Handler()
 *   async handle(event: FlowEvent<Order>) {
 *     setSpanAttributes({ 'order.id': event.data.id });
 *     return event.withData({ ...event.data, total: 42 });
 *   }
 * }
 * ```
 */
export function Handler(): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    rejectStandardDecorator('@Handler()', propertyKey);
    const method = (descriptor as PropertyDescriptor | undefined)?.value as unknown;
    if (typeof method !== 'function') {
      throw new DecoratorError(
        `@Handler() can only decorate a method, but ${describeMember(target, propertyKey)} is not a function. ` +
          'Put @Handler() on the method that processes one event.',
      );
    }
    addHandlerName(target, propertyKey);
    descriptor.value = wrapMethod(method as AnyMethod, HANDLE_PLAN) as typeof descriptor.value;
    return descriptor;
  };
}

function describeMember(target: object, key: string | symbol): string {
  const owner = typeof target === 'function' ? target.name : target.constructor.name;
  return `${owner}.${String(key)}`;
}
