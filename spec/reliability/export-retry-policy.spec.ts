import { Metadata } from '@grpc/grpc-js';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { expect } from 'chai';
import { ExportRetryError } from '../../src/telemetry/export-retry-error';
import {
  RETRY_INFO_TYPE_URL,
  retryDelayFromStatusDetails,
} from '../../src/telemetry/export-retry-info';
import {
  GrpcCode,
  backoffMs,
  resolveExportRetryOptions,
  retryDecision,
} from '../../src/telemetry/export-retry-policy';
import { ExportRetrier } from '../../src/telemetry/retrying-exporter';
import type { BatchExporter } from '../../src/telemetry/retrying-exporter';
import { sleep } from './support/export-harness';

/** A gRPC ServiceError as grpc-js hands it to the OTLP exporter. */
function grpcError(code: number, metadata = new Metadata()): Error {
  return Object.assign(new Error(`${code} injected`), { code, details: 'injected', metadata });
}

/** An exporter that answers each attempt with the next scripted result ('hang' never answers). */
class ScriptedExporter implements BatchExporter<string[]> {
  calls = 0;
  shutdowns = 0;
  constructor(private readonly script: (ExportResult | 'hang' | 'throw' | 'twice')[]) {}
  export(_items: string[], resultCallback: (result: ExportResult) => void): void {
    const step = this.script[Math.min(this.calls, this.script.length - 1)];
    this.calls++;
    if (step === 'hang') return;
    if (step === 'throw') throw new Error('exporter bug');
    if (step === 'twice') {
      resultCallback({ code: ExportResultCode.SUCCESS });
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('second call') });
      return;
    }
    if (step !== undefined) setImmediate(() => resultCallback(step));
  }
  shutdown(): Promise<void> {
    this.shutdowns++;
    return Promise.resolve();
  }
}

const OK: ExportResult = { code: ExportResultCode.SUCCESS };
const fail = (code: number): ExportResult => ({
  code: ExportResultCode.FAILED,
  error: grpcError(code),
});

/** Exports one batch and collects every call of its result callback. */
function exportOnce(
  retrier: ExportRetrier<string[]>,
  items: string[] = ['a', 'b'],
): { results: ExportResult[]; done: Promise<ExportResult> } {
  const results: ExportResult[] = [];
  const done = new Promise<ExportResult>((resolve) => {
    retrier.export(items, (result) => {
      results.push(result);
      resolve(result);
    });
  });
  return { results, done };
}

const FAST = { initialBackoffMs: 5, maxBackoffMs: 20, budgetMs: 2_000 };

