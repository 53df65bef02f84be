import { handlesOf } from './support/received';
import { processScene } from './support/process-scene';
import { expect } from 'chai';
import type { ReceivedSpan } from '../../src/collector/received-types';
import { freePort } from './support/spawn-worker';
import type { LogLine } from './support/spawn-worker';

const isEventLine = (line: LogLine): boolean => line.msg === 'event' && line.task === 'out';

describe('e2e: one trace across two worker processes on loopback (real child processes)', () => {
  const scene = processScene('flowgen-e2e-trace-');
  const { pool } = scene;

  it('@slow A: generate -> http_request, B: http_endpoint -> script -> log share one trace id per event, B continuing under A', async function () {
    this.timeout(20_000);
    const receiver = await scene.startReceiver();
    const portB = await freePort();
    const worker = (service: string): string =>
      scene.dir.fixture(
        'workers/telemetry.yaml',
        { ENDPOINT: receiver.endpoint, SERVICE: service, SHUTDOWN_TIMEOUT: '5s' },
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
        scene.dir.fixture('flows/sender.yaml', { PORT_B: portB }),
        '--config',
        worker('e2e-a'),
      ],
      { label: 'worker A' },
    );
    const exitA = await a.waitForExit(10_000);
    expect(exitA, a.describe()).to.include({ code: 0, signal: null });
    await b.waitForLogCount(isEventLine, 3, 5_000, 'B logging the 3 events');
    b.signal('SIGTERM');
    const exitB = await b.waitForExit(8_000);
    expect(exitB, b.describe()).to.include({ code: 0, signal: null });

    const spans = await receiver.waitForSpans(
      (all) => all.filter((s) => s.name === 'task_manager.shutdown').length === 2,
      3_000,
    );
    const generated = handlesOf(spans, 'e2e-a', 'ticks');
    expect(generated, 'A: one generate task.handle per event').to.have.length(3);
    const traceIds = new Set<string>();
    for (const root of generated) {
      const trace = spans.filter((s) => s.traceId === root.traceId && s.name === 'task.handle');
      const one = (service: string, task: string): ReceivedSpan => {
        const found = handlesOf(trace, service, task);
        expect(found, `${service} ${task} task.handle in trace ${root.traceId}`).to.have.length(1);
        return found[0]!;
      };
      const forward = one('e2e-a', 'forward');
      const inbox = one('e2e-b', 'inbox');
      const stamp = one('e2e-b', 'stamp');
      const out = one('e2e-b', 'out');
      expect(trace, 'nothing else in the trace').to.have.length(5);

      expect(root.parentSpanId, 'the generate span is the root').to.equal(undefined);
      expect(forward.parentSpanId).to.equal(root.spanId);
      expect(
        inbox.parentSpanId,
        "B's http_endpoint span is a child of A's http_request span",
      ).to.equal(forward.spanId);
      expect(stamp.parentSpanId).to.equal(inbox.spanId);
      expect(out.parentSpanId).to.equal(stamp.spanId);
      expect(forward.attributes['http.response.status_code']).to.equal(200);
      traceIds.add(root.traceId);
    }
    expect(traceIds.size, 'one trace per event').to.equal(3);

    // B's log lines correlate with the same traces.
    const logged = b.logLines().filter(isEventLine);
    expect(logged.map((l) => l.trace_id)).to.have.members([...traceIds]);
    expect(logged.map((l) => (l.payload as { n: number; seen_by: string }).n)).to.have.members([
      0, 1, 2,
    ]);
  });
});
