import type { ConfigClass } from '../../config/config-keys';
import { validateConfig } from '../../config/validate-object';
import { DecoratorError } from '../../decorators/decorator-error';
import type { Constructor } from '../../metadata/task-metadata';
import { firstHandlerOf, getTaskOptions } from '../../metadata/task-metadata';
import type { FlowEvent } from '../../runtime/event';
import { toOutputEvents } from '../../runtime/handler-outputs';
import { settleHandlerResult } from '../settle-handler-result';
import type { TaskContext } from '../../runtime/task-context';
import type { Logger } from '../logger';
import { bindTask } from '../task-binding';

/** Where a task instance sits in the flow the kit pretends to run. */
export interface KitTaskOptions {
  /** Task name, as a flow would give it (default: the task type). */
  readonly name?: string;
  /** Index in the flow's task list (default 0). */
  readonly id?: number;
  /**
   * The task's config as a flow's YAML would give it: validated against the
   * class's `@Task({ config })` class, defaults filled in. A bad value throws
   * the same `ConfigError` a flow would.
   */
  readonly config?: Record<string, unknown>;
}

/** A bound task instance and the context its handler expects. */
export interface KitTask<T, C> {
  /** The instance, resolved from the kit's container and bound to its name and id. */
  readonly task: T;
  /** A real context: name, id, type, validated config, the kit's logger, a stop signal (also its deadline: both abort at kit shutdown), push. */
  readonly ctx: TaskContext<C>;
}

/** The pieces of a kit a bound task needs. */
export interface KitTaskHost {
  resolve<T>(cls: Constructor<T>): T;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

/**
 * Resolves `cls` from the kit's container, binds it like the runtime does and
 * builds its context. `ctx.push(event)` calls the task's first `@Handler` once
 * (no retry, as a unit test wants) and resolves with the events it emitted.
 */
export function kitTask<T extends object, C>(
  host: KitTaskHost,
  cls: Constructor<T>,
  options: KitTaskOptions,
): KitTask<T, C> {
  const taskOptions = getTaskOptions(cls);
  if (taskOptions === undefined) {
    throw new DecoratorError(
      `${cls.name} is not a task: decorate it with @Task({ type: '...' }) before binding it in the test kit.`,
    );
  }
  const name = options.name ?? taskOptions.type;
  const id = options.id ?? 0;
  const configClass = taskOptions.config as ConfigClass<object> | undefined;
  const config = (
    configClass === undefined
      ? { ...options.config }
      : validateConfig(configClass, options.config ?? {}, {
          path: `flow.tasks[${id}].${taskOptions.type}`,
        })
  ) as C;
  const task = bindTask(host.resolve(cls), { name, id });
  const ctx: TaskContext<C> = {
    name,
    id,
    type: taskOptions.type,
    config,
    logger: host.logger.child({ task: name, task_id: id }),
    signal: host.signal,
    deadline: host.signal,
    push: async (event: FlowEvent) => {
      const handler = firstHandlerOf(task);
      if (handler === undefined) {
        throw new DecoratorError(
          `${cls.name} has no @Handler() method for ctx.push to call; mark the method that processes one event with @Handler().`,
        );
      }
      const result = (handler as (e: FlowEvent, c: TaskContext<C>) => unknown).call(
        task,
        event,
        ctx,
      );
      return toOutputEvents(await settleHandlerResult(result), event);
    },
  };
  return { task, ctx };
}
