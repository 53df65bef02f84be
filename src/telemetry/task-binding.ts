import type { Attributes } from '@opentelemetry/api';
import { getTaskOptions } from '../metadata/task-metadata';
import { checkTaskIdentity } from './check-task-identity';
import type { Instrumentation } from './instrumentation';
import { getLogger, logOnce } from './logger';
import { DISABLED_INSTRUMENTATION } from './instrumentation';
import {
  ATTR_TASK,
  ATTR_TASK_ID,
  ATTR_TASK_TYPE,
  SPAN_TASK_HANDLE,
  SPAN_TASK_RUN,
} from './span-names';
import type { SpanSite } from './span-site';

/** Who a task instance is in its flow: the `task` and `task_id` span attributes. */
export interface TaskIdentity {
  /** Task name, from the flow's YAML. */
  readonly name: string;
  /** Index of the task in the flow's task list (0-based). */
  readonly id: number;
}

/**
 * What one instance traces with: its instrumentation, its task attributes and
 * the span sites of its `task.run` and `task.handle` spans, computed once.
 */
export class TaskBinding {
  /** `task`, `task_id`, `task_type`, or none for an instance that is not a task. */
  public readonly attributes: Readonly<Attributes>;
  private handle: SpanSite | undefined;
  private run: SpanSite | undefined;

  constructor(
    public readonly instrumentation: Instrumentation,
    attributes: Attributes,
  ) {
    this.attributes = Object.freeze({ ...attributes });
  }

  /** False when telemetry is off for this instance. */
  get enabled(): boolean {
    return this.instrumentation.enabled;
  }

  /** The `task.handle` site of this instance. */
  get handleSite(): SpanSite {
    return (this.handle ??= this.site(SPAN_TASK_HANDLE));
  }

  /** The `task.run` site of this instance. */
  get runSite(): SpanSite {
    return (this.run ??= this.site(SPAN_TASK_RUN));
  }

  /** The site of another span name carrying this instance's task attributes. */
  site(name: string, extra?: Attributes): SpanSite {
    const attributes = extra === undefined ? this.attributes : { ...this.attributes, ...extra };
    return this.instrumentation.spanMetrics.site(name, attributes);
  }
}

/**
 * The task attributes of an instance: its bound identity, else `task` = the
 * task type and no `task_id` (an id 0 would collide with the real first task
 * of a flow), with a warning once per type that the instance is unbound.
 */
export function taskAttributesOf(instance: object): Attributes {
  const ctor = instance.constructor;
  const options = getTaskOptions(ctor);
  if (options === undefined) return {};
  const identity = identities.get(instance);
  if (identity === undefined) {
    logOnce(
      getLogger(),
      `unbound-task:${options.type}`,
      'warn',
      { task_type: options.type },
      UNBOUND,
    );
    return { [ATTR_TASK]: options.type, [ATTR_TASK_TYPE]: options.type };
  }
  return {
    [ATTR_TASK]: identity.name,
    [ATTR_TASK_ID]: identity.id,
    [ATTR_TASK_TYPE]: options.type,
  };
}

const UNBOUND =
  'a task instance traced before bindTask(instance, { name, id }): its spans carry task = its type and no task_id';

/*
 * Per-instance state lives in weak maps, not on the instance: a frozen or
 * sealed instance works the same, and nothing shows up in its own keys.
 */
const identities = new WeakMap<object, TaskIdentity>();
const instrumentations = new WeakMap<object, Instrumentation>();
const bindings = new WeakMap<object, TaskBinding>();

/** The binding of an instance, made on first use and kept for it. */
export function bindingOf(instance: object): TaskBinding {
  const known = bindings.get(instance);
  if (known !== undefined) return known;
  const binding = new TaskBinding(
    instrumentations.get(instance) ?? DISABLED_INSTRUMENTATION,
    taskAttributesOf(instance),
  );
  bindings.set(instance, binding);
  return binding;
}

/**
 * Binds a task instance to its place in a flow: its `task` name and
 * `task_id`. One class can so appear twice in a flow under two names.
 *
 * @throws TaskIdentityError when the name is not one a flow accepts
 * (letters, digits, `_`, `.`, `-`) or the id is not a whole number >= 0.
 *
 * @example
 * ```ts
 * const enrich = container.resolve(ScriptTask);
 * bindTask(enrich, { name: 'enrich', id: 1 });
 * ```
 */
export function bindTask<T extends object>(instance: T, identity: TaskIdentity): T {
  checkTaskIdentity(identity);
  identities.set(instance, Object.freeze({ name: identity.name, id: identity.id }));
  bindings.delete(instance);
  return instance;
}

/** The identity bound to an instance, if any. */
export function taskIdentityOf(instance: object): TaskIdentity | undefined {
  return identities.get(instance);
}

/** Gives an instance the instrumentation of the container it was resolved from. */
export function attachInstrumentation(instance: object, instrumentation: Instrumentation): void {
  instrumentations.set(instance, instrumentation);
  bindings.delete(instance);
}
