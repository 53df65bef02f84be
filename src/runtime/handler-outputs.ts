import { activeSpan } from '../telemetry/context-manager';
import { isTraceableIteration } from '../telemetry/run-in-span';
import { FlowEvent, hasIds } from './event';

/**
 * Turns what a handler returned into the events sent downstream, while its
 * `task.handle` span is still active so each event carries that span's
 * context: `undefined`/`null` → none; a FlowEvent or an array of them → those
 * (an event created elsewhere, such as the input passed through, is re-stamped
 * with this span); any other value → one event with that value as data.
 */
export function toOutputEvents(result: unknown, input: FlowEvent): FlowEvent[] {
  if (result === undefined || result === null) return [];
  if (Array.isArray(result)) {
    const out: FlowEvent[] = [];
    for (const item of result as unknown[]) {
      if (item !== undefined && item !== null) out.push(toEvent(item, input));
    }
    return out;
  }
  return [toEvent(result, input)];
}

function toEvent(value: unknown, input: FlowEvent): FlowEvent {
  if (!(value instanceof FlowEvent)) return input.withData(value);
  const current = activeSpan()?.spanContext();
  if (current === undefined || !hasIds(current)) return value;
  if (value.spanContext?.spanId === current.spanId) return value;
  return value.withData(value.data);
}

/**
 * Collects what an async-generator handler yields (a Promise's value is
 * returned as is; a stream or other iterable object is one value, as the
 * tracer sees it).
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

/*
 * The runtime consumes a handler's result, so a thenable (a lazy query) is
 * awaited here as a user would; the tracer never does that.
 */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<PromiseLike<unknown>>).then === 'function'
  );
}
