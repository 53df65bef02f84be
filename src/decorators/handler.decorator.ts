import { getHandlerName, setHandlerName } from '../metadata/task-metadata';
import { DecoratorError } from './decorator-error';
import { describeMember } from './describe-member';
import { rejectStandardDecorator } from './standard-decorator-guard';

/**
 * Marks the one method of a `@Task` class that processes one event. The
 * decorator only records which method it is; the method is traced when
 * telemetry is registered, by `invokeHandler`, the one place that makes
 * `task.handle` spans. Each call is one `task.handle` span with the task's
 * `task`, `task_id` and `task_type` attributes, active (through the
 * `@opentelemetry/api` context) while the method runs, a child of the trace
 * context the incoming event carries (a new root when it carries none).
 * Sync methods, methods returning a Promise and async generators are traced
 * over their whole run; a thrown or rejected error is recorded on the span
 * (status ERROR, exception event) and rethrown unchanged.
 *
 * A class has one handler: a second `@Handler` method (own or inherited
 * under another name) is a `DecoratorError`.
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
    const known = getHandlerName(target.constructor);
    if (known !== undefined && known !== propertyKey) {
      throw new DecoratorError(
        `@Handler() on ${describeMember(target, propertyKey)}: ${describeMember(target, known)} is its handler already, ` +
          'and a task has exactly one. Keep @Handler() on one method and call the other from it.',
      );
    }
    setHandlerName(target, propertyKey);
    return descriptor;
  };
}
