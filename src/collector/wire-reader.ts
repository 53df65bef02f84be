/**
 * A minimal protobuf wire-format reader over one Buffer: just what the
 * receiver needs to walk OTLP requests without building protobufjs objects
 * first. Every read is bounds-checked and throws {@link WireFormatError} on
 * bad input; nothing here recurses.
 */

/** Protobuf wire types. */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4_294_967_296;

/** Strings up to this many bytes are decoded in JS when they are ASCII. */
const SHORT_STRING = 24;
/** Slots of the short-string cache (a power of two). */
const STRING_CACHE_SIZE = 4096;
const stringCache: (string | undefined)[] = new Array<string | undefined>(STRING_CACHE_SIZE);
/** Two-digit hex of every byte. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Malformed protobuf bytes: a truncated field, a bad wire type, a runaway varint. */
export class WireFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireFormatError';
  }
}

/**
 * A cursor over `buf[pos, end)`. `sub(length)` hands out a reader for a nested
 * message and advances this one past it, so walking a message tree needs no
 * recursion of the reader itself.
 */
export class WireReader {
  pos: number;
  end: number;

  constructor(
    readonly buf: Buffer,
    start: number = 0,
    end: number = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  /** True while fields remain. */
  more(): boolean {
    return this.pos < this.end;
  }

  /** Reads a field key: `(field number << 3) | wire type`. */
  key(): number {
    return this.varint32();
  }

  /** A varint that must fit in 32 bits unsigned (keys, lengths, enums, counts). */
  varint32(): number {
    // Most varints (keys, lengths of small fields, enums) are one byte.
    if (this.pos < this.end && this.buf[this.pos]! < 0x80) return this.buf[this.pos++]!;
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireFormatError('truncated varint');
      const byte = this.buf[this.pos++]!;
      if (shift < 32) result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result > 0xffffffff ? result % TWO_32 : result;
      shift += 7;
    }
    throw new WireFormatError('varint longer than 10 bytes');
  }

  /**
   * A varint as a signed 64-bit integer (protobuf `int64`): a `number` when it
   * is exact, else a `bigint`.
   */
  int64(): number | bigint {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireFormatError('truncated varint');
      const byte = this.buf[this.pos++]!;
      const bits = byte & 0x7f;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (shift - 32);
      if (byte < 0x80) return joinInt64(lo >>> 0, hi >>> 0);
      shift += 7;
    }
    throw new WireFormatError('varint longer than 10 bytes');
  }

  /** A little-endian `fixed64` as an unsigned bigint (nanosecond time stamps). */
  fixed64(): bigint {
    this.need(8);
    const value = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return value;
  }

  /** A little-endian IEEE 754 `double`. */
  double(): number {
    this.need(8);
    const value = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return value;
  }

  /** The length prefix of a length-delimited field, checked against what remains. */
  length(): number {
    const length = this.varint32();
    if (length > this.end - this.pos) throw new WireFormatError('length past the end of message');
    return length;
  }

  /** A nested message as its own reader; this reader moves past it. */
  sub(): WireReader {
    const length = this.length();
    const start = this.pos;
    this.pos += length;
    return new WireReader(this.buf, start, start + length);
  }

  /**
   * Narrows this reader to the nested message at the current field without
   * allocating a reader for it; returns the outer end to give {@link leave}.
   */
  enter(): number {
    const length = this.length();
    const outer = this.end;
    this.end = this.pos + length;
    return outer;
  }

  /** Moves past the nested message entered with {@link enter} and widens back to `outer`. */
  leave(outer: number): void {
    this.pos = this.end;
    this.end = outer;
  }

  /** A UTF-8 string field (a copy: it does not keep the request buffer alive). */
  string(): string {
    const length = this.length();
    const start = this.pos;
    this.pos += length;
    if (length === 0) return '';
    // Short ASCII strings (span names, attribute keys, task names) repeat from span
    // to span: a small cache keyed by their hash hands back the same string, so
    // the hot path neither calls into C++ nor allocates for them.
    if (length <= SHORT_STRING) {
      const buf = this.buf;
      const end = start + length;
      let hash = length;
      for (let i = start; i < end; i++) {
        const byte = buf[i]!;
        if (byte >= 0x80) return buf.toString('utf8', start, end);
        hash = (Math.imul(hash, 31) + byte) | 0;
      }
      const slot = hash & (STRING_CACHE_SIZE - 1);
      const cached = stringCache[slot];
      if (cached !== undefined && cached.length === length) {
        let same = true;
        for (let i = 0; i < length; i++) {
          if (cached.charCodeAt(i) !== buf[start + i]) {
            same = false;
            break;
          }
        }
        if (same) return cached;
      }
      const fresh = buf.toString('latin1', start, end);
      stringCache[slot] = fresh;
      return fresh;
    }
    return this.buf.toString('utf8', start, start + length);
  }

  /** A bytes field as lowercase hex (trace and span IDs); `''` when empty. */
  hex(): string {
    const length = this.length();
    const start = this.pos;
    this.pos += length;
    if (length > 32) return this.buf.toString('hex', start, start + length);
    let out = '';
    for (let i = start; i < start + length; i++) out += HEX[this.buf[i]!]!;
    return out;
  }

  /** A bytes field as a copied `Uint8Array`. */
  bytes(): Uint8Array {
    const length = this.length();
    const start = this.pos;
    this.pos += length;
    return Uint8Array.prototype.slice.call(this.buf, start, start + length);
  }

  /** Skips a field of the given wire type (groups are not used by OTLP and are rejected). */
  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint32();
        return;
      case WIRE_FIXED64:
        this.need(8);
        this.pos += 8;
        return;
      case WIRE_LENGTH: {
        // Read the length first: `this.pos += this.length()` would add to the old position.
        const length = this.length();
        this.pos += length;
        return;
      }
      case WIRE_FIXED32:
        this.need(4);
        this.pos += 4;
        return;
      default:
        throw new WireFormatError(`unsupported wire type ${wireType}`);
    }
  }

  /** Throws unless a field of `field` has the wire type `expected`. */
  expect(key: number, expected: number): void {
    if ((key & 7) !== expected) {
      throw new WireFormatError(
        `field ${key >>> 3} has wire type ${key & 7}, expected ${expected}`,
      );
    }
  }

  private need(bytes: number): void {
    if (this.end - this.pos < bytes) throw new WireFormatError('truncated fixed-width field');
  }
}

/** Two unsigned 32-bit halves as a signed 64-bit value: `number` when exact, else `bigint`. */
function joinInt64(lo: number, hi: number): number | bigint {
  if (hi < 0x200000) return hi * TWO_32 + lo; // 0 .. 2^53-1
  if (hi >= 0xffe00000 && !(hi === 0xffe00000 && lo === 0)) {
    return (hi - TWO_32) * TWO_32 + lo; // -(2^53-1) .. -1
  }
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}
