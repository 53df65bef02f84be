import { expect } from 'chai';
import { captureLogger } from './support/capture-logger';
import { startBlackHole } from './support/black-hole';
import type { BlackHole } from './support/black-hole';
import { exportScene, runExportingFlow, telemetryTo } from './support/export-run';

const FLOW = `
flow:
  name: into-the-void
  tasks:
    - generate: { name: src, interval: 1ms, count: 3 }
    - log: { name: out, level: debug }
`;

/*
 * A library caller awaits runFlow: a collector that never answers must not
 * hold it until the export's own 60 s deadline. runFlow returns once the
 * flush had what shutdown_timeout left, and reports every span as lost.
 * (The gRPC call already sent keeps its connection until that deadline in
 * the background: the stock OTLP delegate cannot cancel it.)
 */
describe('e2e: runFlow as a library against a collector that never answers', () => {
  exportScene();
  let hole: BlackHole | undefined;
  afterEach(async () => {
    await hole?.close();
    hole = undefined;
  });

  it('returns within shutdown_timeout and counts every span lost', async () => {
    hole = await startBlackHole();
    const log = captureLogger();
    const { elapsedMs } = await runExportingFlow({
      flow: FLOW,
      telemetry: telemetryTo(hole.endpoint, { batch: { export_timeout: '60s' } }),
      worker: { shutdown_timeout: '1s' },
      logger: log.logger,
    });
    // three events through two tasks, well under a second, then at most shutdown_timeout
    expect(elapsedMs).to.be.below(1_000 + 3_000);
    expect(hole.bytesReceived(), 'the worker did try to export').to.be.above(0);
    const report = log.lines().find((l) => l.msg?.startsWith('telemetry:') === true);
    expect(report?.msg).to.equal('telemetry: some spans never reached the collector');
    expect(report?.['spans_exported']).to.equal(0);
    expect(report?.['spans_lost']).to.equal(report?.['spans_ended']);
  });
});
