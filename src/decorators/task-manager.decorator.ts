import { injectable } from 'tsyringe';
import type { Constructor, TaskManagerMethods } from '../metadata/task-metadata';
import { setTaskManager } from '../metadata/task-metadata';
import { DecoratorError } from './decorator-error';
import { rejectStandardDecorator } from './standard-decorator-guard';

/** A task as `register` may receive it: a `@Task` instance, or its three attributes. */
export interface RegisteredTask {
  /** Task name. */
  readonly name: string;
  /** Index in the flow's task list. */
  readonly id: number;
  /** Task type. */
  readonly type: string;
}

const SPAN_KEYS: readonly (keyof TaskManagerMethods)[] = ['start', 'register', 'shutdown'];

/**
 * Marks the worker-level class that starts, registers and shuts down tasks,
 * and makes it injectable. It is told which methods make which span, and
 * only those are traced (by the toolkit's instrumentation, when telemetry is
 * registered; the decorator only records them):
 * - `start`: `task_manager.start`, a root span;
 * - `register`: `task_manager.register`, a child of the active span, with
 *   the `task`, `task_id` and `task_type` of the task it receives first;
 * - `shutdown`: `task_manager.shutdown`, a root span.
 *
 * @example
 * ```ts
 * @TaskManager({ start: 'start', register: 'register', shutdown: 'shutdown' })
 * class Worker {
 *   async start() { for (const t of this.tasks) await this.register(t); }
 *   async register(task: object) { ... }
 *   async shutdown() { ... }
 * }
 * ```
 */
export function TaskManager(methods: TaskManagerMethods): ClassDecorator {
  return (target, ...standard: unknown[]) => {
    rejectStandardDecorator('@TaskManager()', standard[0]);
    const cls = target as unknown as Constructor;
    const proto = cls.prototype as Record<string, unknown>;
    const given = SPAN_KEYS.filter((key) => methods?.[key] !== undefined);
    if (given.length === 0) {
      throw new DecoratorError(
        `@TaskManager() on ${cls.name} was told no method. Name the methods that make the task_manager.* spans, ` +
          "e.g. @TaskManager({ start: 'start', register: 'register', shutdown: 'shutdown' }).",
      );
    }
    for (const key of given) {
      const name = methods[key] as unknown;
      if (typeof name !== 'string' || typeof proto[name] !== 'function') {
        throw new DecoratorError(
          `@TaskManager({ ${key}: ${JSON.stringify(name)} }) on ${cls.name}: ${cls.name} has no method ${String(name)}. ` +
            `Name a method of the class (it becomes the task_manager.${key} span), or leave ${key} out.`,
        );
      }
    }
    injectable()(cls);
    setTaskManager(cls, methods);
  };
}
