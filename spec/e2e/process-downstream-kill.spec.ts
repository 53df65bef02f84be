import { processScene } from './support/process-scene';
import { expect } from 'chai';
import { freePort } from './support/spawn-worker';
import type { LogLine } from './support/spawn-worker';

const isFailedEvent = (line: LogLine): boolean =>
  line.task === 'forward' &&
  line.msg === 'event failed after its retries; going on with the next event';

describe('e2e: SIGKILL of the downstream worker (real child processes)', () => {
  const scene = processScene('flowgen-e2e-kill-');
  const { pool } = scene;

  it('@slow A retries and counts the failed requests, does not hang, and exits 0 on SIGTERM', async function () {
    this.timeout(20_000);
    const shutdownMs = 5_000;
    const receiver = await scene.startReceiver();
    const portB = await freePort();
    const worker = (service: string): string =>
      scene.dir.fixture(
        'workers/telemetry.yaml',
        { ENDPOINT: receiver.endpoint, SERVICE: service, SHUTDOWN_TIMEOUT: `${shutdownMs}ms` },
        `${service}.yaml`,
      );

    const b = pool.spawn(
      [
        'run',
        scene.dir.fixture('flows/receiver.yaml', { PORT_B: portB }),
        '--config',
        worker('e2e-b'),
      ],
      { label: 'worker B' },
    );
    await b.waitForLog(
      (l) => l.msg?.startsWith('http endpoint listening') === true,
      10_000,
      'B listening',
    );
    const a = pool.spawn(
      [
        'run',
        scene.dir.fixture('flows/endless-sender.yaml', { PORT_B: portB }),
        '--config',
        worker('e2e-a'),
      ],
      { label: 'worker A' },
    );
    await b.waitForLogCount(
      (l) => l.msg === 'event' && l.task === 'out',
      3,
      10_000,
      'B logging 3 events',
    );

    b.signal('SIGKILL');
    const exitB = await b.waitForExit(3_000);
    expect(exitB.signal).to.equal('SIGKILL');

    // Every attempt now fails (refused or reset); after 3 attempts the event is given up.
    await a.waitForLogCount(isFailedEvent, 2, 8_000, 'two events failed after their retries');
    expect(a.running, 'A goes on after failed events').to.equal(true);
    a.signal('SIGTERM');
    const exitA = await a.waitForExit(shutdownMs + 3_000);
    expect(exitA, a.describe()).to.include({ code: 0, signal: null });
    expect(exitA.msSinceSignal, 'A exits within its shutdown deadline').to.be.below(shutdownMs);

    const spans = await receiver.waitForSpans(
      (all) =>
        all.some(
          (s) => s.name === 'task_manager.shutdown' && s.resource['service.name'] === 'e2e-a',
        ),
      3_000,
    );
    const forward = spans.filter(
      (s) =>
        s.name === 'task.handle' &&
        s.resource['service.name'] === 'e2e-a' &&
        s.attributes.task === 'forward',
    );
    const failed = forward.filter((s) => s.status.code === 2);
    expect(failed.length, 'failed http_request task.handle spans').to.be.at.least(2);
    for (const span of failed) {
      const attempts = span.events.filter((e) => e.name === 'attempt.failed');
      expect(attempts.map((e) => e.attributes['flowgen.attempt'])).to.deep.equal([1, 2, 3]);
      expect(attempts.map((e) => e.attributes['flowgen.will_retry'])).to.deep.equal([
        true,
        true,
        false,
      ]);
      expect(span.attributes['flowgen.attempts']).to.equal(3);
      expect(span.events.some((e) => e.name === 'exception')).to.equal(true);
    }
    expect(
      forward.filter((s) => s.status.code !== 2).length,
      'requests before the kill succeeded',
    ).to.be.at.least(3);

    const finished = a.logLines().find((l) => l.msg === 'flow finished');
    const stats = finished?.stats as
      | Record<string, { processed: number; failed: number }>
      | undefined;
    expect(stats?.forward?.failed, a.describe()).to.be.at.least(2);
    const errors = receiver
      .metricPoints('task.handle.errors')
      .filter((p) => p.resource['service.name'] === 'e2e-a' && p.attributes.task === 'forward');
    expect(errors, 'task.handle.errors of forward').to.not.be.empty;
    expect(errors[errors.length - 1]!.value).to.equal(stats!.forward!.failed);
  });
});
