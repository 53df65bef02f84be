import type { Attributes } from '@opentelemetry/api';
import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import type { Constructor, TaskManagerMethods } from '../metadata/task-metadata';
import {
  getHandlerName,
  getTaskManagerMethods,
  getTaskOptions,
  onDecoratedClass,
} from '../metadata/task-metadata';
import { callHandler } from './invoke-handler';
import {
  ATTR_TASK,
  ATTR_TASK_ID,
  ATTR_TASK_TYPE,
  SPAN_TASK_MANAGER_REGISTER,
  SPAN_TASK_MANAGER_SHUTDOWN,
  SPAN_TASK_MANAGER_START,
} from './span-names';
import { taskAttributesOf } from './task-binding';
import type { AnyMethod, SpanPlan } from './wrap-method';
import { isWrapped, preserveIdentity, wrapMethod } from './wrap-method';

/*
 * Decorators only record metadata; this is the one module that turns it into
 * traced methods, once per class, when telemetry is first registered (or when
 * a class is decorated after that). The `@Handler` method runs through
 * `callHandler` (the same code the runtime reaches through
 * `invokeHandler`); the methods a `@TaskManager` names run through
 * `wrapMethod` with the plan of their span.
 */

/** A root span of the task manager. */
const rootPlan = (name: string): SpanPlan => ({
  site: (binding) => binding.site(name),
  parent: () => ROOT_CONTEXT,
});

const TASK_MANAGER_PLANS: Readonly<Record<keyof TaskManagerMethods, SpanPlan>> = {
  start: rootPlan(SPAN_TASK_MANAGER_START),
  register: {
    site: (binding, args) =>
      binding.site(SPAN_TASK_MANAGER_REGISTER, registeredAttributes(args[0])),
    parent: () => context.active(),
  },
  shutdown: rootPlan(SPAN_TASK_MANAGER_SHUTDOWN),
};

const instrumented = new WeakSet<Constructor>();
let listening = false;

/**
 * Traces every decorated class, now and as new ones are decorated. Called by
 * `registerTelemetryProviders`; later calls do nothing.
 */
export function instrumentDecoratedClasses(): void {
  if (listening) return;
  listening = true;
  onDecoratedClass(instrumentClass);
}

/** Traces the `@Handler` and `@TaskManager` methods of one class (once). */
export function instrumentClass(cls: Constructor): void {
  if (instrumented.has(cls)) return;
  instrumented.add(cls);
  const proto = cls.prototype as Record<string | symbol, unknown>;
  const handler = getHandlerName(cls);
  if (handler !== undefined) replaceMethod(proto, handler, tracedHandler);
  const methods = getTaskManagerMethods(cls);
  if (methods === undefined) return;
  for (const key of Object.keys(TASK_MANAGER_PLANS) as (keyof TaskManagerMethods)[]) {
    const name = methods[key];
    if (name !== undefined) {
      replaceMethod(proto, name, (original) => wrapMethod(original, TASK_MANAGER_PLANS[key]));
    }
  }
}

/** The traced form of a `@Handler` method: every call is `callHandler`. */
function tracedHandler(original: AnyMethod): AnyMethod {
  const traced = function (this: unknown, ...args: unknown[]): unknown {
    // Called unbound (`const f = task.handle; f()`): no instance, no telemetry.
    if (typeof this !== 'object' || this === null) return original.apply(this, args);
    return callHandler(this, original, args);
  };
  preserveIdentity(traced, original);
  return traced as AnyMethod;
}

function replaceMethod(
  proto: Record<string | symbol, unknown>,
  name: string | symbol,
  wrap: (original: AnyMethod) => AnyMethod,
): void {
  const descriptor = Object.getOwnPropertyDescriptor(proto, name);
  const current: unknown = descriptor?.value ?? proto[name];
  if (typeof current !== 'function' || isWrapped(current)) return;
  Object.defineProperty(proto, name, {
    value: wrap(current as AnyMethod),
    writable: descriptor?.writable ?? true,
    configurable: true,
    enumerable: descriptor?.enumerable ?? false,
  });
}

function registeredAttributes(task: unknown): Attributes {
  if (typeof task !== 'object' || task === null) return {};
  if (getTaskOptions(task.constructor) !== undefined) return taskAttributesOf(task);
  const described = task as { name?: unknown; id?: unknown; type?: unknown };
  if (typeof described.name === 'string' && typeof described.type === 'string') {
    return {
      [ATTR_TASK]: described.name,
      [ATTR_TASK_ID]: typeof described.id === 'number' ? described.id : 0,
      [ATTR_TASK_TYPE]: described.type,
    };
  }
  return {};
}
