import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'chai';
import type { TelemetryRig } from './support/export-harness';
import {
  freePort,
  prepareExportThread,
  reportMeasurement,
  runFlowOn,
  startTelemetry,
  telemetryWorker,
} from './support/export-harness';

const EVENTS = 50_000;

const flow = (count: number): string => `
flow:
  name: export-memory
  tasks:
    - burst: { name: src, count: ${count} }
    - log: { name: out, level: debug }
`;

/*
 * mocha runs without --expose-gc; the flag can still be turned on at run
 * time, and a fresh context then sees a `gc` function.
 */
function collector(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing !== undefined) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function settledMemory(gc: () => void): { heapMb: number; rssMb: number } {
  for (let i = 0; i < 3; i++) gc();
  const usage = process.memoryUsage();
  return { heapMb: usage.heapUsed / 2 ** 20, rssMb: usage.rss / 2 ** 20 };
}

describe('reliability: memory stays bounded while the collector is down @slow', () => {
  prepareExportThread();
  let rig: TelemetryRig | undefined;

  afterEach(async () => {
    await rig?.handle.shutdown();
    rig = undefined;
  });

  it(`${EVENTS} events with nothing listening: heap and RSS grow by a bounded amount, not per span`, async () => {
    const gc = collector();
    const port = await freePort();
    const worker = telemetryWorker(`http://127.0.0.1:${port}`);
    rig = startTelemetry(worker, { shutdownTimeoutMs: 1_000 });

    const baseline = settledMemory(gc);
    await runFlowOn(rig, worker, flow(2_000)); // warm-up: JIT, gRPC, the span queue's first fill
    const before = settledMemory(gc);
    const { result, wallMs } = await runFlowOn(rig, worker, flow(EVENTS));
    // Measured before telemetry shuts down: the span queue is as full as it gets.
    const after = settledMemory(gc);
    const growth = { heapMb: after.heapMb - before.heapMb, rssMb: after.rssMb - before.rssMb };
    const stats = rig.spanStats();
    reportMeasurement('memory, collector down', { wallMs, baseline, before, after, growth, stats });

    expect(result.stats['out']).to.include({ processed: EVENTS, failed: 0 });
    // 100,000 task.handle spans kept until exported would be ~150 MB of heap;
    // bounded queues (2048 spans, a few batches in flight) are a few MB.
    const seen = JSON.stringify({ baseline, before, after });
    expect(growth.heapMb, seen).to.be.below(20);
    expect(growth.rssMb, seen).to.be.below(100);
    // Even counted from before telemetry saw a span, the full queue and gRPC state stay small.
    expect(after.heapMb - baseline.heapMb, seen).to.be.below(40);
    expect(stats.peakInFlight).to.be.at.most(stats.maxInFlight);
  });
});
