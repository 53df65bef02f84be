/** The `type_url` of a `google.rpc.RetryInfo` packed in a `google.protobuf.Any`. */
export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/** Longest server-requested delay we honour; a bigger one is clamped (the export budget cuts it anyway). */
const MAX_SERVER_DELAY_MS = 24 * 60 * 60 * 1000;

/**
 * The retry delay a gRPC server asked for, in ms: the `google.rpc.RetryInfo`
 * detail of the `google.rpc.Status` sent in the `grpc-status-details-bin`
 * trailer. `undefined` when there is none or the bytes do not parse.
 *
 * Decoded by hand (four tiny messages, varints and length-delimited fields)
 * so the exporter needs no protobuf runtime of its own.
 *
 * @example
 * ```ts
 * retryDelayFromStatusDetails(error.metadata.get('grpc-status-details-bin')[0]); // 1500
 * ```
 */
export function retryDelayFromStatusDetails(details: Uint8Array | undefined): number | undefined {
  if (details === undefined || details.length === 0) return undefined;
  try {
    // google.rpc.Status { int32 code = 1; string message = 2; repeated Any details = 3; }
    for (const field of fields(details)) {
      if (field.number !== 3 || field.bytes === undefined) continue;
      // google.protobuf.Any { string type_url = 1; bytes value = 2; }
      let typeUrl: string | undefined;
      let value: Uint8Array | undefined;
      for (const f of fields(field.bytes)) {
        if (f.number === 1 && f.bytes !== undefined)
          typeUrl = Buffer.from(f.bytes).toString('utf8');
        if (f.number === 2 && f.bytes !== undefined) value = f.bytes;
      }
      if (typeUrl !== RETRY_INFO_TYPE_URL || value === undefined) continue;
      return retryInfoDelayMs(value);
    }
  } catch {
    // Malformed details: behave as if the server had sent none.
  }
  return undefined;
}

/** google.rpc.RetryInfo { google.protobuf.Duration retry_delay = 1; } */
function retryInfoDelayMs(retryInfo: Uint8Array): number | undefined {
  for (const f of fields(retryInfo)) {
    if (f.number !== 1 || f.bytes === undefined) continue;
    // google.protobuf.Duration { int64 seconds = 1; int32 nanos = 2; }
    let seconds = 0;
    let nanos = 0;
    for (const d of fields(f.bytes)) {
      if (d.number === 1 && d.varint !== undefined) seconds = d.varint;
      if (d.number === 2 && d.varint !== undefined) nanos = d.varint;
    }
    const ms = seconds * 1000 + nanos / 1e6;
    if (!Number.isFinite(ms) || ms < 0) return undefined;
    return Math.min(ms, MAX_SERVER_DELAY_MS);
  }
  return undefined;
}

interface Field {
  readonly number: number;
  readonly varint?: number;
  readonly bytes?: Uint8Array;
}

/** The fields of one protobuf message; throws on truncated or unknown wire types. */
function* fields(buf: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = buf[pos++];
      if (byte === undefined) throw new RangeError('truncated varint');
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new RangeError('varint too long');
  };
  while (pos < buf.length) {
    const key = varint();
    const number = Math.floor(key / 8);
    switch (key % 8) {
      case 0:
        yield { number, varint: varint() };
        break;
      case 1:
        pos += 8;
        break;
      case 2: {
        const length = varint();
        if (pos + length > buf.length) throw new RangeError('truncated field');
        yield { number, bytes: buf.subarray(pos, pos + length) };
        pos += length;
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        throw new RangeError(`unsupported wire type ${key % 8}`);
    }
  }
}
