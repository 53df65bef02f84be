import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { OtlpReceiver } from '../../../src/collector';
import { resetLogger, setLogger } from '../../../src/telemetry/logger';
import { SpanExportProcessor } from '../../../src/telemetry/export/span-export-processor';
import type { SpanExportProcessorOptions } from '../../../src/telemetry/export/span-export-processor';
import { captureLogger } from '../../e2e/support/capture-logger';
import type { CapturedLogger } from '../../e2e/support/capture-logger';

const FALLBACK_MESSAGE =
  'span export worker thread unavailable; sending spans from the main thread';

function options(
  url: string,
  more: Partial<SpanExportProcessorOptions> = {},
): SpanExportProcessorOptions {
  return {
    transport: { url, timeoutMs: 2_000, env: {}, retry: { maxInFlight: 2, budgetMs: 1_800 } },
    maxExportBatchSize: 50,
    scheduledDelayMs: 50,
    maxQueueBytes: 16 * 1024 * 1024,
    shutdownTimeoutMs: 1_500,
    ...more,
  };
}

function tracerOn(processor: SpanExportProcessor): {
  end: (count: number, prefix: string) => string[];
  provider: BasicTracerProvider;
} {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'processor-spec' }),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('processor-spec');
  return {
    provider,
    end: (count, prefix) => {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const span = tracer.startSpan(`${prefix}.${i}`, {
          attributes: { n: i, pad: 'p'.repeat(200) },
        });
        ids.push(span.spanContext().spanId);
        span.end();
      }
      return ids;
    },
  };
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/* A collector that accepts connections and never answers a byte. */
async function blackHole(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('telemetry/export: SpanExportProcessor over real gRPC', function () {
  // The first worker thread of a ts-node run compiles its sources (about 2 s on 2 busy cores).
  this.timeout(30_000);
  let receiver: OtlpReceiver | undefined;
  let processor: SpanExportProcessor | undefined;
  let log: CapturedLogger;

  beforeEach(() => {
    log = captureLogger();
    setLogger(log.logger);
  });

  afterEach(async () => {
    await processor?.shutdown();
    await receiver?.stop();
    processor = undefined;
    receiver = undefined;
    resetLogger();
  });

  const fallbackLines = (): unknown[] => log.lines().filter((l) => l.msg === FALLBACK_MESSAGE);

  it('sends every span through the worker thread, in requests of at most max_export_batch_size spans', async () => {
    receiver = await OtlpReceiver.start({ port: 0 });
    processor = new SpanExportProcessor(options(receiver.endpoint));
    await until(() => processor!.workerThread?.isReady === true, 20_000, 'the worker thread');
    const sent = tracerOn(processor).end(260, 'via-worker');
    await processor.forceFlush();
    const got = new Set(receiver.spans().map((s) => s.spanId));
    expect(sent.filter((id) => !got.has(id))).to.deep.equal([]);
    const calls = receiver.exportCalls().filter((c) => c.service === 'traces');
    expect(calls.map((c) => c.spans)).to.deep.equal([50, 50, 50, 50, 50, 10]);
    expect(processor.stats()).to.include({
      exportedItems: 260,
      exportedBatches: 6,
      droppedItems: 0,
    });
    expect(processor.queueStats()).to.include({
      workerThread: true,
      queuedBytes: 0,
      queuedBatches: 0,
    });
    expect(fallbackLines()).to.have.length(0);
  });

  it('seals a chunk by bytes too: a quarter of max_queue_bytes at most, whatever max_export_batch_size says', async () => {
    receiver = await OtlpReceiver.start({ port: 0 });
    const maxQueueBytes = 128 * 1024;
    processor = new SpanExportProcessor(
      options(receiver.endpoint, { maxQueueBytes, maxExportBatchSize: 512 }),
    );
    const sent = tracerOn(processor).end(300, 'by-bytes'); // ~300 B each: 88 KiB in all
    await processor.forceFlush();
    const calls = receiver.exportCalls().filter((c) => c.service === 'traces');
    expect(calls.length, JSON.stringify(calls.map((c) => [c.spans, c.bytes]))).to.be.at.least(3);
    for (const call of calls) expect(call.bytes).to.be.at.most(maxQueueBytes / 4 + 1_024);
    expect(calls.reduce((n, c) => n + (c.spans ?? 0), 0)).to.equal(sent.length);
    expect(processor.stats()).to.include({ exportedItems: 300, droppedItems: 0 });
  });

  it('a worker thread that cannot start: every span is sent from the main thread, logged once', async () => {
    receiver = await OtlpReceiver.start({ port: 0 });
    processor = new SpanExportProcessor(
      options(receiver.endpoint, {
        workerEntry: { file: '/nonexistent/flowgen/span-export-worker.js' },
      }),
    );
    const { end } = tracerOn(processor);
    const sent = [...end(120, 'early')];
    await until(() => fallbackLines().length > 0, 10_000, 'the fallback');
    sent.push(...end(80, 'late'));
    await processor.forceFlush();
    const got = new Set(receiver.spans().map((s) => s.spanId));
    expect(
      sent.filter((id) => !got.has(id)),
      'spans lost',
    ).to.deep.equal([]);
    expect(processor.stats()).to.include({ exportedItems: 200, droppedItems: 0 });
    expect(processor.queueStats().workerThread).to.equal(false);
    expect(fallbackLines(), 'logged once').to.have.length(1);
  });

  it('a worker thread killed mid-run: what it held and what follows still arrive, logged once', async () => {
    receiver = await OtlpReceiver.start({ port: 0, faults: { delayMs: 300 } });
    processor = new SpanExportProcessor(options(receiver.endpoint));
    await until(() => processor!.workerThread?.isReady === true, 20_000, 'the worker thread');
    const { end } = tracerOn(processor);
    const sent = end(200, 'before-kill'); // 4 requests sealed; the collector answers 300 ms late
    await processor.workerThread!.thread.terminate();
    sent.push(...end(100, 'after-kill'));
    await processor.forceFlush();
    await until(() => fallbackLines().length > 0, 5_000, 'the fallback log');
    const got = new Set(receiver.spans().map((s) => s.spanId));
    expect(
      sent.filter((id) => !got.has(id)),
      'spans lost',
    ).to.deep.equal([]);
    expect(processor.stats()).to.include({ exportedItems: 300, droppedItems: 0 });
    expect(processor.workerThread).to.equal(undefined);
    expect(fallbackLines(), 'logged once').to.have.length(1);
  });

  it('a black-hole collector: forceFlush waits no longer than the export budget, shutdown stays within its bound, every span is counted', async () => {
    const hole = await blackHole();
    try {
      processor = new SpanExportProcessor(options(hole.url));
      const sent = tracerOn(processor).end(120, 'into-the-void');
      let started = Date.now();
      await processor.forceFlush();
      const flushMs = Date.now() - started;
      expect(flushMs, 'flush time').to.be.below(2_000 + 2_000 + 3_000); // start + budget + margin

      tracerOn(processor).end(30, 'more');
      started = Date.now();
      await processor.shutdown();
      const shutdownMs = Date.now() - started;
      expect(shutdownMs, 'shutdown time').to.be.below(1_500 + 2_000);
      const stats = processor.stats();
      expect(stats.exportedItems).to.equal(0);
      expect(stats.droppedItems, 'every span counted as dropped').to.equal(sent.length + 30);
      expect(stats.inFlight).to.equal(0);
      expect(processor.queueStats().queuedBytes).to.equal(0);
    } finally {
      await hole.close();
    }
  });

  it('bounds the queue in bytes: past max_queue_bytes batches are dropped and counted, never queued', async () => {
    const hole = await blackHole();
    try {
      const maxQueueBytes = 64 * 1024;
      processor = new SpanExportProcessor(options(hole.url, { maxQueueBytes }));
      let peak = 0;
      const { end } = tracerOn(processor);
      for (let round = 0; round < 20; round++) {
        end(50, `burst-${round}`); // one sealed request of ~14 KiB per round
        peak = Math.max(peak, processor.queueStats().queuedBytes);
      }
      const stats = processor.stats();
      expect(peak, 'queued bytes').to.be.at.most(maxQueueBytes);
      expect(processor.queueStats().peakQueuedBytes).to.be.at.most(maxQueueBytes);
      expect(stats.overloadItems, 'spans dropped because the queue was full').to.be.at.least(
        50 * 10,
      );
      expect(stats.overloadBatches * 50).to.equal(stats.overloadItems);
      await processor.shutdown();
      const after = processor.stats();
      expect(after.exportedItems + after.droppedItems, 'every span accounted for').to.equal(1_000);
    } finally {
      await hole.close();
    }
  });
});
