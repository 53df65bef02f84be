import { status as grpcStatus } from '@grpc/grpc-js';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { OtlpReceiver } from '../../src/collector';
import type { ReceiverFaults } from '../../src/collector';
import { exportStatsOf } from '../../src/telemetry/export-retry-stats';
import type { ExportSignalStats } from '../../src/telemetry/export-retry-stats';
import type { TelemetryRig } from './support/export-harness';
import {
  every,
  prepareExportThread,
  reportMeasurement,
  runFlowOn,
  startTelemetry,
  telemetryWorker,
} from './support/export-harness';

const FLOW = `
flow:
  name: export-slow
  tasks:
    - generate: { name: src, interval: 5ms, count: 60 }
    - script: { name: enrich, code: 'event.data.total = event.data.n * 2; event' }
    - log: { name: out, level: debug }
`;

const MAX_IN_FLIGHT = 3;

interface Measured {
  wallMs: number;
  handleP95Ms: number;
  handleMaxMs: number;
  stats: ExportSignalStats;
  /** The most batches seen in flight by sampling the counters every 5 ms. */
  sampledPeak: number;
  /** The most batches seen waiting in the byte-bounded queue (in flight included). */
  queuedPeak: number;
}

function handleDurations(spans: readonly ReadableSpan[]): number[] {
  return spans
    .filter((s) => s.name === 'task.handle')
    .map((s) => s.duration[0] * 1000 + s.duration[1] / 1e6)
    .sort((a, b) => a - b);
}

/*
 * One flow against a receiver with `faults`, while a forceFlush is fired
 * every 25 ms (not awaited): each sends the whole span queue at once, which
 * is what can pile exports up when the collector does not answer.
 */
async function measure(
  faults: ReceiverFaults,
  cleanup: (r: OtlpReceiver, rig: TelemetryRig) => void,
): Promise<Measured> {
  const receiver = await OtlpReceiver.start({ port: 0, faults });
  const worker = telemetryWorker(receiver.endpoint, {
    batch: { scheduled_delay: '20ms', max_export_batch_size: 5 },
  });
  const rig = startTelemetry(worker, {
    record: true,
    shutdownTimeoutMs: 1_500,
    exportRetry: { maxInFlight: MAX_IN_FLIGHT, initialBackoffMs: 50 },
  });
  cleanup(receiver, rig);
  let sampledPeak = 0;
  let queuedPeak = 0;
  const stopSampling = every(5, () => {
    sampledPeak = Math.max(sampledPeak, rig.spanStats().inFlight);
    queuedPeak = Math.max(queuedPeak, exportStatsOf(rig.providers)?.spanQueue?.queuedBatches ?? 0);
  });
  const stopFlushing = every(25, () => void rig.providers.forceFlush());
  try {
    const { result, wallMs } = await runFlowOn(rig, worker, FLOW);
    expect(result.stats['out']).to.include({ processed: 60, failed: 0 });
    const durations = handleDurations(rig.recorded());
    return {
      wallMs,
      handleP95Ms: durations[Math.floor(durations.length * 0.95)] ?? 0,
      handleMaxMs: durations[durations.length - 1] ?? 0,
      stats: rig.spanStats(),
      sampledPeak,
      queuedPeak,
    };
  } finally {
    stopFlushing();
    stopSampling();
  }
}

describe('reliability: a slow or failing collector does not slow the flow', () => {
  prepareExportThread();
  const started: { receiver: OtlpReceiver; rig: TelemetryRig }[] = [];
  const track = (receiver: OtlpReceiver, rig: TelemetryRig): void => {
    started.push({ receiver, rig });
  };

  // The first flow of a process pays for loading and JIT; it must not be the baseline.
  before(async () => {
    await measure({}, track);
  });

  afterEach(async () => {
    for (const { receiver, rig } of started.splice(0)) {
      await receiver.stop(); // answers delayed calls at once
      await rig.handle.shutdown();
    }
  });

  for (const [label, faults] of [
    ['slow (every answer 2 s late)', { delayMs: 2_000 }],
    [
      'refusing every call (UNAVAILABLE)',
      { failFirst: 1_000_000, failCode: grpcStatus.UNAVAILABLE },
    ],
  ] as const) {
    it(`${label}: handler latency and flow wall time stay as with a healthy collector; in-flight exports stay bounded`, async () => {
      const healthy = await measure({}, track);
      const faulty = await measure(faults, track);
      const report = JSON.stringify({ healthy, faulty });
      reportMeasurement(label, { healthy, faulty });

      // The flow takes ~300 ms; a 2 s collector delay on its path would show at once.
      expect(faulty.wallMs, report).to.be.below(healthy.wallMs + 500);
      expect(faulty.handleP95Ms, report).to.be.below(healthy.handleP95Ms + 25);
      expect(faulty.handleMaxMs, report).to.be.below(250);

      expect(faulty.stats.maxInFlight).to.equal(MAX_IN_FLIGHT);
      expect(faulty.stats.peakInFlight, report).to.be.at.most(MAX_IN_FLIGHT);
      expect(faulty.sampledPeak, report).to.be.at.most(MAX_IN_FLIGHT);
      // The bound was really met: further batches waited in the byte-bounded
      // queue (off the flow's path), none was sent past the bound.
      expect(faulty.queuedPeak, report).to.be.greaterThan(MAX_IN_FLIGHT);
      expect(faulty.stats.exportedBatches, report).to.equal(0);
    });
  }
});
