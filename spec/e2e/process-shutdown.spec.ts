import { processScene } from './support/process-scene';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import type { ReceivedSpan } from '../../src/collector/received-types';
import { SlowServer } from './support/slow-server';
import type { LogLine } from './support/spawn-worker';

const isEventLine =
  (task: string) =>
  (line: LogLine): boolean =>
    line.msg === 'event' && line.task === task;
const isStoppingLine = (line: LogLine): boolean => line.msg?.startsWith('stopping:') === true;

describe('e2e: a worker process stops on SIGTERM/SIGINT (real child processes)', () => {
  const scene = processScene('flowgen-e2e-shutdown-');
  const { pool } = scene;

  it('@slow SIGTERM: exits 0 within the deadline; no span of a finished event is lost; the shutdown span and final counts arrive', async function () {
    this.timeout(20_000);
    const shutdownMs = 5_000;
    const receiver = await scene.startReceiver();
    const flow = scene.dir.fixture('flows/endless-ticks.yaml');
    const config = scene.dir.fixture('workers/telemetry.yaml', {
      ENDPOINT: receiver.endpoint,
      SERVICE: 'e2e-shutdown',
      SHUTDOWN_TIMEOUT: `${shutdownMs}ms`,
    });
    const worker = pool.spawn(['run', flow, '--config', config], { label: 'worker' });

    await worker.waitForLogCount(isEventLine('out'), 15, 10_000, '15 logged events');
    // Everything parsed so far was written before the signal was sent.
    const loggedBefore = worker.logLines().filter(isEventLine('out'));
    const exportsBefore = receiver.exportCalls();
    worker.signal('SIGTERM');
    const exit = await worker.waitForExit(shutdownMs + 5_000);

    expect(exit, worker.describe()).to.include({ code: 0, signal: null });
    expect(exit.msSinceSignal, 'exit after SIGTERM within shutdown_timeout').to.be.below(
      shutdownMs,
    );
    expect(
      exportsBefore,
      'nothing exported before the signal: the shutdown flush exports',
    ).to.deep.equal([]);

    const spans = await receiver.waitForSpans(
      (all) => all.some((s) => s.name === 'task_manager.shutdown'),
      2_000,
    );
    const lines = worker.logLines();
    expect(lines.filter(isStoppingLine)).to.have.length(1);
    const finished = lines.find((l) => l.msg === 'flow finished');
    expect(finished, worker.describe()).to.not.equal(undefined);
    const stats = finished!.stats as Record<string, { processed: number; failed: number }>;

    // Every event logged before the signal: its three task.handle spans, chained, one trace.
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (const line of loggedBefore) {
      expect(line.trace_id, 'log line carries the trace id').to.match(/^[0-9a-f]{32}$/);
      const logSpan = byId.get(line.span_id as string);
      expect(
        logSpan,
        `task.handle span ${String(line.span_id)} of event ${String(line.event_id)}`,
      ).to.not.equal(undefined);
      const chain = parentChain(logSpan!, byId);
      expect(
        chain.map((s) => [s.name, s.attributes.task, s.attributes.task_id, s.traceId]),
        `span chain of event ${String(line.event_id)}`,
      ).to.deep.equal([
        ['task.handle', 'out', 2, line.trace_id],
        ['task.handle', 'double', 1, line.trace_id],
        ['task.handle', 'ticks', 0, line.trace_id],
      ]);
      for (const s of chain) expect(s.resource['service.name']).to.equal('e2e-shutdown');
    }

    // Not one span lost, even for events still in flight at the signal.
    const handles = spans.filter((s) => s.name === 'task.handle');
    for (const task of ['ticks', 'double', 'out']) {
      expect(stats[task]?.failed, `${task} failed`).to.equal(0);
      expect(
        handles.filter((s) => s.attributes.task === task),
        `${task} task.handle spans`,
      ).to.have.length(stats[task]!.processed);
    }
    expect(stats.out!.processed).to.be.at.least(loggedBefore.length);
    expect(lines.filter(isEventLine('out'))).to.have.length(stats.out!.processed);

    const shutdown = spans.filter((s) => s.name === 'task_manager.shutdown');
    expect(shutdown).to.have.length(1);
    expect(shutdown[0]!.resource['service.name']).to.equal('e2e-shutdown');
    expect(
      spans.filter((s) => s.name === 'task.run').map((s) => s.attributes.task),
    ).to.have.members(['ticks', 'double', 'out']);

    // The final metric points: one task.handle.count series per task, equal to what it handled.
    for (const task of ['ticks', 'double', 'out']) {
      const points = receiver
        .metricPoints('task.handle.count')
        .filter((p) => p.attributes.task === task);
      expect(points, `task.handle.count points of ${task}`).to.not.be.empty;
      const last = points[points.length - 1]!;
      expect(last.temporality).to.equal('cumulative');
      expect(last.resource['service.name']).to.equal('e2e-shutdown');
      expect(last.value, `task.handle.count of ${task}`).to.equal(stats[task]!.processed);
    }
  });

  it('@slow SIGTERM with an event in flight: the event completes (server answered, sink logged it), exit 0', async function () {
    this.timeout(20_000);
    const server = await SlowServer.start(500);
    scene.onCleanup(() => server.close());
    const flow = scene.dir.fixture('flows/slow-http.yaml', {
      URL: server.url,
      TIMEOUT: '5s',
      INTERVAL: '30s',
    });
    const config = scene.dir.fixture('workers/no-telemetry.yaml', { SHUTDOWN_TIMEOUT: '5s' });
    const worker = pool.spawn(['run', flow, '--config', config], { label: 'worker' });

    await server.firstRequest();
    worker.signal('SIGTERM');
    const exit = await worker.waitForExit(10_000);

    expect(exit, worker.describe()).to.include({ code: 0, signal: null });
    expect(server.requests, 'the server saw exactly the one request').to.have.length(1);
    expect(server.requests[0]!.answeredAt, 'the server answered it').to.be.a('number');
    expect(exit.msSinceSignal, 'the worker waited for the answer').to.be.at.least(300);

    const lines = worker.logLines();
    const stopping = lines.findIndex(isStoppingLine);
    const logged = lines.findIndex(isEventLine('out'));
    expect(stopping, worker.describe()).to.be.at.least(0);
    expect(logged, 'the sink logged the event after the signal').to.be.greaterThan(stopping);
    expect(lines[logged]!.payload).to.deep.equal({ answered: 0 });
    const finished = lines.find((l) => l.msg === 'flow finished');
    expect(finished?.stats).to.deep.include({
      call: { processed: 1, failed: 0, emitted: 1 },
      out: { processed: 1, failed: 0, emitted: 1 },
    });
  });

  it('@slow a second SIGTERM exits at once with code 130 while a handler is stuck', async function () {
    this.timeout(20_000);
    const server = await SlowServer.start(undefined);
    scene.onCleanup(() => server.close());
    const flow = scene.dir.fixture('flows/slow-http.yaml', {
      URL: server.url,
      TIMEOUT: '60s',
      INTERVAL: '30s',
    });
    const config = scene.dir.fixture('workers/no-telemetry.yaml', { SHUTDOWN_TIMEOUT: '30s' });
    const worker = pool.spawn(['run', flow, '--config', config], { label: 'worker' });

    await server.firstRequest();
    worker.signal('SIGTERM');
    await worker.waitForLog(isStoppingLine, 5_000, 'the "stopping" line');
    await sleep(300);
    expect(worker.running, 'the first signal waits for the stuck handler').to.equal(true);

    worker.signal('SIGTERM');
    const exit = await worker.waitForExit(8_000);
    expect(exit, worker.describe()).to.include({ code: 130, signal: null });
    // "at once": far below the 30 s the stuck handler would hold it, with room for a busy CI machine
    expect(exit.msSinceSignal, 'the second signal exits at once').to.be.below(5_000);
    const lines = worker.logLines();
    expect(lines.some((l) => l.msg === 'second signal: exiting now')).to.equal(true);
    expect(lines.some((l) => l.msg === 'flow finished')).to.equal(false);
    expect(server.requests[0]!.answeredAt).to.equal(undefined);
  });
});

/** The span and its ancestors, nearest first, as far as they arrived. */
function parentChain(span: ReceivedSpan, byId: ReadonlyMap<string, ReceivedSpan>): ReceivedSpan[] {
  const chain = [span];
  let parent = span.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId);
  while (parent !== undefined) {
    chain.push(parent);
    parent = parent.parentSpanId === undefined ? undefined : byId.get(parent.parentSpanId);
  }
  return chain;
}
