import { randomUUID } from 'node:crypto';
import type { Context, SpanContext } from '@opentelemetry/api';
import { INVALID_SPANID, INVALID_TRACEID, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { CarriesTraceContext } from '../telemetry/runtime-telemetry';
import {
  CARRIED_CONTEXT,
  parseTraceparent,
  spanForNewEvents,
} from '../telemetry/runtime-telemetry';

/** Metadata of an event: string keys and values, like message headers. */
export type EventMetadata = Record<string, string>;

/** Options of {@link FlowEvent.create}. */
export interface FlowEventInit {
  /** Event id; a random UUID when omitted. */
  id?: string;
  /** Metadata such as message headers. */
  metadata?: EventMetadata;
  /**
   * The trace context the event carries. When neither this nor
   * `traceContext` is given, the span active where the event is created (the
   * emitting handler's `task.handle`), unless that is a `task.run`: a
   * source's events start their own traces.
   */
  spanContext?: SpanContext;
  /**
   * The trace context the event carries, as `extractTraceContext` (the
   * `propagation` API) reads it from HTTP or message headers. Used when
   * `spanContext` is not given; a context without a span means none.
   */
  traceContext?: Context;
  /** Creation time in epoch milliseconds; now when omitted. */
  timestamp?: number;
}

/**
 * What flows between tasks: an id, the payload (`data`, never exported to
 * telemetry), metadata, its byte size, a timestamp and the trace context of
 * the span that produced it, so the next handler's span is its child.
 *
 * @example
 * ```ts
 * // inside a @Handler: the new event carries this handler's span context
 * return FlowEvent.create({ total: 42 });
 * ```
 */
export class FlowEvent<T = unknown> implements CarriesTraceContext {
  private cachedSize: number | undefined;
  private cachedParent: Context | undefined;

  private constructor(
    /** Event id. */
    public readonly id: string,
    /** The payload. Never recorded in spans, metrics or default-level logs. */
    public readonly data: T,
    /** Metadata such as message headers. */
    public readonly metadata: EventMetadata,
    /** Creation time in epoch milliseconds. */
    public readonly timestamp: number,
    /** The trace context of the span that produced the event, if any. */
    public readonly spanContext: SpanContext | undefined,
  ) {}

  /**
   * Makes an event. Its trace context is `init.spanContext`, else the span
   * active where it is created.
   */
  static create<T>(data: T, init: FlowEventInit = {}): FlowEvent<T> {
    const spanContext =
      init.spanContext ??
      (init.traceContext !== undefined
        ? trace.getSpanContext(init.traceContext)
        : currentSpanContext());
    return new FlowEvent(
      init.id ?? randomUUID(),
      data,
      init.metadata ?? {},
      init.timestamp ?? Date.now(),
      spanContext,
    );
  }

  /** A new event with another payload that keeps id, metadata and timestamp, traced from the active span. */
  withData<U>(data: U, init: FlowEventInit = {}): FlowEvent<U> {
    return FlowEvent.create(data, {
      id: init.id ?? this.id,
      metadata: init.metadata ?? this.metadata,
      timestamp: init.timestamp ?? this.timestamp,
      spanContext: init.spanContext,
    });
  }

  /** Byte size of the payload (UTF-8 for strings, JSON for other values). */
  get size(): number {
    return (this.cachedSize ??= byteSize(this.data));
  }

  /** The context to parent the next span on: the event's trace context, else none (root). */
  get parentContext(): Context {
    return (this.cachedParent ??=
      this.spanContext === undefined
        ? ROOT_CONTEXT
        : trace.setSpanContext(ROOT_CONTEXT, this.spanContext));
  }

  /**
   * The same as {@link parentContext}: what the handler of this event
   * parents its `task.handle` span on (see `invokeHandler`), and what
   * `injectTraceContext(headers, event.traceContext)` sends on.
   */
  get [CARRIED_CONTEXT](): Context {
    return this.parentContext;
  }

  /** The event's trace context as a `Context`, for the `propagation` API. */
  get traceContext(): Context {
    return this.parentContext;
  }
}

/**
 * Parses a W3C `traceparent` (and `tracestate`) into a remote span context;
 * `undefined` for a missing or malformed header. Prefer
 * `extractTraceContext(headers)`, which reads whatever the process's
 * propagator reads.
 */
export function parseTraceHeaders(
  traceparent: string | undefined,
  tracestate?: string,
): SpanContext | undefined {
  return parseTraceparent(traceparent, tracestate);
}

function currentSpanContext(): SpanContext | undefined {
  const sc = spanForNewEvents()?.spanContext();
  return sc !== undefined && hasIds(sc) ? sc : undefined;
}

/**
 * Whether a span context from the toolkit's own tracer has real ids: a
 * non-recording span of a no-op tracer has all-zero ids. (The full
 * `isSpanContextValid` runs two regular expressions per event; the ids of
 * spans our tracer made are well-formed already.)
 */
export function hasIds(sc: SpanContext): boolean {
  return sc.spanId !== INVALID_SPANID && sc.traceId !== INVALID_TRACEID;
}

function byteSize(data: unknown): number {
  if (data === undefined || data === null) return 0;
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (Buffer.isBuffer(data) || data instanceof Uint8Array) return data.byteLength;
  try {
    return Buffer.byteLength(JSON.stringify(data) ?? '');
  } catch {
    return 0;
  }
}
