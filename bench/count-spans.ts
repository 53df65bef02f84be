/**
 * Spans in an encoded `ExportTraceServiceRequest`, counted by walking the
 * length-delimited fields down to `ScopeSpans.spans` without decoding a span:
 * what a fast collector's receive path costs at least.
 */
export function countSpans(request: Uint8Array): number {
  let spans = 0;
  forEachField(request, 1, (resourceSpans) => {
    forEachField(resourceSpans, 2, (scopeSpans) => {
      forEachField(scopeSpans, 2, () => {
        spans++;
      });
    });
  });
  return spans;
}

/* Calls `fn` with the body of every length-delimited field `field` of `message`. */
function forEachField(message: Uint8Array, field: number, fn: (body: Uint8Array) => void): void {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      const byte = message[pos++];
      if (byte === undefined) throw new RangeError('truncated varint');
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
  };
  while (pos < message.length) {
    const key = varint();
    const wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const length = varint();
      if (key >>> 3 === field) fn(message.subarray(pos, pos + length));
      pos += length;
    } else throw new RangeError(`unsupported wire type ${wire}`);
  }
}
