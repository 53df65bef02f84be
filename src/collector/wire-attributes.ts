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

// The value and type of the last decoded `AnyValue`: module slots instead of a
// returned tuple, so the hot path allocates nothing per attribute beyond the value.
let lastValue: AttributeValue = null;
let lastType: AttributeType = 'empty';

/** Decodes one `AnyValue` message into `lastValue`/`lastType` (the oneof's last set member wins). */
function anyValue(r: WireReader, depth: number): void {
  if (depth > MAX_VALUE_DEPTH) {
    throw new WireFormatError(`an attribute value nests deeper than ${MAX_VALUE_DEPTH} levels`);
  }
  let value: AttributeValue = null;
  let type: AttributeType = 'empty';
  while (r.more()) {
    const key = r.key();
    switch (key >>> 3) {
      case 1:
        r.expect(key, WIRE_LENGTH);
        value = r.string();
        type = 'string';
        break;
      case 2:
        r.expect(key, WIRE_VARINT);
        value = r.varint32() !== 0;
        type = 'bool';
        break;
      case 3:
        r.expect(key, WIRE_VARINT);
        value = r.int64();
        type = 'int';
        break;
      case 4:
        r.expect(key, WIRE_FIXED64);
        value = r.double();
        type = 'double';
        break;
      case 5: {
        r.expect(key, WIRE_LENGTH);
        const outer = r.enter();
        const values: AttributeValue[] = [];
        while (r.more()) {
          const k = r.key();
          if (k >>> 3 === 1) {
            r.expect(k, WIRE_LENGTH);
            const list = r.enter();
            anyValue(r, depth + 1);
            r.leave(list);
            values.push(lastValue);
          } else r.skip(k & 7);
        }
        r.leave(outer);
        value = values;
        type = 'array';
        break;
      }
      case 6: {
        r.expect(key, WIRE_LENGTH);
        const outer = r.enter();
        value = keyValues(r, depth + 1).attributes;
        r.leave(outer);
        type = 'kvlist';
        break;
      }
      case 7:
        r.expect(key, WIRE_LENGTH);
        value = r.bytes();
        type = 'bytes';
        break;
      default:
        r.skip(key & 7);
    }
  }
  lastValue = value;
  lastType = type;
}

/** Decodes one `KeyValue` message into `target`. */
function keyValue(r: WireReader, depth: number, target: WireAttributes): void {
  let name = '';
  let value: AttributeValue = null;
  let type: AttributeType = 'empty';
  while (r.more()) {
    const key = r.key();
    if (key >>> 3 === 1) {
      r.expect(key, WIRE_LENGTH);
      name = r.string();
    } else if (key >>> 3 === 2) {
      r.expect(key, WIRE_LENGTH);
      const outer = r.enter();
      anyValue(r, depth);
      r.leave(outer);
      value = lastValue;
      type = lastType;
    } else r.skip(key & 7);
  }
  if (name === '__proto__') {
    setOwn(target.attributes, name, value);
    setOwn(target.attributeTypes, name, type);
  } else {
    target.attributes[name] = value;
    target.attributeTypes[name] = type;
  }
}

/** Decodes a message whose field 1 is `repeated KeyValue` (a `KeyValueList`). */
function keyValues(r: WireReader, depth: number): WireAttributes {
  const out: WireAttributes = { attributes: {}, attributeTypes: {} };
  while (r.more()) {
    const key = r.key();
    if (key >>> 3 === 1) {
      r.expect(key, WIRE_LENGTH);
      const outer = r.enter();
      keyValue(r, depth, out);
      r.leave(outer);
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
  const outer = r.enter();
  keyValue(r, 1, target);
  r.leave(outer);
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
