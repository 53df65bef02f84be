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

  constructor(
    readonly buf: Buffer,
    start: number = 0,
    readonly end: number = buf.length,
  ) {
    this.pos = start;
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

  /** A UTF-8 string field (a copy: it does not keep the request buffer alive). */
  string(): string {
    const length = this.length();
    const start = this.pos;
    this.pos += length;
    return length === 0 ? '' : this.buf.toString('utf8', start, start + length);
  }

  /** A bytes field as lowercase hex (trace and span IDs); `''` when empty. */
  hex(): string {
    const length = this.length();
    const start = this.pos;
    this.pos += length;
    return length === 0 ? '' : this.buf.toString('hex', start, start + length);
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
      case WIRE_LENGTH:
        this.pos += this.length();
        return;
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
