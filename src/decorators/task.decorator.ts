import { injectable } from 'tsyringe';
import type { Constructor, TaskOptions } from '../metadata/task-metadata';
import { setTaskOptions } from '../metadata/task-metadata';
import { DecoratorError } from './decorator-error';
import { rejectStandardDecorator } from './standard-decorator-guard';

const TYPE_PATTERN = /^[a-z][a-z0-9_]*$/;

/**
 * Marks a class as a task (a connector) of type `options.type` and makes it
 * injectable through tsyringe. Its `@Handler` method traces through the
 * container it is resolved from; the runtime binds each instance to its
 * `task` name and `task_id` in the flow, so one class can appear in a flow
 * twice under two names.
 *
 * @example
 * ```ts
 * @Task({ type: 'http_request', config: HttpRequestConfig })
 * export class HttpRequestTask { ... }
 * ```
 */
export function Task(options: TaskOptions): ClassDecorator {
  if (typeof options?.type !== 'string' || !TYPE_PATTERN.test(options.type)) {
    throw new DecoratorError(
      `@Task({ type }) needs a type in snake_case (letters, digits, _), such as 'http_request'; got ${JSON.stringify(options?.type)}.`,
    );
  }
  return (target, ...standard: unknown[]) => {
    rejectStandardDecorator('@Task()', standard[0]);
    const cls = target as unknown as Constructor;
    injectable()(cls);
    setTaskOptions(cls, options);
  };
}
