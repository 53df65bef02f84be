import { expect } from 'chai';
import { WireFormatError } from '../../src/collector/wire-reader';
import { decodeTraceRequestBytes } from '../../src/collector/wire-trace-decode';
import { scanTraceRequest } from '../../src/collector/wire-trace-scan';
import {
  fixed64,
  id,
  ld,
  nestedKeyValue,
  spanBytes,
  stringKeyValue,
  traceRequest,
  vint,
} from './crafted-otlp';

/** Whether decoding throws, and with which message. */
function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (error) {
    expect(error).to.be.instanceOf(WireFormatError);
    return (error as Error).message;
  }
}

/** A small deterministic PRNG, so a failure reproduces. */
function prng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    return x / 0x7fffffff;
  };
}

describe('collector/wire-trace-scan scanTraceRequest', () => {
  const span = {
    traceId: id(16, 1),
    spanId: id(8, 2),
    parentSpanId: id(8, 1),
    name: 'task.handle',
    startNs: 10n,
    endNs: 20n,
    attributes: [stringKeyValue('task', 'echo'), nestedKeyValue('nested', 4)],
  };
  // An event, a link, a status, and fields the decoder does not read (schema_url,
  // flags, dropped counts) of every wire type, which both must skip alike.
  const rich = Buffer.concat([
    spanBytes(span),
    ld(11, Buffer.concat([fixed64(1, 15n), ld(2, 'note'), ld(3, stringKeyValue('k', 'v'))])),
    ld(13, Buffer.concat([ld(1, id(16, 9)), ld(2, id(8, 9)), ld(4, stringKeyValue('l', 'w'))])),
    ld(15, Buffer.concat([ld(2, 'failed'), vint(3, 2)])),
    vint(10, 3), // dropped_attributes_count
    Buffer.from([0x85, 0x01, 1, 0, 0, 0]), // flags (16), fixed32
    ld(99, 'an unknown length-delimited field'),
  ]);
  const request = Buffer.concat([
    traceRequest([rich, span, { ...span, spanId: id(8, 3) }]),
    ld(1, Buffer.concat([ld(3, 'https://schema.example/1.0'), ld(2, ld(2, spanBytes(span)))])),
  ]);

  it('counts the spans of a request, skipping fields it does not read the way the decoder does', () => {
    expect(scanTraceRequest(request)).to.equal(4);
    const spans = decodeTraceRequestBytes(request);
    expect(spans).to.have.length(4);
    expect(spans[0]).to.deep.include({
      name: 'task.handle',
      parentSpanId: id(8, 1).toString('hex'),
    });
    expect(spans[0]!.events[0]).to.deep.include({ name: 'note', timeUnixNano: 15n });
    expect(spans[0]!.status).to.deep.equal({ code: 2, message: 'failed' });
    expect(spans[0]!.links[0]!.attributes).to.deep.equal({ l: 'w' });
  });

  it('accepts exactly the requests the decoder accepts (2,000 random corruptions of one request)', () => {
    const random = prng(42);
    let rejected = 0;
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(request);
      const edits = 1 + Math.floor(random() * 3);
      for (let e = 0; e < edits; e++) {
        bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      }
      const cut = random() < 0.2 ? Math.floor(random() * bytes.length) : bytes.length;
      const sample = bytes.subarray(0, cut);
      const scanned = outcome(() => scanTraceRequest(sample));
      const decoded = outcome(() => decodeTraceRequestBytes(sample));
      expect(scanned === 'ok', `sample ${i}: scan ${scanned}, decode ${decoded}`).to.equal(
        decoded === 'ok',
      );
      if (scanned !== 'ok') rejected++;
    }
    // The corpus must exercise both sides.
    expect(rejected).to.be.within(100, 1900);
  });

  it('refuses 3,000-deep values like the decoder, without recursion', () => {
    const deep = traceRequest([{ ...span, attributes: [nestedKeyValue('v', 3000)] }]);
    expect(() => scanTraceRequest(deep)).to.throw(WireFormatError, /deeper than 32 levels/);
  });
});
