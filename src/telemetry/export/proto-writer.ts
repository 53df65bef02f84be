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
  private readonly scratch = new DataView(new ArrayBuffer(8));
  private readonly text = new TextEncoder();

  constructor(initialSize = 4096) {
    this.buf = new Uint8Array(initialSize);
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

  /** A field key: `(field << 3) | wireType`. */
  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /**
   * A varint as protobuf's int64/uint32 encoders write it: non-negative
   * values up to 2^32 - 1 in at most 5 bytes, larger ones as 64-bit, and
   * negative ones as 64-bit two's complement (10 bytes).
   */
  varint(value: number): void {
    this.ensure(10);
    const buf = this.buf;
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
   * from 16-bit halves of `seconds`, each product below 2^53.
   */
  hrTime(time: readonly [number, number]): void {
    const seconds = time[0];
    const nanos = time[1];
    const lowPart = (seconds % 0x10000) * 1e9 + nanos; // < 2^47
    const highPart = Math.floor(seconds / 0x10000) * 1e9; // times 2^16 below
    const low = (highPart % 0x10000) * 0x10000 + lowPart;
    const carry = Math.floor(low / 0x100000000);
    this.fixed32(low % 0x100000000);
    this.fixed32(Math.floor(highPart / 0x10000) + carry);
  }

  /** An IEEE 754 double, little-endian. */
  double(value: number): void {
    this.ensure(8);
    this.scratch.setFloat64(0, value, true);
    for (let i = 0; i < 8; i++) this.buf[this.pos++] = this.scratch.getUint8(i);
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
      this.bytes(this.text.encode(value));
      return;
    }
    this.varint(length);
    this.ensure(length);
    const buf = this.buf;
    let pos = this.pos;
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
    this.varint(length);
    this.ensure(length);
    const buf = this.buf;
    for (let i = 0; i < length; i++) {
      buf[this.pos++] = (nibble(hex.charCodeAt(2 * i)) << 4) | nibble(hex.charCodeAt(2 * i + 1));
    }
  }

  /** Starts a length-delimited body; pass the result to {@link end}. */
  begin(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Ends the body started at `start`, writing its length minimal. */
  end(start: number): void {
    const length = this.pos - start - 1;
    const size = varintSize(length);
    if (size > 1) {
      this.ensure(size - 1);
      this.buf.copyWithin(start + size, start + 1, this.pos);
      this.pos += size - 1;
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

/*
 * A hex digit's value. Upper case is accepted; anything else maps as the
 * stock OTLP serializer maps it, so both encoders agree even on bad ids.
 */
function nibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return code - 55;
}
