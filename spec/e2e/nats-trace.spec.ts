/*
 * Two real worker processes and a real nats-server: worker A publishes,
 * worker B consumes, and each event is one trace from A's generate span to
 * B's log span, B's nats_subscribe span a child of A's nats_publish span.
 */
import { expect } from 'chai';
import { jetstreamManager } from '@nats-io/jetstream';
import type { ReceivedSpan } from '../../src/collector/received-types';
import { connectNats } from '../../src/connectors/nats-client';
import { natsServerPerFile } from './support/nats-server';
import { handlesOf } from './support/received';
import { processScene } from './support/process-scene';
import type { LogLine } from './support/spawn-worker';

const isOut = (line: LogLine): boolean => line.msg === 'event' && line.task === 'out';

describe('e2e: one trace across a publisher and a consumer worker over NATS JetStream', () => {
  const scene = processScene('flowgen-e2e-nats-trace-');
  const nats = natsServerPerFile();

  it('@slow (e) one trace id per event; the consumer span is a child of the publisher span; its sequence is the PubAck sequence', async function () {
    this.timeout(40_000);
    const nc = await connectNats({ servers: nats().url });
    try {
      await (await jetstreamManager(nc)).streams.add({ name: 'TRACE', subjects: ['trace.>'] });
    } finally {
      await nc.close();
    }
    const receiver = await scene.startReceiver();
    const worker = (service: string): string =>
      scene.dir.fixture(
        'workers/telemetry.yaml',
        { ENDPOINT: receiver.endpoint, SERVICE: service, SHUTDOWN_TIMEOUT: '5s' },
        `${service}.yaml`,
      );
    const consumerFlow = scene.dir.write(
      'consumer.yaml',
      `flow:
  name: consumer
  tasks:
    - nats_subscribe: { name: orders, url: "${nats().url}", stream: TRACE, ack_wait: 3s }
    - log: { name: out, include_payload: true }
`,
    );
    const publisherFlow = scene.dir.write(
      'publisher.yaml',
      `flow:
  name: publisher
  tasks:
    - generate: { name: ticks, interval: 20ms, count: 3 }
    - nats_publish: { name: publish, url: "${nats().url}", subject: trace.created, stream: { name: TRACE } }
`,
    );
    const b = scene.pool.spawn(['run', consumerFlow, '--config', worker('e2e-nats-b')], {
      label: 'consumer B',
    });
    await b.waitForLog((l) => l.msg === 'nats consumer ready', 15_000, 'B consumer ready');
    const a = scene.pool.spawn(['run', publisherFlow, '--config', worker('e2e-nats-a')], {
      label: 'publisher A',
    });
    const exitA = await a.waitForExit(15_000);
    expect(exitA, a.describe()).to.include({ code: 0, signal: null });
    await b.waitForLogCount(isOut, 3, 10_000, 'B logging the 3 events');
    b.signal('SIGTERM');
    const exitB = await b.waitForExit(10_000);
    expect(exitB, b.describe()).to.include({ code: 0, signal: null });

    const spans = await receiver.waitForSpans(
      (all) => all.filter((s) => s.name === 'task_manager.shutdown').length === 2,
      5_000,
    );
    const published = handlesOf(spans, 'e2e-nats-a', 'publish');
    expect(published).to.have.length(3);
    const traces = new Set<string>();
    for (const pub of published) {
      const trace = spans.filter((s) => s.traceId === pub.traceId && s.name === 'task.handle');
      const one = (service: string, task: string): ReceivedSpan => {
        const found = handlesOf(trace, service, task);
        expect(found, `${service} ${task} in trace ${pub.traceId}`).to.have.length(1);
        return found[0]!;
      };
      const root = one('e2e-nats-a', 'ticks');
      const orders = one('e2e-nats-b', 'orders');
      const out = one('e2e-nats-b', 'out');
      expect(trace, 'nothing else in the trace').to.have.length(4);
      expect(root.parentSpanId).to.equal(undefined);
      expect(pub.parentSpanId).to.equal(root.spanId);
      expect(orders.parentSpanId, "B's consumer span is a child of A's publish span").to.equal(
        pub.spanId,
      );
      expect(out.parentSpanId).to.equal(orders.spanId);
      const seq = pub.attributes['messaging.nats.stream.sequence'];
      expect(seq).to.be.a('number');
      expect(orders.attributes['messaging.nats.stream.sequence']).to.equal(seq);
      expect(orders.attributes['messaging.message.id']).to.equal(
        pub.attributes['messaging.message.id'],
      );
      expect(orders.attributes['messaging.nats.delivery_count']).to.equal(1);
      expect(orders.attributes['messaging.consumer.group.name']).to.equal('consumer_orders');
      traces.add(pub.traceId);
    }
    expect(traces.size, 'one trace per event').to.equal(3);
    expect(
      b
        .logLines()
        .filter(isOut)
        .map((l) => l.trace_id),
    ).to.have.members([...traces]);
  });
});