describe('export retry policy (wrapper around an unmodified exporter)', () => {
  it('retries UNAVAILABLE until the batch gets through, calling back once', async () => {
    const inner = new ScriptedExporter([
      fail(GrpcCode.UNAVAILABLE),
      fail(GrpcCode.UNAVAILABLE),
      OK,
    ]);
    const retrier = new ExportRetrier(inner, (b) => b.length, 'span', FAST);
    const { results, done } = exportOnce(retrier);
    expect((await done).code).to.equal(ExportResultCode.SUCCESS);
    await sleep(20);
    expect(results).to.have.length(1);
    expect(inner.calls).to.equal(3);
    expect(retrier.stats()).to.include({
      exportedBatches: 1,
      exportedItems: 2,
      retries: 2,
      recoveredBatches: 1,
      droppedBatches: 0,
      inFlight: 0,
    });
  });

  for (const code of [
    GrpcCode.CANCELLED,
    GrpcCode.DEADLINE_EXCEEDED,
    GrpcCode.ABORTED,
    GrpcCode.OUT_OF_RANGE,
    GrpcCode.DATA_LOSS,
  ]) {
    it(`retries gRPC code ${code}`, async () => {
      const inner = new ScriptedExporter([fail(code), OK]);
      const retrier = new ExportRetrier(inner, (b) => b.length, 'span', FAST);
      expect((await exportOnce(retrier).done).code).to.equal(ExportResultCode.SUCCESS);
      expect(inner.calls).to.equal(2);
    });
  }

  for (const code of [GrpcCode.INVALID_ARGUMENT, GrpcCode.RESOURCE_EXHAUSTED, 7, 16, 2]) {
    it(`does not retry gRPC code ${code} (without RetryInfo)`, async () => {
      const inner = new ScriptedExporter([fail(code), OK]);
      const retrier = new ExportRetrier(inner, (b) => b.length, 'span', FAST);
      const result = await exportOnce(retrier).done;
      expect(result.code).to.equal(ExportResultCode.FAILED);
      expect((result.error as { code?: number }).code).to.equal(code);
      expect(inner.calls).to.equal(1);
      expect(retrier.stats()).to.include({ retries: 0, droppedBatches: 1, droppedItems: 2 });
    });
  }

  it('does not retry a failure without a gRPC code (e.g. the exporter’s own concurrency limit)', async () => {
    const inner = new ScriptedExporter([
      { code: ExportResultCode.FAILED, error: new Error('Concurrent export limit reached') },
      OK,
    ]);
    const retrier = new ExportRetrier(inner, (b) => b.length, 'span', FAST);
    expect((await exportOnce(retrier).done).code).to.equal(ExportResultCode.FAILED);
    expect(inner.calls).to.equal(1);
  });

  it('retries RESOURCE_EXHAUSTED when the server sends RetryInfo, after the delay it asks for', async () => {
    const metadata = new Metadata();
    metadata.set('grpc-status-details-bin', statusWithRetryInfo(0, 60_000_000)); // 60 ms
    const inner = new ScriptedExporter([
      { code: ExportResultCode.FAILED, error: grpcError(GrpcCode.RESOURCE_EXHAUSTED, metadata) },
      OK,
    ]);
    const retrier = new ExportRetrier(inner, (b) => b.length, 'span', FAST);
    const started = Date.now();
    expect((await exportOnce(retrier).done).code).to.equal(ExportResultCode.SUCCESS);
    expect(Date.now() - started).to.be.at.least(55);
    expect(inner.calls).to.equal(2);
  });

  it('gives up after maxAttempts with an error that names the attempts and keeps the cause', async () => {
    const inner = new ScriptedExporter([fail(GrpcCode.UNAVAILABLE)]);
    const retrier = new ExportRetrier(inner, (b) => b.length, 'span', { ...FAST, maxAttempts: 3 });
    const result = await exportOnce(retrier).done;
    expect(inner.calls).to.equal(3);
    expect(result.error).to.be.instanceOf(ExportRetryError);
    expect((result.error as ExportRetryError).code).to.equal('FLOWGEN_EXPORT_GAVE_UP');
    expect(result.error?.message).to.match(/after 3 attempt\(s\)/);
    expect((result.error?.cause as { code?: number }).code).to.equal(GrpcCode.UNAVAILABLE);
    expect(retrier.stats()).to.include({ retries: 2, droppedBatches: 1, droppedItems: 2 });
  });

  it('never runs past its time budget: an exporter that never answers is reported failed on time', async () => {
    const inner = new ScriptedExporter(['hang']);
    const retrier = new ExportRetrier(inner, (b) => b.length, 'span', { ...FAST, budgetMs: 80 });
    const started = Date.now();
    const result = await exportOnce(retrier).done;
    const took = Date.now() - started;
    expect(result.code).to.equal(ExportResultCode.FAILED);
    expect(took).to.be.within(70, 300);
  });

  it('does not start a retry whose backoff ends after the budget', async () => {
    const inner = new ScriptedExporter([fail(GrpcCode.UNAVAILABLE)]);
    const retrier = new ExportRetrier(inner, (b) => b.length, 'span', {
      initialBackoffMs: 1_000,
      budgetMs: 300,
    });
    const started = Date.now();
    await exportOnce(retrier).done;
    expect(Date.now() - started).to.be.below(100);
    expect(inner.calls).to.equal(1);
  });

  it('bounds batches in flight: the next one fails fast and is counted as dropped (overload)', async () => {
    const inner = new ScriptedExporter(['hang']);
    const retrier = new ExportRetrier(inner, (b) => b.length, 'span', {
      ...FAST,
      budgetMs: 150,
      maxInFlight: 2,
    });
    const first = exportOnce(retrier);
    const second = exportOnce(retrier);
    const third = exportOnce(retrier, ['x', 'y', 'z']);
    const result = await third.done;
    expect(result.code).to.equal(ExportResultCode.FAILED);
    expect((result.error as ExportRetryError).code).to.equal('FLOWGEN_EXPORT_OVERLOAD');
    expect(retrier.stats()).to.include({
      inFlight: 2,
      peakInFlight: 2,
      maxInFlight: 2,
      overloadBatches: 1,
      overloadItems: 3,
    });
    await Promise.all([first.done, second.done]);
    expect(inner.calls).to.equal(2);
  });

  it('never throws: an exporter that throws is a failed batch; a double callback reaches the caller once', async () => {
    const throwing = new ExportRetrier(new ScriptedExporter(['throw']), (b) => b.length, 'span');
    expect((await exportOnce(throwing).done).code).to.equal(ExportResultCode.FAILED);
    const twice = new ExportRetrier(new ScriptedExporter(['twice']), (b) => b.length, 'span');
    const { results, done } = exportOnce(twice);
    expect((await done).code).to.equal(ExportResultCode.SUCCESS);
    await sleep(10);
    expect(results).to.have.length(1);
    const badCount = new ExportRetrier(
      new ScriptedExporter([OK]),
      () => {
        throw new Error('count bug');
      },
      'span',
    );
    expect((await exportOnce(badCount).done).code).to.equal(ExportResultCode.SUCCESS);
  });

  it('shutdown lets a batch in backoff finish its retry, then shuts the inner exporter down and refuses later batches', async () => {
    // The batch processor shuts its exporter down without waiting for the batch its timer sent.
    const inner = new ScriptedExporter([fail(GrpcCode.UNAVAILABLE), OK]);
    const retrier = new ExportRetrier(inner, (b) => b.length, 'span', {
      initialBackoffMs: 50,
      jitter: 0,
    });
    const pending = exportOnce(retrier);
    await sleep(10); // the first attempt failed; the backoff is pending
    await retrier.shutdown();
    expect((await pending.done).code).to.equal(ExportResultCode.SUCCESS);
    expect(inner.shutdowns).to.equal(1);
    const late = await exportOnce(retrier).done;
    expect((late.error as ExportRetryError).code).to.equal('FLOWGEN_EXPORT_SHUT_DOWN');
    await retrier.shutdown(); // idempotent
    expect(inner.shutdowns).to.equal(1);
  });

  it('shutdown waits for retries no longer than shutdownGraceMs', async () => {
    const inner = new ScriptedExporter([fail(GrpcCode.UNAVAILABLE)]);
    const retrier = new ExportRetrier(inner, (b) => b.length, 'span', {
      initialBackoffMs: 20,
      maxBackoffMs: 20,
      maxAttempts: 1000,
      budgetMs: 20_000,
      shutdownGraceMs: 120,
    });
    const pending = exportOnce(retrier);
    await sleep(10);
    const started = Date.now();
    await retrier.shutdown();
    expect(Date.now() - started).to.be.within(80, 400);
    expect((await pending.done).code).to.equal(ExportResultCode.FAILED);
    expect(inner.calls).to.be.greaterThan(2);
  });

  it('capDeadline ends the retries of batches already in flight by the new deadline', async () => {
    const inner = new ScriptedExporter([fail(GrpcCode.UNAVAILABLE)]);
    const retrier = new ExportRetrier(inner, (b) => b.length, 'span', {
      initialBackoffMs: 30,
      maxBackoffMs: 30,
      maxAttempts: 1000,
      budgetMs: 20_000,
    });
    const pending = exportOnce(retrier);
    const started = Date.now();
    retrier.capDeadline(Date.now() + 150);
    await pending.done;
    expect(Date.now() - started).to.be.within(100, 400);
  });

  it('computes exponential backoff with bounded jitter', () => {
    const low = resolveExportRetryOptions({ random: () => 0 });
    const high = resolveExportRetryOptions({ random: () => 0.999999 });
    expect(backoffMs(1, low)).to.be.closeTo(400, 1);
    expect(backoffMs(1, high)).to.be.closeTo(600, 1);
    expect(backoffMs(3, low)).to.be.closeTo(1600, 1);
    expect(backoffMs(10, high)).to.be.closeTo(6000, 1); // capped at 5 s, then +20%
  });

  it('reads RetryInfo from grpc-status-details-bin and ignores garbage', () => {
    expect(retryDelayFromStatusDetails(statusWithRetryInfo(2, 500_000_000))).to.equal(2500);
    expect(retryDelayFromStatusDetails(Buffer.from([0xff, 0xff]))).to.equal(undefined);
    expect(retryDelayFromStatusDetails(Buffer.alloc(0))).to.equal(undefined);
    expect(retryDecision(new Error('plain'))).to.deep.equal({ retry: false });
  });
});

/* Minimal protobuf encoding of google.rpc.Status { code: 8, details: [Any(RetryInfo)] }. */
function statusWithRetryInfo(seconds: number, nanos: number): Buffer {
  const varint = (n: number): number[] => {
    const out: number[] = [];
    do {
      let byte = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) byte |= 0x80;
      out.push(byte);
    } while (n > 0);
    return out;
  };
  const field = (num: number, bytes: number[]): number[] => [
    ...varint(num * 8 + 2),
    ...varint(bytes.length),
    ...bytes,
  ];
  const duration = [...varint(8), ...varint(seconds), ...varint(16), ...varint(nanos)];
  const retryInfo = field(1, duration);
  const any = [...field(1, [...Buffer.from(RETRY_INFO_TYPE_URL)]), ...field(2, retryInfo)];
  return Buffer.from([...varint(8), ...varint(GrpcCode.RESOURCE_EXHAUSTED), ...field(3, any)]);
}
