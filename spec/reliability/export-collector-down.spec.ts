import { expect } from 'chai';
import { OtlpReceiver } from '../../src/collector';
import type { ReceivedSpan } from '../../src/collector';
import type { CapturedWarnings, TelemetryRig } from './support/export-harness';
import {
  captureTelemetryWarnings,
  freePort,
  prepareExportThread,
  reportMeasurement,
  runFlowOn,
  sleep,
  startTelemetry,
  telemetryWorker,
} from './support/export-harness';

const flow = (count: number, interval: string): string => `
flow:
  name: export-down
  tasks:
    - generate: { name: src, interval: ${interval}, count: ${count} }
    - log: { name: out, level: debug }
`;

describe('reliability: the collector is down', () => {
  prepareExportThread();
  const receivers: OtlpReceiver[] = [];
  let rig: TelemetryRig | undefined;
  let warnings: CapturedWarnings | undefined;

  afterEach(async () => {
    await rig?.handle.shutdown();
    for (const r of receivers.splice(0)) await r.stop();
    warnings?.restore();
    rig = undefined;
    warnings = undefined;
  });

  it('down at start: every event runs, shutdown returns within its bound, the failure is logged once per interval', async () => {
    const port = await freePort(); // nothing listens there
    warnings = captureTelemetryWarnings(10_000);
    const worker = telemetryWorker(`http://127.0.0.1:${port}`, {
      batch: { scheduled_delay: '20ms', max_export_batch_size: 10 },
    });
    const shutdownBoundMs = 1_500;
    // Quick give-ups so many batches fail while the flow runs: the log must still say it once.
    rig = startTelemetry(worker, {
      shutdownTimeoutMs: shutdownBoundMs,
      exportRetry: { maxAttempts: 2, initialBackoffMs: 10 },
    });

    const { result } = await runFlowOn(rig, worker, flow(100, '5ms'));
    expect(result.stats['src']).to.include({ processed: 100, failed: 0 });
    expect(result.stats['out']).to.include({ processed: 100, failed: 0 });

    const started = performance.now();
    await rig.handle.shutdown();
    const shutdownMs = performance.now() - started;
    expect(shutdownMs, 'shutdown time').to.be.below(shutdownBoundMs + 1_000);

    const stats = rig.spanStats();
    expect(stats.droppedBatches, 'batches that failed').to.be.at.least(5);
    expect(stats.exportedBatches).to.equal(0);
    const lines = warnings.lines();
    reportMeasurement('down at start', { shutdownMs, stats, lines });
    const exportFailed = lines.filter((l) => String(l['msg']).includes('telemetry export failed'));
    expect(exportFailed, JSON.stringify(lines, null, 1)).to.have.length(1);
    // Every kind of telemetry warning at most once in the interval, whatever the span count.
    expect(lines.length, JSON.stringify(lines, null, 1)).to.be.at.most(3);
  });

  it('down at start, default retry policy (30 s budget): shutdown ends the retries within its own bound', async () => {
    const port = await freePort();
    const worker = telemetryWorker(`http://127.0.0.1:${port}`); // export_timeout 30 s
    const shutdownBoundMs = 1_500;
    rig = startTelemetry(worker, { shutdownTimeoutMs: shutdownBoundMs, record: true });
    const { result } = await runFlowOn(rig, worker, flow(50, '2ms'));
    expect(result.stats['out']).to.include({ processed: 50 });
    // The first batch is now in its backoff (0.5 s, 1 s, 2 s, 4 s: up to 29.75 s allowed).
    const started = performance.now();
    await rig.handle.shutdown();
    const shutdownMs = performance.now() - started;
    const stats = rig.spanStats();
    reportMeasurement('down at start, default policy', { shutdownMs, stats });
    expect(shutdownMs, 'shutdown time').to.be.below(shutdownBoundMs + 1_000);
    // Nothing is left retrying behind the caller's back.
    expect(stats.inFlight).to.equal(0);
    // Every span is accounted for: the counters are what the worker reports as lost.
    expect(stats.droppedItems).to.equal(rig.recorded().length);
  });

  it('down mid-run, then back on the same port: export resumes without a restart', async () => {
    const first = await OtlpReceiver.start({ port: 0 });
    receivers.push(first);
    const worker = telemetryWorker(first.endpoint);
    rig = startTelemetry(worker, { record: true });

    const run = runFlowOn(rig, worker, flow(150, '20ms')); // about 3 s
    await first.waitForSpans((spans) => spans.some((s) => s.name === 'task.handle'), 3_000);
    await first.stop();
    await sleep(700);
    const second = await OtlpReceiver.start({ port: first.port });
    receivers.push(second);
    const backAt = Date.now();
    const { result } = await run;
    expect(result.stats['out']).to.include({ processed: 150 });

    const endedAfter = rig
      .recorded()
      .filter((s) => s.endTime[0] * 1000 + s.endTime[1] / 1e6 > backAt)
      .map((s) => s.spanContext().spanId);
    expect(endedAfter.length, 'spans that ended after the collector came back').to.be.at.least(20);
    const has = (spans: readonly ReceivedSpan[]): boolean => {
      const ids = new Set(spans.map((s) => s.spanId));
      return endedAfter.every((id) => ids.has(id));
    };
    await rig.handle.forceFlush();
    await second.waitForSpans(has, 8_000);
    expect(first.spans().length, 'spans before the outage').to.be.greaterThan(0);
    reportMeasurement('down mid-run', {
      recorded: rig.recorded().length,
      beforeOutage: first.spans().length,
      afterReturn: second.spans().length,
      endedAfterReturn: endedAfter.length,
      stats: rig.spanStats(),
    });
  });
});
