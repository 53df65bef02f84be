import { MAX_VALUE_DEPTH } from './wire-attributes';
import { WIRE_FIXED64, WIRE_LENGTH, WIRE_VARINT, WireFormatError, WireReader } from './wire-reader';

/** Per field number (index): the wire type the decoder insists on, and the nested message's schema. */
interface Schema {
  readonly name: string;
  readonly wire: number[];
  readonly nested: (Schema | undefined)[];
}

function schema(name: string): Schema {
  return { name, wire: [], nested: [] };
}

// The messages the receiver decodes, with the wire type it insists on for each
// field it reads (wire-trace-decode.ts, wire-attributes.ts). Any other field is
// skipped, as there. Built first, wired below: AnyValue nests in itself.
const ANY_VALUE = schema('AnyValue');
const ARRAY_VALUE = schema('ArrayValue');
const KEY_VALUE = schema('KeyValue');
const KEY_VALUE_LIST = schema('KeyValueList');
const RESOURCE = schema('Resource');
const SCOPE = schema('InstrumentationScope');
const EVENT = schema('Span.Event');
const LINK = schema('Span.Link');
const STATUS = schema('Status');
const SPAN = schema('Span');
const SCOPE_SPANS = schema('ScopeSpans');
const RESOURCE_SPANS = schema('ResourceSpans');
const REQUEST = schema('ExportTraceServiceRequest');

function define(target: Schema, fields: [number, number, Schema?][]): void {
  for (const [field, wire, nested] of fields) {
    target.wire[field] = wire;
    target.nested[field] = nested;
  }
}

define(ANY_VALUE, [
  [1, WIRE_LENGTH],
  [2, WIRE_VARINT],
  [3, WIRE_VARINT],
  [4, WIRE_FIXED64],
  [5, WIRE_LENGTH, ARRAY_VALUE],
  [6, WIRE_LENGTH, KEY_VALUE_LIST],
  [7, WIRE_LENGTH],
]);
define(ARRAY_VALUE, [[1, WIRE_LENGTH, ANY_VALUE]]);
define(KEY_VALUE, [
  [1, WIRE_LENGTH],
  [2, WIRE_LENGTH, ANY_VALUE],
]);
define(KEY_VALUE_LIST, [[1, WIRE_LENGTH, KEY_VALUE]]);
define(RESOURCE, [[1, WIRE_LENGTH, KEY_VALUE]]);
define(SCOPE, [
  [1, WIRE_LENGTH],
  [2, WIRE_LENGTH],
]);
define(EVENT, [
  [1, WIRE_FIXED64],
  [2, WIRE_LENGTH],
  [3, WIRE_LENGTH, KEY_VALUE],
]);
define(LINK, [
  [1, WIRE_LENGTH],
  [2, WIRE_LENGTH],
  [4, WIRE_LENGTH, KEY_VALUE],
]);
define(STATUS, [
  [2, WIRE_LENGTH],
  [3, WIRE_VARINT],
]);
define(SPAN, [
  [1, WIRE_LENGTH],
  [2, WIRE_LENGTH],
  [3, WIRE_LENGTH],
  [4, WIRE_LENGTH],
  [5, WIRE_LENGTH],
  [6, WIRE_VARINT],
  [7, WIRE_FIXED64],
  [8, WIRE_FIXED64],
  [9, WIRE_LENGTH, KEY_VALUE],
  [11, WIRE_LENGTH, EVENT],
  [13, WIRE_LENGTH, LINK],
  [15, WIRE_LENGTH, STATUS],
]);
define(SCOPE_SPANS, [
  [1, WIRE_LENGTH, SCOPE],
  [2, WIRE_LENGTH, SPAN],
]);
define(RESOURCE_SPANS, [
  [1, WIRE_LENGTH, RESOURCE],
  [2, WIRE_LENGTH, SCOPE_SPANS],
]);
define(REQUEST, [[1, WIRE_LENGTH, RESOURCE_SPANS]]);

/**
 * Checks the bytes of an `ExportTraceServiceRequest` by the rules the decoder
 * applies (framing, the wire type of every field it reads, attribute values at
 * most `MAX_VALUE_DEPTH` deep) and counts its spans, without building anything:
 * the receiver's cheap path when nobody reads the spans as they arrive. A
 * request that passes always decodes later. A loop with an explicit stack: no
 * recursion whatever the nesting.
 *
 * @throws {@link WireFormatError} where the decoder would.
 */
export function scanTraceRequest(raw: Buffer): number {
  const r = new WireReader(raw);
  // The open messages: their schemas and end offsets (two stacks, no object per level).
  const schemas: Schema[] = [REQUEST];
  const ends: number[] = [raw.length];
  let spans = 0;
  let valueDepth = 0;
  while (schemas.length > 0) {
    const top = schemas.length - 1;
    const end = ends[top]!;
    const current = schemas[top]!;
    if (r.pos >= end) {
      if (r.pos > end) throw new WireFormatError('length past the end of message');
      schemas.pop();
      ends.pop();
      if (current === ANY_VALUE) valueDepth--;
      continue;
    }
    r.end = end;
    const key = r.key();
    const field = key >>> 3;
    const wire = current.wire[field];
    if (wire === undefined) {
      r.skip(key & 7);
      continue;
    }
    r.expect(key, wire);
    const nested = current.nested[field];
    if (nested === undefined) {
      r.skip(wire);
      continue;
    }
    const length = r.length();
    if (nested === ANY_VALUE && ++valueDepth > MAX_VALUE_DEPTH) {
      throw new WireFormatError(`an attribute value nests deeper than ${MAX_VALUE_DEPTH} levels`);
    }
    if (nested === SPAN) spans++;
    schemas.push(nested);
    ends.push(r.pos + length);
  }
  return spans;
}
