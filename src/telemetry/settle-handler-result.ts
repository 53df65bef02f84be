import { isTraceableIteration } from './run-in-span';

/**
 * What a handler produced, once it is done: a Promise's value; for an async
 * generator (or other traceable async iteration, as the tracer sees it) the
 * array of what it yielded; a thenable (a lazy query) awaited as a user
 * would; anything else as it is. Used where the result is consumed (the
 * runtime's attempts), never by the tracer itself, which never runs a
 * thenable.
 */
export async function settleHandlerResult(result: unknown): Promise<unknown> {
  const value: unknown = result instanceof Promise ? await result : result;
  if (isTraceableIteration(value)) {
    const items: unknown[] = [];
    for await (const item of value as AsyncIterable<unknown>) items.push(item);
    return items;
  }
  if (isThenable(value)) return await value;
  return value;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<PromiseLike<unknown>>).then === 'function'
  );
}
