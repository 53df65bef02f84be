import type { Context } from '@opentelemetry/api';
import { WRAPPED_ORIGINAL } from '../metadata/metadata-keys';
import { runInSpan } from './run-in-span';
import type { SpanSite } from './span-site';
import type { TaskBinding } from './task-binding';
import { bindingOf } from './task-binding';
import { reportTelemetryFailure } from './telemetry-failure';

/** Any method. */
export type AnyMethod = (this: unknown, ...args: unknown[]) => unknown;

/** How a wrapped method finds its span site and parent for one call. */
export interface SpanPlan {
  /** The span site of this call, from the instance's binding and the call's arguments. */
  site(binding: TaskBinding, args: unknown[]): SpanSite;
  /** The parent context of this call's span. */
  parent(args: unknown[]): Context;
}

/**
 * Wraps `original` so that each call runs in a span planned by `plan` (the
 * `task_manager.*` spans; `task.handle` is made by `invokeHandler`). The
 * wrapper keeps `this`, the function's `name`, `length`, own properties and
 * reflect-metadata keys; a function wrapped already is returned as it is, so a
 * method decorated twice is traced once.
 */
export function wrapMethod(original: AnyMethod, plan: SpanPlan): AnyMethod {
  if (isWrapped(original)) return original;
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    // Called unbound (`const f = task.handle; f()`): no instance, no telemetry.
    if (typeof this !== 'object' || this === null) return original.apply(this, args);
    const binding = bindingOf(this);
    if (!binding.enabled) return original.apply(this, args);
    let site: SpanSite;
    let parent: Context;
    try {
      site = plan.site(binding, args);
      parent = plan.parent(args);
    } catch (error) {
      // A meter or tracer that fails while making instruments: run untraced.
      reportTelemetryFailure(error, 'preparing a span');
      return original.apply(this, args);
    }
    return runInSpan(site, parent, original, this, args);
  };
  preserveIdentity(wrapped, original);
  return wrapped as AnyMethod;
}

/** Whether `fn` is a wrapper made by {@link wrapMethod}. */
export function isWrapped(fn: unknown): boolean {
  return (
    typeof fn === 'function' &&
    (fn as unknown as Record<symbol, unknown>)[WRAPPED_ORIGINAL] !== undefined
  );
}

/** The function a wrapper wraps, or `fn` itself. */
export function originalOf<F extends (...args: never[]) => unknown>(fn: F): F {
  return (fn as unknown as Record<symbol, F | undefined>)[WRAPPED_ORIGINAL] ?? fn;
}

/**
 * Gives `wrapped` the identity of `original`: its `name`, `length`, own
 * properties and reflect-metadata keys, and a link back to `original`.
 */
export function preserveIdentity(wrapped: object, original: object): void {
  for (const key of Reflect.ownKeys(original)) {
    if (key === 'prototype' || key === 'arguments' || key === 'caller') continue;
    const descriptor = Object.getOwnPropertyDescriptor(original, key);
    if (descriptor !== undefined) Object.defineProperty(wrapped, key, descriptor);
  }
  for (const key of Reflect.getOwnMetadataKeys(original) as unknown[]) {
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, original), wrapped);
  }
  Object.defineProperty(wrapped, WRAPPED_ORIGINAL, { value: original, enumerable: false });
}
