import type {
  AttributeType,
  AttributeValue,
  Attributes,
  AttributeTypes,
  ReceivedScope,
} from './received-types';
import type { WireReader } from './wire-reader';
import { WIRE_FIXED64, WIRE_LENGTH, WIRE_VARINT, WireFormatError } from './wire-reader';

/**
 * How deep `AnyValue`s may nest (arrays and kvlists inside each other). OTel
 * SDKs send flat attributes; a request nesting deeper is refused, so decoding
 * recurses at most this far whatever the input.
 */
export const MAX_VALUE_DEPTH = 32;

/** Decoded attributes together with the wire type of each one. */
export interface WireAttributes {
  readonly attributes: Attributes;
  readonly attributeTypes: AttributeTypes;
}

/**
 * `record[key] = value` as an own property even for the key `__proto__`, which
 * a plain assignment would turn into a prototype swap.
 */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(record, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    record[key] = value;
  }
}

/** Decodes one `AnyValue` message (the oneof's last set member wins, as protobuf says). */
function anyValue(r: WireReader, depth: number): [AttributeValue, AttributeType] {
  if (depth > MAX_VALUE_DEPTH) {
    throw new WireFormatError(`an attribute value nests deeper than ${MAX_VALUE_DEPTH} levels`);
  }
  let out: [AttributeValue, AttributeType] = [null, 'empty'];
  while (r.more()) {
    const key = r.key();
    switch (key >>> 3) {
      case 1:
        r.expect(key, WIRE_LENGTH);
        out = [r.string(), 'string'];
        break;
      case 2:
        r.expect(key, WIRE_VARINT);
        out = [r.varint32() !== 0, 'bool'];
        break;
      case 3:
        r.expect(key, WIRE_VARINT);
        out = [r.int64(), 'int'];
        break;
      case 4:
        r.expect(key, WIRE_FIXED64);
        out = [r.double(), 'double'];
        break;
      case 5: {
        r.expect(key, WIRE_LENGTH);
        const list = r.sub();
        const values: AttributeValue[] = [];
        while (list.more()) {
          const k = list.key();
          if (k >>> 3 === 1) {
            list.expect(k, WIRE_LENGTH);
            values.push(anyValue(list.sub(), depth + 1)[0]);
          } else list.skip(k & 7);
        }
        out = [values, 'array'];
        break;
      }
      case 6:
        r.expect(key, WIRE_LENGTH);
        out = [keyValues(r.sub(), depth + 1).attributes, 'kvlist'];
        break;
      case 7:
        r.expect(key, WIRE_LENGTH);
        out = [r.bytes(), 'bytes'];
        break;
      default:
        r.skip(key & 7);
    }
  }
  return out;
}

/** Decodes one `KeyValue` message into `target`. */
function keyValue(r: WireReader, depth: number, target: WireAttributes): void {
  let name = '';
  let value: [AttributeValue, AttributeType] = [null, 'empty'];
  while (r.more()) {
    const key = r.key();
    if (key >>> 3 === 1) {
      r.expect(key, WIRE_LENGTH);
      name = r.string();
    } else if (key >>> 3 === 2) {
      r.expect(key, WIRE_LENGTH);
      value = anyValue(r.sub(), depth);
    } else r.skip(key & 7);
  }
  setOwn(target.attributes, name, value[0]);
  setOwn(target.attributeTypes, name, value[1]);
}

/** Decodes a message whose field 1 is `repeated KeyValue` (a `KeyValueList`). */
function keyValues(r: WireReader, depth: number): WireAttributes {
  const out: WireAttributes = { attributes: {}, attributeTypes: {} };
  while (r.more()) {
    const key = r.key();
    if (key >>> 3 === 1) {
      r.expect(key, WIRE_LENGTH);
      keyValue(r.sub(), depth, out);
    } else r.skip(key & 7);
  }
  return out;
}

/** Starts an empty attribute set that {@link addKeyValue} fills field by field. */
export function emptyAttributes(): WireAttributes {
  return { attributes: {}, attributeTypes: {} };
}

/** Adds the `KeyValue` message under the reader's current length-delimited field. */
export function addKeyValue(r: WireReader, target: WireAttributes): void {
  keyValue(r.sub(), 1, target);
}

/** Decodes a `Resource` message's attributes (field 1). */
export function resourceAttributes(r: WireReader): Attributes {
  return keyValues(r, 1).attributes;
}

/** Decodes an `InstrumentationScope` message (name, version). */
export function instrumentationScope(r: WireReader): ReceivedScope {
  let name = '';
  let version = '';
  while (r.more()) {
    const key = r.key();
    if (key >>> 3 === 1) {
      r.expect(key, WIRE_LENGTH);
      name = r.string();
    } else if (key >>> 3 === 2) {
      r.expect(key, WIRE_LENGTH);
      version = r.string();
    } else r.skip(key & 7);
  }
  return version ? { name, version } : { name };
}
