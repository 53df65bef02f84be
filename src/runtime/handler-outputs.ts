import { FlowEvent, hasIds } from './event';
import { activeSpan } from '../telemetry/runtime-telemetry';

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
