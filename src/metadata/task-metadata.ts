import { HANDLERS_KEY, TASK_MANAGER_KEY, TASK_OPTIONS_KEY } from './metadata-keys';

/**
 * A class constructor, as tsyringe and the decorators see it. Declared here
 * (the same shape as tsyringe's own `constructor<T>`) rather than imported
 * from tsyringe's private `dist/typings` path, which is not part of its API.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any constructor arguments, as tsyringe's own type
export type Constructor<T = object> = new (...args: any[]) => T;

/** What `@Task` records about a class. */
export interface TaskOptions {
  /** The task type, as written in flows (`script`, `http_request`, ...). */
  readonly type: string;
  /**
   * The class of the task's own config (validated with class-validator when a
   * flow is loaded). Omit for tasks that take no config besides `name`.
   */
  readonly config?: Constructor;
  /** A source task produces events itself (its `run` method) instead of receiving them. */
  readonly source?: boolean;
}

type ClassListener = (cls: Constructor) => void;

/*
 * The one module that reads and writes the decorators' metadata, and the list
 * of decorated classes (so that a container that gets telemetry can hook
 * their resolution). `resetDecoratedClasses` is for specs.
 */
const decoratedClasses = new Set<Constructor>();
const listeners = new Set<ClassListener>();

/** Records `@Task` options on a class. */
export function setTaskOptions(cls: Constructor, options: TaskOptions): void {
  Reflect.defineMetadata(TASK_OPTIONS_KEY, Object.freeze({ ...options }), cls);
  addDecoratedClass(cls);
}

/** The `@Task` options of a class (or of its nearest decorated ancestor). */
export function getTaskOptions(cls: object): TaskOptions | undefined {
  return Reflect.getMetadata(TASK_OPTIONS_KEY, cls) as TaskOptions | undefined;
}

/**
 * Records that `method` of `prototype`'s class is its `@Handler`. A class has
 * one: the decorator checks {@link getHandlerName} first.
 */
export function setHandlerName(prototype: object, method: string | symbol): void {
  Reflect.defineMetadata(HANDLERS_KEY, method, prototype);
}

/** The `@Handler` method name of a class (its own, else its nearest decorated ancestor's). */
export function getHandlerName(cls: { readonly prototype: unknown }): string | symbol | undefined {
  const proto = cls.prototype as object;
  return Reflect.getMetadata(HANDLERS_KEY, proto) as string | symbol | undefined;
}

/**
 * The `@Handler` method of an instance (the one the runtime calls per event),
 * or undefined when its class has none.
 */
export function firstHandlerOf(instance: object): ((...args: never[]) => unknown) | undefined {
  const name = getHandlerName(instance.constructor);
  const method =
    name === undefined ? undefined : (instance as Record<string | symbol, unknown>)[name];
  return typeof method === 'function' ? (method as (...args: never[]) => unknown) : undefined;
}

/** The `@Handler` method names of a class: none or one (see {@link getHandlerName}). */
export function getHandlerNames(cls: {
  readonly prototype: unknown;
}): readonly (string | symbol)[] {
  const name = getHandlerName(cls);
  return name === undefined ? [] : [name];
}

/**
 * Which methods of a `@TaskManager` class make which span: each key names
 * the method that becomes `task_manager.<key>`.
 */
export interface TaskManagerMethods {
  /** The method that becomes `task_manager.start` (a root span). */
  readonly start?: string;
  /** The method that becomes `task_manager.register` (a child of the active span; its first argument is the task). */
  readonly register?: string;
  /** The method that becomes `task_manager.shutdown` (a root span). */
  readonly shutdown?: string;
}

/** Marks a class as a `@TaskManager` whose `methods` make the `task_manager.*` spans. */
export function setTaskManager(cls: Constructor, methods: TaskManagerMethods): void {
  Reflect.defineMetadata(TASK_MANAGER_KEY, Object.freeze({ ...methods }), cls);
  addDecoratedClass(cls);
}

/** The span methods of a `@TaskManager` class, or `undefined` for another class. */
export function getTaskManagerMethods(cls: object): TaskManagerMethods | undefined {
  return Reflect.getMetadata(TASK_MANAGER_KEY, cls) as TaskManagerMethods | undefined;
}

/** Every class decorated with `@Task` or `@TaskManager` so far. */
export function decoratedClassList(): readonly Constructor[] {
  return [...decoratedClasses];
}

/**
 * Calls `listener` for every decorated class, now and as new ones are
 * decorated, until the returned function is called.
 */
export function onDecoratedClass(listener: ClassListener): () => void {
  for (const cls of decoratedClasses) listener(cls);
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function addDecoratedClass(cls: Constructor): void {
  if (decoratedClasses.has(cls)) return;
  decoratedClasses.add(cls);
  for (const listener of listeners) listener(cls);
}
