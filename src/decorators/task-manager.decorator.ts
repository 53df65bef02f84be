import type { Attributes } from '@opentelemetry/api';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { injectable } from 'tsyringe';
import type { Constructor } from '../metadata/task-metadata';
import { getTaskOptions, setTaskManager } from '../metadata/task-metadata';
import { activeContext } from '../telemetry/context-manager';
import {
  ATTR_TASK,
  ATTR_TASK_ID,
  ATTR_TASK_TYPE,
  SPAN_TASK_MANAGER_REGISTER,
  SPAN_TASK_MANAGER_SHUTDOWN,
  SPAN_TASK_MANAGER_START,
} from '../telemetry/span-names';
import { taskAttributesOf } from '../telemetry/task-binding';
import type { AnyMethod, SpanPlan } from '../telemetry/wrap-method';
import { wrapMethod } from '../telemetry/wrap-method';
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

const rootPlan = (name: string): SpanPlan => ({
  site: (binding) => binding.site(name),
  parent: () => ROOT_CONTEXT,
});

const REGISTER_PLAN: SpanPlan = {
  site: (binding, args) => binding.site(SPAN_TASK_MANAGER_REGISTER, registeredAttributes(args[0])),
  parent: () => activeContext(),
};

const PLANS: ReadonlyArray<readonly [string, SpanPlan]> = [
  ['start', rootPlan(SPAN_TASK_MANAGER_START)],
  ['register', REGISTER_PLAN],
  ['shutdown', rootPlan(SPAN_TASK_MANAGER_SHUTDOWN)],
];

/**
 * Marks the worker-level class that starts, registers and shuts down tasks,
 * and makes it injectable. Its `start`, `register(task)` and `shutdown`
 * methods become the `task_manager.start` (a root), `task_manager.register`
 * (a child of the active span, with the registered task's `task`, `task_id`
 * and `task_type`) and `task_manager.shutdown` (a root) spans.
 *
 * @example
 * ```ts
 * @TaskManager()
 * class Worker {
 *   async start() { for (const t of this.tasks) await this.register(t); }
 *   async register(task: object) { ... }
 *   async shutdown() { ... }
 * }
 * ```
 */
export function TaskManager(): ClassDecorator {
  return (target, ...standard: unknown[]) => {
    rejectStandardDecorator('@TaskManager()', standard[0]);
    const cls = target as unknown as Constructor;
    const proto = cls.prototype as Record<string, unknown>;
    const present = PLANS.filter(([method]) => typeof proto[method] === 'function');
    if (present.length === 0) {
      throw new DecoratorError(
        `@TaskManager() on ${cls.name} found none of the methods start, register, shutdown. ` +
          'Define them on the class (they become the task_manager.* spans).',
      );
    }
    for (const [method, plan] of present) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, method);
      const original = (descriptor?.value ?? proto[method]) as AnyMethod;
      Object.defineProperty(proto, method, {
        value: wrapMethod(original, plan),
        writable: descriptor?.writable ?? true,
        configurable: true,
        enumerable: descriptor?.enumerable ?? false,
      });
    }
    injectable()(cls);
    setTaskManager(cls);
  };
}

function registeredAttributes(task: unknown): Attributes {
  if (typeof task !== 'object' || task === null) return {};
  if (getTaskOptions(task.constructor) !== undefined) return taskAttributesOf(task);
  const described = task as Partial<RegisteredTask>;
  if (typeof described.name === 'string' && typeof described.type === 'string') {
    return {
      [ATTR_TASK]: described.name,
      [ATTR_TASK_ID]: typeof described.id === 'number' ? described.id : 0,
      [ATTR_TASK_TYPE]: described.type,
    };
  }
  return {};
}
