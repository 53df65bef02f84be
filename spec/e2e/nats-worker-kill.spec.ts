/*
 * Two consumer workers share one durable consumer; one is SIGKILLed in the
 * middle of an event. No event is lost: the server redelivers what the dead
 * worker held, the survivor handles it (delivery count 2), and the
 * duplicates are counted.
 */
import { expect } from 'chai';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { ConsumerInfo } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import type { ReceivedSpan } from '../../src/collector/received-types';
import { connectNats } from '../../src/connectors/nats-client';
import { startTestServer } from '../connectors/http-test-server';
import type { TestServer } from '../connectors/http-test-server';
import { natsServerPerFile } from './support/nats-server';
import { processScene } from './support/process-scene';

const COUNT = 20;

describe('e2e: a consumer worker SIGKILLed mid-event over NATS JetStream', () => {
  const scene = processScene('flowgen-e2e-nats-kill-');
  const nats = natsServerPerFile();

  it('@slow (g) loses no event: the survivor handles all of them, the killed worker’s in-flight ones as redeliveries', async function () {
    this.timeout(60_000);
    const nc = await connectNats({ servers: nats().url });
    scene.onCleanup(() => nc.close());
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'KILL', subjects: ['kill.>'] });

    let killed = false;
    const sink: TestServer = await startTestServer((req, res) => {
      if (req.headers['x-worker'] === 'b1' && !killed) {
        killed = true;
        b1.signal('SIGKILL');
      }
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end('{"ok":true}');
      }, 150);
    });
    scene.onCleanup(() => sink.close());
    const receiver = await scene.startReceiver();
    const start = (name: string) =>
      scene.pool.spawn(
        [
          'run',
          scene.dir.write(
            `${name}.yaml`,
            `flow:
  name: scale
  tasks:
    - nats_subscribe: { name: orders, url: "${nats().url}", stream: KILL, ack_wait: 2s, batch: 2 }
    - http_request: { name: store, url: "${sink.url('/store')}", headers: { x-worker: ${name} }, timeout: 5s }
`,
          ),
          '--config',
          scene.dir.fixture(
            'workers/telemetry.yaml',
            { ENDPOINT: receiver.endpoint, SERVICE: name, SHUTDOWN_TIMEOUT: '5s' },
            `${name}-worker.yaml`,
          ),
        ],
        { label: name },
      );
    const b1 = start('b1');
    const b2 = start('b2');
    for (const b of [b1, b2]) {
      await b.waitForLog((l) => l.msg === 'nats consumer ready', 15_000, 'consumer ready');
    }
    const js = jetstream(nc);
    for (let n = 0; n < COUNT; n++) {
      const h = headers();
      h.set('Content-Type', 'application/json');
      await js.publish('kill.order', JSON.stringify({ n }), { msgID: `n-${n}`, headers: h });
    }

    const exitB1 = await b1.waitForExit(20_000);
    expect(exitB1.signal).to.equal('SIGKILL');
    const info = await untilAllAcked(async () => jsm.consumers.info('KILL', 'scale_orders'));
    expect(info.num_ack_pending).to.equal(0);
    b2.signal('SIGTERM');
    expect(await b2.waitForExit(10_000), b2.describe()).to.include({ code: 0, signal: null });

    const bodies = (worker: string): number[] =>
      sink.requests
        .filter((r) => r.headers['x-worker'] === worker)
        .map((r) => (JSON.parse(r.body) as { n: number }).n);
    const fromB1 = bodies('b1');
    const fromB2 = bodies('b2');
    expect(fromB1.length, 'b1 died inside its first request').to.be.at.least(1);
    expect(
      [...new Set(fromB2)].sort((x, y) => x - y),
      'b2 handled every event',
    ).to.deep.equal(Array.from({ length: COUNT }, (_, n) => n));
    const duplicates = sink.requests.length - COUNT;
    expect(duplicates, 'duplicates: what b1 sent before it died').to.equal(fromB1.length);

    const spans = await receiver.waitForSpans(
      (all) => all.some((s) => s.name === 'task_manager.shutdown'),
      5_000,
    );
    const redelivered = spans.filter(
      (s: ReceivedSpan) =>
        s.name === 'task.handle' &&
        s.attributes.task === 'orders' &&
        s.resource['service.name'] === 'b2' &&
        (s.attributes['messaging.nats.delivery_count'] as number) >= 2,
    );
    for (const n of fromB1) {
      expect(
        redelivered.map((s) => s.attributes['messaging.message.id']),
        `n-${n}, in flight at b1, reached b2 as a redelivery`,
      ).to.include(`n-${n}`);
    }
  });
});

async function untilAllAcked(info: () => Promise<ConsumerInfo>): Promise<ConsumerInfo> {
  let last: ConsumerInfo | undefined;
  for (let i = 0; i < 400; i++) {
    last = await info();
    if (
      last.num_pending === 0 &&
      last.num_ack_pending === 0 &&
      last.ack_floor.stream_seq === COUNT
    ) {
      return last;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not every message was acked: ${JSON.stringify(last)}`);
}
