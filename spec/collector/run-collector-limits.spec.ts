import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { runCollector } from '../../src/collector/run-collector';
import type { RunningCollector } from '../../src/collector/run-collector';
import { MAX_INDENT_DEPTH } from '../../src/collector/trace-tree';
import type { CraftedSpan } from './crafted-otlp';
import { TRACE_EXPORT, id, sendRaw, traceRequest } from './crafted-otlp';
import { capture, until } from './output-capture';

/** `count` spans of trace `trace`, span ids from `from`; each the parent of the next when `chain`. */
function spansOf(trace: number, from: number, count: number, chain: boolean): CraftedSpan[] {
  const out: CraftedSpan[] = [];
  for (let i = from; i < from + count; i++) {
    out.push({
      traceId: id(16, trace),
      spanId: id(8, i),
      ...(chain && i > 0 ? { parentSpanId: id(8, i - 1) } : {}),
      name: `level-${i}`,
      startNs: 1_000_000n + BigInt(i),
      endNs: 2_000_000n,
    });
  }
  return out;
}

describe('runCollector: bounded against hostile traces (real gRPC)', () => {
  let collector: RunningCollector | undefined;

  afterEach(async () => {
    await collector?.close();
    collector = undefined;
  });

  it('prints a 3,000-deep parent chain from its idle timer: no stack overflow, indentation capped', async () => {
    const { out, text } = capture();
    collector = await runCollector({ port: 0, out, traceIdleMs: 50 });
    const request = traceRequest(spansOf(1, 0, 3000, true));
    expect(request.length).to.be.below(256 * 1024);
    expect((await sendRaw(collector.receiver.endpoint, TRACE_EXPORT, request)).code).to.equal(0);

    await until(() => text().includes('level-2999'), 10_000);
    const output = text();
    expect(output).to.contain(`⋮ deeper than ${MAX_INDENT_DEPTH} levels: indentation stops here`);
    const lines = output.split('\n');
    // All 3,000 spans, in chain order, each on its own line.
    const order = lines.filter((l) => /level-\d+/.test(l)).map((l) => /level-(\d+)/.exec(l)![1]);
    expect(order).to.have.length(3000);
    expect(order.slice(0, 3)).to.deep.equal(['0', '1', '2']);
    expect(order.at(-1)).to.equal('2999');
    // Lines stop growing with depth: the deepest is no longer than the one at the cap.
    const lengthOf = (n: number) => [...lines.find((l) => l.includes(`level-${n} `))!].length;
    expect(lengthOf(2999)).to.be.at.most(lengthOf(MAX_INDENT_DEPTH + 1) + 2);
    expect(collector.stats()).to.deep.include({ printedTraces: 1, printFailures: 0 });
  });

  it('holds at most maxSpansPerTrace of a trace that never goes idle; the rest are dropped, counted exactly and printed', async () => {
    const { out, text } = capture();
    collector = await runCollector({
      port: 0,
      out,
      traceIdleMs: 60_000,
      maxSpansPerTrace: 1000,
    });
    // 300,000 spans of one trace: the same 10,000-span request 30 times (the first 1,000 are kept).
    const request = traceRequest(spansOf(7, 0, 10_000, false));
    for (let batch = 0; batch < 30; batch++) {
      expect((await sendRaw(collector.receiver.endpoint, TRACE_EXPORT, request)).code).to.equal(0);
    }
    const held = collector.stats();
    expect(held).to.deep.include({ pendingTraces: 1, pendingSpans: 1000, droppedSpans: 299_000 });
    expect(held.receiver.received.spans).to.equal(300_000);
    // The receiver's own lists stay bounded too (the collector keeps only a little there).
    expect(held.receiver.retained.bytes).to.be.at.most(collector.receiver.limits.maxRetainedBytes);
    expect(held.receiver.retained.spans).to.be.at.most(collector.receiver.limits.maxRetained);

    await collector.close();
    const output = text();
    expect(output).to.contain(
      `⚠ 299000 more span(s) of trace ${id(16, 7).toString('hex')} dropped: over 1000 spans per trace`,
    );
    expect(output).to.match(/dropped 299000 span\(s\) over the per-trace limit/);
    expect(output.split('\n').filter((l) => /level-\d+/.test(l))).to.have.length(1000);
  });

  it('prints a trace that keeps receiving spans once traceMaxWaitMs has passed, and goes on with a new part', async () => {
    const { out, text } = capture();
    collector = await runCollector({ port: 0, out, traceIdleMs: 60_000, traceMaxWaitMs: 200 });
    const send = (from: number) =>
      sendRaw(collector!.receiver.endpoint, TRACE_EXPORT, traceRequest(spansOf(3, from, 5, false)));
    await send(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await send(5);
    expect(text()).to.contain('level-4');
    expect(text()).not.to.contain('level-5');
    expect(text()).to.contain('printed before the trace went idle');
    expect(collector.stats()).to.deep.include({
      printedTraces: 1,
      printedEarly: 1,
      pendingSpans: 5,
    });
  });

  it('prints the oldest traces early when waiting traces exceed maxPendingSpans; none is dropped', async () => {
    const { out, text } = capture();
    collector = await runCollector({ port: 0, out, traceIdleMs: 60_000, maxPendingSpans: 100 });
    for (let trace = 0; trace < 10; trace++) {
      const request = traceRequest(spansOf(100 + trace, trace * 30, 30, false));
      expect((await sendRaw(collector.receiver.endpoint, TRACE_EXPORT, request)).code).to.equal(0);
    }
    const stats = collector.stats();
    expect(stats.pendingSpans).to.be.at.most(100);
    expect(stats).to.deep.include({ printedTraces: 7, printedEarly: 7, droppedSpans: 0 });
    await collector.close();
    expect(
      text()
        .split('\n')
        .filter((l) => /level-\d+/.test(l)),
    ).to.have.length(300);
  });

  it('prints spans whose parents form a cycle instead of losing them', async () => {
    const { out, text } = capture();
    collector = await runCollector({ port: 0, out, traceIdleMs: 60_000 });
    const a = {
      traceId: id(16, 9),
      spanId: id(8, 1),
      parentSpanId: id(8, 2),
      name: 'cycle-a',
      startNs: 1n,
      endNs: 3n,
    };
    const b = {
      traceId: id(16, 9),
      spanId: id(8, 2),
      parentSpanId: id(8, 1),
      name: 'cycle-b',
      startNs: 2n,
      endNs: 3n,
    };
    await sendRaw(collector.receiver.endpoint, TRACE_EXPORT, traceRequest([a, b]));
    await collector.close();
    expect(text()).to.match(/cycle-a.*\n└─ cycle-b/);
  });

  it('rejects a limit that is not a positive integer, naming the option', async () => {
    const error = await runCollector({ port: 0, out: new PassThrough(), maxSpansPerTrace: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(error)).to.contain('maxSpansPerTrace must be a positive integer, got 0');
  });
});
