import type {
  Attributes,
  ReceivedScope,
  ReceivedSpan,
  ReceivedSpanEvent,
  ReceivedSpanLink,
} from './received-types';
import {
  addKeyValue,
  emptyAttributes,
  instrumentationScope,
  resourceAttributes,
} from './wire-attributes';
import { WIRE_FIXED64, WIRE_LENGTH, WIRE_VARINT, WireReader } from './wire-reader';

// Field numbers of opentelemetry/proto/trace/v1/trace.proto and
// collector/trace/v1/trace_service.proto, as the walk below reads them.
// Request: 1 resource_spans. ResourceSpans: 1 resource, 2 scope_spans.
// ScopeSpans: 1 scope, 2 spans. Span: 1 trace_id, 2 span_id, 3 trace_state,
// 4 parent_span_id, 5 name, 6 kind, 7 start, 8 end (fixed64), 9 attributes,
// 11 events, 13 links, 15 status. Event: 1 time, 2 name, 3 attributes.
// Link: 1 trace_id, 2 span_id, 4 attributes. Status: 2 message, 3 code.

function statusOf(r: WireReader): { code: 0 | 1 | 2; message?: string } {
  let code = 0;
  let message = '';
  while (r.more()) {
    const key = r.key();
    if (key >>> 3 === 2) {
      r.expect(key, WIRE_LENGTH);
      message = r.string();
    } else if (key >>> 3 === 3) {
      r.expect(key, WIRE_VARINT);
      code = r.varint32();
    } else r.skip(key & 7);
  }
  const known = code === 1 || code === 2 ? code : 0;
  return message ? { code: known, message } : { code: known };
}

function eventOf(r: WireReader): ReceivedSpanEvent {
  let name = '';
  let time = 0n;
  const attrs = emptyAttributes();
  while (r.more()) {
    const key = r.key();
    switch (key >>> 3) {
      case 1:
        r.expect(key, WIRE_FIXED64);
        time = r.fixed64();
        break;
      case 2:
        r.expect(key, WIRE_LENGTH);
        name = r.string();
        break;
      case 3:
        r.expect(key, WIRE_LENGTH);
        addKeyValue(r, attrs);
        break;
      default:
        r.skip(key & 7);
    }
  }
  return {
    name,
    attributes: attrs.attributes,
    attributeTypes: attrs.attributeTypes,
    timeUnixNano: time,
  };
}

function linkOf(r: WireReader): ReceivedSpanLink {
  let traceId = '';
  let spanId = '';
  const attrs = emptyAttributes();
  while (r.more()) {
    const key = r.key();
    switch (key >>> 3) {
      case 1:
        r.expect(key, WIRE_LENGTH);
        traceId = r.hex();
        break;
      case 2:
        r.expect(key, WIRE_LENGTH);
        spanId = r.hex();
        break;
      case 4:
        r.expect(key, WIRE_LENGTH);
        addKeyValue(r, attrs);
        break;
      default:
        r.skip(key & 7);
    }
  }
  return { traceId, spanId, attributes: attrs.attributes };
}

/** Decodes one `Span` message; `resource` and `scope` are shared by the spans of one scope. */
function spanOf(r: WireReader, resource: Attributes, scope: ReceivedScope): ReceivedSpan {
  let traceId = '';
  let spanId = '';
  let parent = '';
  let traceState = '';
  let name = '';
  let kind = 0;
  let start = 0n;
  let end = 0n;
  let status: ReceivedSpan['status'] = { code: 0 };
  const attrs = emptyAttributes();
  const events: ReceivedSpanEvent[] = [];
  const links: ReceivedSpanLink[] = [];
  while (r.more()) {
    const key = r.key();
    switch (key >>> 3) {
      case 1:
        r.expect(key, WIRE_LENGTH);
        traceId = r.hex();
        break;
      case 2:
        r.expect(key, WIRE_LENGTH);
        spanId = r.hex();
        break;
      case 3:
        r.expect(key, WIRE_LENGTH);
        traceState = r.string();
        break;
      case 4:
        r.expect(key, WIRE_LENGTH);
        parent = r.hex();
        break;
      case 5:
        r.expect(key, WIRE_LENGTH);
        name = r.string();
        break;
      case 6:
        r.expect(key, WIRE_VARINT);
        kind = r.varint32();
        break;
      case 7:
        r.expect(key, WIRE_FIXED64);
        start = r.fixed64();
        break;
      case 8:
        r.expect(key, WIRE_FIXED64);
        end = r.fixed64();
        break;
      case 9:
        r.expect(key, WIRE_LENGTH);
        addKeyValue(r, attrs);
        break;
      case 11:
        r.expect(key, WIRE_LENGTH);
        {
          const outer = r.enter();
          events.push(eventOf(r));
          r.leave(outer);
        }
        break;
      case 13:
        r.expect(key, WIRE_LENGTH);
        {
          const outer = r.enter();
          links.push(linkOf(r));
          r.leave(outer);
        }
        break;
      case 15:
        r.expect(key, WIRE_LENGTH);
        {
          const outer = r.enter();
          status = statusOf(r);
          r.leave(outer);
        }
        break;
      default:
        r.skip(key & 7);
    }
  }
  const out: ReceivedSpan = {
    traceId,
    spanId,
    name,
    kind,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    // Subtract as bigint first: converting two ~1.7e18 values to number loses the sub-µs part.
    durationMs: Number(end - start) / 1e6,
    attributes: attrs.attributes,
    attributeTypes: attrs.attributeTypes,
    status,
    events,
    links,
    resource,
    scope,
  };
  if (parent !== '') out.parentSpanId = parent;
  if (traceState !== '') out.traceState = traceState;
  return out;
}

/** The nested messages of one field number, collected before decoding so field order does not matter. */
function fieldsOf(r: WireReader, field: number): WireReader[] {
  const out: WireReader[] = [];
  while (r.more()) {
    const key = r.key();
    if (key >>> 3 === field) {
      r.expect(key, WIRE_LENGTH);
      out.push(r.sub());
    } else r.skip(key & 7);
  }
  return out;
}

/** Resource (field 1) and the scope containers (field 2) of a `ResourceSpans`/`ScopeSpans`. */
function headAndItems(r: WireReader): { head?: WireReader; items: WireReader[] } {
  let head: WireReader | undefined;
  const items: WireReader[] = [];
  while (r.more()) {
    const key = r.key();
    const field = key >>> 3;
    if (field === 1 || field === 2) {
      r.expect(key, WIRE_LENGTH);
      const sub = r.sub();
      if (field === 1) head = sub;
      else items.push(sub);
    } else r.skip(key & 7);
  }
  return head ? { head, items } : { items };
}

/**
 * Decodes the bytes of an `ExportTraceServiceRequest` straight into flat
 * spans, resource and scope attached to each, without an intermediate
 * protobufjs object: the receiver's hot path. The request structure is walked
 * in loops; only attribute values recurse, at most `MAX_VALUE_DEPTH` deep.
 *
 * @throws {@link WireFormatError} on malformed bytes.
 */
export function decodeTraceRequestBytes(raw: Buffer): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const rs of fieldsOf(new WireReader(raw), 1)) {
    const { head, items } = headAndItems(rs);
    const resource = head ? resourceAttributes(head) : {};
    for (const ss of items) {
      const scoped = headAndItems(ss);
      const scope = scoped.head ? instrumentationScope(scoped.head) : { name: '' };
      for (const span of scoped.items) spans.push(spanOf(span, resource, scope));
    }
  }
  return spans;
}
