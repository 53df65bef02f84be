import { expect } from 'chai';
import { blackHoleWorker } from './support/black-hole';
import { processScene } from './support/process-scene';
import type { LogLine } from './support/spawn-worker';

const LOST_REPORT = 'telemetry: some spans never reached the collector';
const isEventLine = (line: LogLine): boolean => line.msg === 'event' && line.task === 'out';

describe('e2e: a collector that accepts and never answers cannot hold the worker (real child processes)', () => {
  const scene = processScene('flowgen-e2e-black-hole-');

  it('@slow SIGTERM with exports in flight (export_timeout 60s): report at the deadline, every span counted lost, exit right after', async function () {
    this.timeout(30_000);
    const shutdownMs = 3_000;
    const { hole, config } = await blackHoleWorker(scene, { shutdownMs, scheduledDelay: '200ms' });
    const flow = scene.dir.fixture('flows/endless-ticks.yaml');
    const worker = scene.pool.spawn(['run', flow, '--config', config], { label: 'worker' });

    await worker.waitForLogCount(isEventLine, 20, 10_000, '20 logged events');
    expect(hole.connections(), 'the exporter connected to the black hole').to.be.at.least(1);
    worker.signal('SIGTERM');
    const exit = await worker.waitForExit(shutdownMs + 3_000);
    const exitedAt = Date.now();

    expect(exit, worker.describe()).to.include({ code: 0, signal: null });
    expect(exit.msSinceSignal, 'exit within shutdown_timeout + margin').to.be.below(
      shutdownMs + 2_500,
    );
    const lines = worker.logLines();
    const report = lines.find((l) => l.msg === LOST_REPORT);
    expect(report, worker.describe()).to.not.equal(undefined);
    expect(report!.spans_exported).to.equal(0);
    expect(report!.spans_ended).to.be.a('number').and.to.be.above(20);
    expect(report!.spans_lost).to.equal(report!.spans_ended);
    expect(exitedAt - (report!.time as number), 'exit right after the report').to.be.below(1_500);
    const after = lines.slice(lines.indexOf(report!) + 1).map((l) => l.msg);
    expect(after, 'nothing after the report but the final line').to.deep.equal(['flow finished']);
  });

  it('@slow a flow that ends by itself exits within shutdown_timeout of its end, not at the export deadline', async function () {
    this.timeout(30_000);
    const shutdownMs = 2_000;
    const { hole, config } = await blackHoleWorker(scene, { shutdownMs, scheduledDelay: '30s' });
    const flow = scene.dir.fixture('flows/one-event.yaml');
    const worker = scene.pool.spawn(['run', flow, '--config', config], { label: 'worker' });

    const exit = await worker.waitForExit(shutdownMs + 8_000);
    expect(exit, worker.describe()).to.include({ code: 0, signal: null });
    const lines = worker.logLines();
    const event = lines.find(isEventLine);
    const finished = lines.find((l) => l.msg === 'flow finished');
    expect(event, worker.describe()).to.not.equal(undefined);
    expect(finished, worker.describe()).to.not.equal(undefined);
    expect(
      (finished!.time as number) - (event!.time as number),
      'the flush gave up at shutdown_timeout',
    ).to.be.below(shutdownMs + 1_000);
    expect(lines.find((l) => l.msg === LOST_REPORT)).to.deep.include({ spans_exported: 0 });
    expect(hole.bytesReceived(), 'the exporter did try').to.be.above(0);
  });
});
