import type { Attributes, Link, SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { ProtoWriter } from './proto-writer';

/*
 * OTLP protobuf field numbers and wire types (opentelemetry/proto/trace/v1
 * and common/v1). The field order, and which empty fields are written, follow
 * the stock `ProtobufTraceSerializer` of @opentelemetry/otlp-transformer, so
 * both produce the same bytes; spec/telemetry/export/otlp-span-encoder.spec.ts
 * holds that equality as a guard against proto or SDK changes.
 */
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;
const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

/**
 * Writes one `Span` message body (without its key and length) straight from
 * the SDK's `ReadableSpan` fields: no intermediate object.
 */
export function writeSpan(w: ProtoWriter, span: ReadableSpan): void {
  const ctx = span.spanContext();
  w.tag(1, LEN);
  w.hexId(ctx.traceId);
  w.tag(2, LEN);
  w.hexId(ctx.spanId);
  const traceState = ctx.traceState?.serialize();
  if (traceState) {
    w.tag(3, LEN);
    w.string(traceState);
  }
  const parent = span.parentSpanContext;
  if (parent?.spanId) {
    w.tag(4, LEN);
    w.hexId(parent.spanId);
  }
  w.tag(5, LEN);
  w.string(span.name);
  // The proto enum counts UNSPECIFIED as 0; the API's kinds start at INTERNAL = 0.
  const kind = span.kind == null ? 0 : span.kind + 1;
  if (kind !== 0) {
    w.tag(6, VARINT);
    w.varint(kind);
  }
  w.tag(7, FIXED64);
  w.hrTime(span.startTime);
  w.tag(8, FIXED64);
  w.hrTime(span.endTime);
  if (span.attributes) writeAttributes(w, span.attributes, 9);
  w.tag(10, VARINT);
  w.varint(span.droppedAttributesCount);
  for (const event of span.events) {
    w.tag(11, LEN);
    const start = w.begin();
    writeEvent(w, event);
    w.end(start);
  }
  w.tag(12, VARINT);
  w.varint(span.droppedEventsCount);
  for (const link of span.links) {
    w.tag(13, LEN);
    const start = w.begin();
    writeLink(w, link);
    w.end(start);
  }
  w.tag(14, VARINT);
  w.varint(span.droppedLinksCount);
  w.tag(15, LEN);
  const status = w.begin();
  if (span.status.message) {
    w.tag(2, LEN);
    w.string(span.status.message);
  }
  w.tag(3, VARINT);
  w.varint(span.status.code);
  w.end(status);
  w.tag(16, FIXED32);
  w.fixed32(spanFlags(ctx, parent?.isRemote));
}

/** The `Resource` message with its key `field`. */
export function writeResource(w: ProtoWriter, resource: Resource, field: number): void {
  w.tag(field, LEN);
  const start = w.begin();
  if (resource.attributes) writeAttributes(w, resource.attributes, 1);
  w.tag(2, VARINT); // dropped_attributes_count: the SDK does not track it
  w.varint(0);
  w.end(start);
}

/** The `InstrumentationScope` message with its key `field`. */
export function writeScope(w: ProtoWriter, scope: InstrumentationScope, field: number): void {
  const withMore = scope as InstrumentationScope & {
    attributes?: Attributes;
    droppedAttributesCount?: number;
  };
  w.tag(field, LEN);
  const start = w.begin();
  w.tag(1, LEN);
  w.string(scope.name);
  if (scope.version) {
    w.tag(2, LEN);
    w.string(scope.version);
  }
  if (withMore.attributes) writeAttributes(w, withMore.attributes, 3);
  if (withMore.droppedAttributesCount) {
    w.tag(4, VARINT);
    w.varint(withMore.droppedAttributesCount);
  }
  w.end(start);
}

/** An optional `schema_url` string field. */
export function writeSchemaUrl(w: ProtoWriter, schemaUrl: string | undefined, field: number): void {
  if (!schemaUrl) return;
  w.tag(field, LEN);
  w.string(schemaUrl);
}

function writeEvent(w: ProtoWriter, event: TimedEvent): void {
  w.tag(1, FIXED64);
  w.hrTime(event.time);
  w.tag(2, LEN);
  w.string(event.name);
  if (event.attributes) writeAttributes(w, event.attributes, 3);
  w.tag(4, VARINT);
  w.varint(event.droppedAttributesCount || 0);
}

function writeLink(w: ProtoWriter, link: Link): void {
  const ctx = link.context;
  w.tag(1, LEN);
  w.hexId(ctx.traceId);
  w.tag(2, LEN);
  w.hexId(ctx.spanId);
  const traceState = ctx.traceState?.serialize();
  if (traceState) {
    w.tag(3, LEN);
    w.string(traceState);
  }
  if (link.attributes) writeAttributes(w, link.attributes, 4);
  w.tag(5, VARINT);
  w.varint(link.droppedAttributesCount || 0);
  w.tag(6, FIXED32);
  w.fixed32(spanFlags(ctx, ctx.isRemote));
}

/* W3C trace flags in the low byte, and whether the parent (or link) is remote. */
function spanFlags(ctx: SpanContext, isRemote: boolean | undefined): number {
  return (ctx.traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);
}

function writeAttributes(w: ProtoWriter, attributes: Attributes, field: number): void {
  for (const key in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    w.tag(field, LEN);
    const start = w.begin();
    writeKeyValue(w, key, attributes[key]);
    w.end(start);
  }
}

function writeKeyValue(w: ProtoWriter, key: string, value: unknown): void {
  w.tag(1, LEN);
  w.string(key);
  w.tag(2, LEN);
  const start = w.begin();
  writeAnyValue(w, value);
  w.end(start);
}

/*
 * An `AnyValue`. Attribute values are typed `AttributeValue`, but maps and
 * bytes reach the exporter from log-style APIs too, so every kind the proto
 * has is written; anything else (null, undefined) is an empty AnyValue.
 */
function writeAnyValue(w: ProtoWriter, value: unknown): void {
  switch (typeof value) {
    case 'string':
      w.tag(1, LEN);
      w.string(value);
      return;
    case 'boolean':
      w.tag(2, VARINT);
      w.varint(value ? 1 : 0);
      return;
    case 'number':
      if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
        w.tag(3, VARINT);
        w.varint(value);
      } else {
        w.tag(4, FIXED64);
        w.double(value);
      }
      return;
    default:
      break;
  }
  if (value instanceof Uint8Array) {
    w.tag(7, LEN);
    w.bytes(value);
  } else if (Array.isArray(value)) {
    w.tag(5, LEN);
    const array = w.begin();
    for (const item of value as unknown[]) {
      w.tag(1, LEN);
      const start = w.begin();
      writeAnyValue(w, item);
      w.end(start);
    }
    w.end(array);
  } else if (typeof value === 'object' && value !== null) {
    w.tag(6, LEN);
    const list = w.begin();
    const map = value as Record<string, unknown>;
    for (const key in map) {
      if (!Object.prototype.hasOwnProperty.call(map, key)) continue;
      w.tag(1, LEN);
      const start = w.begin();
      writeKeyValue(w, key, map[key]);
      w.end(start);
    }
    w.end(list);
  }
}
