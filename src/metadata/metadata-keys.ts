/*
 * Keys under which the decorators record what they were told. Decorators only
 * record; the instrumentation and the runtime read through `task-metadata.ts`.
 * `Symbol.for` so that two installed copies of the toolkit agree.
 */

/** `@Task` options on a class. */
export const TASK_OPTIONS_KEY = Symbol.for('flowgen:task');
/** The name of the `@Handler` method of a class. */
export const HANDLERS_KEY = Symbol.for('flowgen:handler');
/** `@TaskManager` span methods of a class. */
export const TASK_MANAGER_KEY = Symbol.for('flowgen:task-manager');
/** On a wrapped function: the original function it wraps. */
export const WRAPPED_ORIGINAL = Symbol.for('flowgen:wrapped-original');
