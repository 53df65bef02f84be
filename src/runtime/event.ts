import { randomUUID } from 'node:crypto';
import type { Context, SpanContext } from '@opentelemetry/api';
import {
  INVALID_SPANID,
  INVALID_TRACEID,
  ROOT_CONTEXT,
  isSpanContextValid,
  trace,
} from '@opentelemetry/api';
import { TraceState, parseTraceParent } from '@opentelemetry/core';
import { activeSpan } from '../telemetry/context-manager';

/** Metadata of an event: string keys and values, like message headers. */
export type EventMetadata = Record<string, string>;

/** W3C trace context in its text form, as it crosses a process boundary. */
export interface TraceHeaders {
  /** `version-traceid-spanid-flags`, e.g. `00-4bf9...-00f0...-01`. */
  traceparent: string;
  /** Vendor-specific trace state, when there is one. */
  tracestate?: string;
}

/** Options of {@link FlowEvent.create}. */
export interface FlowEventInit {
  /** Event id; a random UUID when omitted. */
  id?: string;
  /** Metadata such as message headers. */
  metadata?: EventMetadata;
  /**
   * The trace context the event carries. When omitted, the span active where
   * the event is created (the emitting handler's `task.handle`).
   */
  spanContext?: SpanContext;
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
export class FlowEvent<T = unknown> {
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
    const spanContext = init.spanContext ?? currentSpanContext();
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

  /** The W3C text form of the event's trace context, to send across a process boundary. */
  traceHeaders(): TraceHeaders | undefined {
    const sc = this.spanContext;
    if (sc === undefined) return undefined;
    const flags = `0${(sc.traceFlags & 0xff).toString(16)}`.slice(-2);
    const headers: TraceHeaders = { traceparent: `00-${sc.traceId}-${sc.spanId}-${flags}` };
    const state = sc.traceState?.serialize();
    if (state !== undefined && state !== '') headers.tracestate = state;
    return headers;
  }
}

/**
 * Parses a W3C `traceparent` (and `tracestate`) into a remote span context;
 * `undefined` for a missing or malformed header.
 */
export function parseTraceHeaders(
  traceparent: string | undefined,
  tracestate?: string,
): SpanContext | undefined {
  if (traceparent === undefined) return undefined;
  const spanContext = parseTraceParent(traceparent);
  if (spanContext === null || !isSpanContextValid(spanContext)) return undefined;
  spanContext.isRemote = true;
  if (tracestate !== undefined && tracestate !== '') {
    spanContext.traceState = new TraceState(tracestate);
  }
  return spanContext;
}

function currentSpanContext(): SpanContext | undefined {
  const sc = activeSpan()?.spanContext();
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
