import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { writeResource, writeSchemaUrl, writeScope, writeSpan } from './otlp-span-encoder';
import type { ChunkBufferPool } from './chunk-buffer-pool';
import { ProtoWriter, varintSize } from './proto-writer';

/** A sealed chunk: one complete `ExportTraceServiceRequest`, ready to send. */
export interface EncodedChunk {
  /** The request bytes (in a pooled SharedArrayBuffer, or an ArrayBuffer of their own). */
  readonly bytes: Uint8Array;
  /** Spans in it. */
  readonly spans: number;
}

/**
 * The spans of one resource and instrumentation scope, encoded as they end.
 * Only the `Span` messages are written while the chunk is open; `seal()` puts
 * the request, `ResourceSpans` and `ScopeSpans` framing around them, whose
 * lengths are known only then.
 */
export class SpanChunk {
  /** Spans written since the last seal. */
  spans = 0;
  /** `Date.now()` when the first of them was written. */
  openedAt = 0;
  private readonly body = new ProtoWriter(16 * 1024);
  private readonly resourceBytes: Uint8Array;
  private readonly scopeBytes: Uint8Array;
  private readonly scopeSchema: Uint8Array;
  private readonly resourceSchema: Uint8Array;

  constructor(resource: Resource, scope: InstrumentationScope) {
    const w = new ProtoWriter(1024);
    writeResource(w, resource, 1);
    this.resourceBytes = w.copy();
    w.reset();
    writeScope(w, scope, 1);
    this.scopeBytes = w.copy();
    w.reset();
    writeSchemaUrl(w, scope.schemaUrl, 3);
    this.scopeSchema = w.copy();
    w.reset();
    writeSchemaUrl(w, resource.schemaUrl, 3);
    this.resourceSchema = w.copy();
  }

  /** Encoded bytes held so far. */
  get size(): number {
    return this.body.pos;
  }

  /** Encodes `span` into the chunk. */
  add(span: ReadableSpan): void {
    const w = this.body;
    const mark = w.pos;
    try {
      w.tag(2, 2); // ScopeSpans.spans
      const start = w.begin(2); // a span's length takes two bytes (128 B to 16 KiB)
      writeSpan(w, span);
      w.end(start);
    } catch (error) {
      // A span the encoder cannot read leaves no half-written bytes behind.
      w.pos = mark;
      throw error;
    }
    if (this.spans === 0) this.openedAt = Date.now();
    this.spans++;
  }

  /**
   * The request holding every span added since the last seal; empties the
   * chunk. The bytes go into a buffer of `pool` (shared memory), or else
   * into an ArrayBuffer of their own.
   */
  seal(pool?: ChunkBufferPool): EncodedChunk {
    const spans = this.body.pos;
    const scopeSpans = this.scopeBytes.length + spans + this.scopeSchema.length;
    const resourceSpans =
      this.resourceBytes.length +
      1 +
      varintSize(scopeSpans) +
      scopeSpans +
      this.resourceSchema.length;
    const total = 1 + varintSize(resourceSpans) + resourceSpans;
    const out = new ProtoWriter(pool?.acquire(total) ?? total);
    out.tag(1, 2); // ExportTraceServiceRequest.resource_spans
    out.varint(resourceSpans);
    put(out, this.resourceBytes);
    out.tag(2, 2); // ResourceSpans.scope_spans
    out.varint(scopeSpans);
    put(out, this.scopeBytes);
    put(out, this.body.buf.subarray(0, spans));
    put(out, this.scopeSchema);
    put(out, this.resourceSchema);
    const chunk = { bytes: out.buf.subarray(0, total), spans: this.spans };
    this.body.reset();
    this.spans = 0;
    return chunk;
  }
}

function put(w: ProtoWriter, bytes: Uint8Array): void {
  w.buf.set(bytes, w.pos);
  w.pos += bytes.length;
}
