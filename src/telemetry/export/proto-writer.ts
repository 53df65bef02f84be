/**
 * A growable protobuf byte writer: the wire primitives the OTLP span encoder
 * needs, written straight into one buffer. Lengths of nested messages are
 * written minimal (as every protobuf encoder does): `begin()` reserves one
 * byte, `end()` moves the body right when the length needs more.
 */
export class ProtoWriter {
  /** The bytes written so far are `buf[0 .. pos)`. */
  buf: Uint8Array;
  /** Where the next byte goes. */
  pos = 0;

  /** @param initial - the first buffer's size, or the buffer to write into (it grows into a new one if too small). */
  constructor(initial: number | Uint8Array = 4096) {
    this.buf = typeof initial === 'number' ? new Uint8Array(initial) : initial;
  }

  /** Forgets what was written; keeps the buffer. */
  reset(): void {
    this.pos = 0;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const needed = this.pos + n;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }

  /** A field key: `(field << 3) | wireType` (one byte up to field 15, two above). */
  tag(field: number, wireType: number): void {
    const key = (field << 3) | wireType;
    if (this.pos + 2 > this.buf.length) this.ensure(2);
    if (key < 0x80) {
      this.buf[this.pos++] = key;
    } else {
      this.buf[this.pos++] = (key & 0x7f) | 0x80;
      this.buf[this.pos++] = key >>> 7;
    }
  }

  /**
   * A varint as protobuf's int64/uint32 encoders write it: non-negative
   * values up to 2^32 - 1 in at most 5 bytes, larger ones as 64-bit, and
   * negative ones as 64-bit two's complement (10 bytes).
   */
  varint(value: number): void {
    if (this.pos + 10 > this.buf.length) this.ensure(10);
    const buf = this.buf;
    if (value >= 0 && value < 0x80) {
      buf[this.pos++] = value;
      return;
    }
    if (value >= 0 && value <= 0xffffffff) {
      let v = value >>> 0;
      while (v > 0x7f) {
        buf[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buf[this.pos++] = v;
      return;
    }
    const magnitude = Math.abs(value);
    let low = magnitude >>> 0;
    let high = Math.floor(magnitude / 0x100000000) >>> 0;
    if (value < 0) {
      low = ~low >>> 0;
      high = ~high >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 0x7f) {
      buf[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buf[this.pos++] = low;
  }

  /** 4 bytes little-endian. */
  fixed32(value: number): void {
    this.ensure(4);
    const v = value >>> 0;
    const buf = this.buf;
    buf[this.pos++] = v & 0xff;
    buf[this.pos++] = (v >>> 8) & 0xff;
    buf[this.pos++] = (v >>> 16) & 0xff;
    buf[this.pos++] = v >>> 24;
  }

  /**
   * An OTel `HrTime` ([seconds, nanoseconds]) as fixed64 nanoseconds. The
   * product `seconds * 1e9` does not fit a double exactly, so it is built
   * from 16-bit halves of `seconds`, each product below 2^53. Only division,
   * floor and multiplication: `%` on non-small integers calls fmod in V8.
   */
  hrTime(time: readonly [number, number]): void {
    const seconds = time[0];
    const secondsHigh = Math.floor(seconds / 0x10000);
    const lowPart = (seconds - secondsHigh * 0x10000) * 1e9 + time[1]; // < 2^47
    const highPart = secondsHigh * 1e9; // in units of 2^16 ns
    const highHigh = Math.floor(highPart / 0x10000);
    const low = (highPart - highHigh * 0x10000) * 0x10000 + lowPart;
    const carry = Math.floor(low / 0x100000000);
    const lo = (low - carry * 0x100000000) >>> 0;
    const hi = (highHigh + carry) >>> 0;
    if (this.pos + 8 > this.buf.length) this.ensure(8);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = lo & 0xff;
    buf[pos++] = (lo >>> 8) & 0xff;
    buf[pos++] = (lo >>> 16) & 0xff;
    buf[pos++] = lo >>> 24;
    buf[pos++] = hi & 0xff;
    buf[pos++] = (hi >>> 8) & 0xff;
    buf[pos++] = (hi >>> 16) & 0xff;
    buf[pos++] = hi >>> 24;
    this.pos = pos;
  }

  /** An IEEE 754 double, little-endian. */
  double(value: number): void {
    this.ensure(8);
    SCRATCH.setFloat64(0, value, true);
    for (let i = 0; i < 8; i++) this.buf[this.pos++] = SCRATCH.getUint8(i);
  }

  /** A length-prefixed UTF-8 string (ASCII copied byte by byte, the common case). */
  string(value: string): void {
    const length = value.length;
    let ascii = true;
    for (let i = 0; i < length; i++) {
      if (value.charCodeAt(i) > 127) {
        ascii = false;
        break;
      }
    }
    if (!ascii) {
      this.bytes(UTF8.encode(value));
      return;
    }
    if (this.pos + length + 5 > this.buf.length) this.ensure(length + 5);
    const buf = this.buf;
    let pos = this.pos;
    if (length < 0x80) {
      buf[pos++] = length;
    } else {
      this.varint(length);
      pos = this.pos;
    }
    for (let i = 0; i < length; i++) buf[pos++] = value.charCodeAt(i);
    this.pos = pos;
  }

  /** Length-prefixed bytes. */
  bytes(value: Uint8Array): void {
    this.varint(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** A hex trace or span id as length-prefixed bytes, decoded without an allocation. */
  hexId(hex: string): void {
    const length = hex.length >>> 1;
    if (this.pos + length + 5 > this.buf.length) this.ensure(length + 5);
    this.varint(length);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < 2 * length; i += 2) {
      buf[pos++] = (HEX[hex.charCodeAt(i) & 0x7f]! << 4) | HEX[hex.charCodeAt(i + 1) & 0x7f]!;
    }
    this.pos = pos;
  }

  /**
   * Starts a length-delimited body; pass the result to {@link end}.
   * `reserve` bytes are kept for the length (2 suits a span, 1 an attribute).
   */
  begin(reserve = 1): number {
    this.ensure(reserve);
    const start = this.pos;
    this.pos += reserve;
    return start * 8 + reserve;
  }

  /** Ends the body started where `mark` (from {@link begin}) says, writing its length minimal. */
  end(mark: number): void {
    const reserve = mark & 7;
    const start = (mark - reserve) / 8;
    const length = this.pos - start - reserve;
    const size = varintSize(length);
    if (size !== reserve) {
      if (size > reserve) this.ensure(size - reserve);
      this.buf.copyWithin(start + size, start + reserve, this.pos);
      this.pos += size - reserve;
    }
    let v = length;
    let at = start;
    while (v > 0x7f) {
      this.buf[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[at] = v;
  }

  /** A copy of the bytes written, in an ArrayBuffer of their own. */
  copy(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Bytes a non-negative varint below 2^32 takes. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

const SCRATCH = new DataView(new ArrayBuffer(8));
const UTF8 = new TextEncoder();

/*
 * Hex digit values by character code: 0-9, a-f and A-F. Valid ids (all
 * the SDK makes) encode as the stock serializer encodes them.
 */
const HEX = new Uint8Array(128);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[97 + c] = 10 + c;
  HEX[65 + c] = 10 + c;
}
