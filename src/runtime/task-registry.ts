import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { Constructor, TaskOptions } from '../metadata/task-metadata';
import { getTaskOptions } from '../metadata/task-metadata';
import { DecoratorError } from '../decorators/decorator-error';

/** DI token under which task classes are registered (many values). */
export const TASK_CLASSES: InjectionToken<Constructor> = Symbol.for('flowgen.TaskClasses');

/**
 * Registers `@Task` classes in `container`, so flows run through it, or
 * through any child container made from it, can use their types. Built-in
 * and user task classes are looked up the same way. Classes registered on
 * an ancestor stay visible when a child registers its own (`runFlow` does
 * that with the built-ins): a container's first registration copies in
 * what its ancestors hold at that moment, so register on a parent before
 * registering on its children.
 *
 * @example
 * ```ts
 * registerTaskClasses(container, [OrdersSource, PriceLookup]);
 * await runFlow({ flow: 'orders.yaml' }); // a child of tsyringe's root container
 * ```
 */
export function registerTaskClasses(
  container: DependencyContainer,
  classes: readonly Constructor[],
): void {
  for (const cls of classes) {
    if (getTaskOptions(cls) === undefined) {
      throw new DecoratorError(
        `${cls.name} is not a task: decorate it with @Task({ type: '...' }) before registering it.`,
      );
    }
  }
  /*
   * tsyringe's resolveAll answers from the nearest container that has any
   * registration of a token, so a child's first own registration would hide
   * every class its ancestors hold: copy them in first.
   */
  const own = container.isRegistered(TASK_CLASSES, false);
  const present = container.isRegistered(TASK_CLASSES, true)
    ? container.resolveAll(TASK_CLASSES)
    : [];
  if (!own) for (const cls of present) container.register(TASK_CLASSES, { useValue: cls });
  for (const cls of classes) {
    if (!present.includes(cls)) container.register(TASK_CLASSES, { useValue: cls });
  }
}

/** A task class with its `@Task` options. */
export interface TaskType {
  /** The class. */
  readonly cls: Constructor;
  /** Its `@Task` options. */
  readonly options: TaskOptions;
}

/** The task types registered in `container` (later registrations of a type win). */
export function taskTypesOf(container: DependencyContainer): ReadonlyMap<string, TaskType> {
  const types = new Map<string, TaskType>();
  const classes = container.isRegistered(TASK_CLASSES, true)
    ? container.resolveAll(TASK_CLASSES)
    : [];
  for (const cls of classes) {
    const options = getTaskOptions(cls);
    if (options !== undefined) types.set(options.type, { cls, options });
  }
  return types;
}
