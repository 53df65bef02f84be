import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { processScene } from './support/process-scene';
import { SlowServer } from './support/slow-server';
import type { LogLine } from './support/spawn-worker';

const isEventLine = (line: LogLine): boolean => line.msg === 'event' && line.task === 'out';
const REPORT = 'telemetry: every span was exported';

describe('e2e: shutdown_timeout bounds the exit when a downstream is slow (real child processes)', () => {
  const scene = processScene('flowgen-e2e-deadline-');

  it('@slow 40 events queued before a hanging server, SIGTERM: exits at the deadline, nothing runs after the report, 39 events counted lost', async function () {
    this.timeout(30_000);
    const shutdownMs = 4_000; // events get 3 s, the telemetry flush keeps 1 s
    const server = await SlowServer.start({ answerFirst: 1 });
    scene.onCleanup(() => server.close());
    const receiver = await scene.startReceiver();
    const flow = scene.dir.fixture('flows/burst-http.yaml', { COUNT: 40, URL: server.url });
    const config = scene.dir.fixture('workers/telemetry.yaml', {
      ENDPOINT: receiver.endpoint,
      SERVICE: 'e2e-deadline',
      SHUTDOWN_TIMEOUT: `${shutdownMs}ms`,
    });
    const worker = scene.pool.spawn(['run', flow, '--config', config], { label: 'worker' });

    // Request n=0 was answered; n=1 hangs; the 38 others wait in the channel.
    await server.requestCount(2);
    await worker.waitForLog(isEventLine, 5_000, 'the logged answer to n=0');
    await sleep(1_000); // the source emits its 40 events 1 ms apart: long done
    worker.signal('SIGTERM');
    const exit = await worker.waitForExit(shutdownMs + 3_000);

    expect(exit, worker.describe()).to.include({ code: 0, signal: null });
    expect(exit.msSinceSignal, 'waited for the in-flight event until the deadline').to.be.at.least(
      2_500,
    );
    expect(exit.msSinceSignal, 'exit within shutdown_timeout + margin').to.be.below(
      shutdownMs + 2_500,
    );

    // Nothing ran after the deadline: the server saw n=0 and n=1 only, and the
    // worker went away from n=1 before it exited.
    await sleep(200);
    expect(server.requests.map((r) => (JSON.parse(r.body) as { n: number }).n)).to.deep.equal([
      0, 1,
    ]);
    expect(server.requests[0]!.answeredAt).to.be.a('number');
    expect(server.requests[1]!.abortedAt, 'n=1 was aborted by the worker').to.be.a('number');

    const lines = worker.logLines();
    const finished = lines.find((l) => l.msg === 'flow finished');
    expect(finished, worker.describe()).to.not.equal(undefined);
    expect(finished!.stats).to.deep.equal({
      ticks: { processed: 40, failed: 0, emitted: 40 },
      call: { processed: 1, failed: 0, emitted: 1 },
      out: { processed: 1, failed: 0, emitted: 1 },
    });
    expect(finished!.events_lost).to.equal(39);
    const lostLine = lines.find((l) => l.msg?.startsWith('some events were started') === true);
    expect(lostLine, worker.describe()).to.deep.include({
      events_lost: 39,
      lost_by_task: { call: 39 },
    });
    expect(lines.filter(isEventLine)).to.have.length(1);

    // The report is the last thing the worker did: nothing is logged after it
    // but the final "flow finished".
    const reportAt = lines.findIndex((l) => l.msg === REPORT);
    expect(reportAt, worker.describe()).to.be.at.least(0);
    expect(lines.slice(reportAt + 1).map((l) => l.msg)).to.deep.equal(['flow finished']);

    // Every span that ended was exported in the flush, the abandoned one included.
    const spans = receiver.spans();
    const report = lines[reportAt]!;
    expect(report).to.include({ spans_lost: 0, spans_exported: spans.length });
    const calls = spans.filter((s) => s.name === 'task.handle' && s.attributes.task === 'call');
    expect(calls.map((s) => s.status.code).sort()).to.deep.equal([0, 2]);
    const abandoned = calls.find((s) => s.status.code === 2)!;
    expect(abandoned.status.message).to.contain('shutdown deadline');
    const handles = (task: string): number =>
      spans.filter((s) => s.name === 'task.handle' && s.attributes.task === task).length;
    expect([handles('ticks'), handles('call'), handles('out')]).to.deep.equal([40, 2, 1]);
  });

  it('@slow without telemetry the whole shutdown_timeout goes to the events: 3 s, then exit', async function () {
    this.timeout(30_000);
    const shutdownMs = 3_000;
    const server = await SlowServer.start({ answerFirst: 0 });
    scene.onCleanup(() => server.close());
    const flow = scene.dir.fixture('flows/burst-http.yaml', { COUNT: 5, URL: server.url });
    const config = scene.dir.fixture('workers/no-telemetry.yaml', {
      SHUTDOWN_TIMEOUT: `${shutdownMs}ms`,
    });
    const worker = scene.pool.spawn(['run', flow, '--config', config], { label: 'worker' });

    await server.firstRequest();
    await sleep(500);
    worker.signal('SIGTERM');
    const exit = await worker.waitForExit(shutdownMs + 3_000);

    expect(exit, worker.describe()).to.include({ code: 0, signal: null });
    expect(exit.msSinceSignal).to.be.at.least(shutdownMs - 300);
    expect(exit.msSinceSignal).to.be.below(shutdownMs + 2_500);
    const finished = worker.logLines().find((l) => l.msg === 'flow finished');
    expect(finished, worker.describe()).to.deep.include({ events_lost: 5 });
    expect(server.requests).to.have.length(1);
  });
});
