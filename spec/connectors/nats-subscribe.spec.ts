/*
 * nats_subscribe on a real nats-server: the trace continues from the
 * headers, the ack waits for the whole flow, a failure naks and the
 * redelivery is a second task.handle, an undecodable body is terminated, and
 * the consumer ends with nothing pending.
 */
import { expect } from 'chai';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { ConsumerInfo } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import type { NatsConnection } from '@nats-io/nats-core';
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { loadWorkerConfig } from '../../src/config/worker-config';
import { connectNats } from '../../src/connectors/nats-client';
import { NatsStreamMissingError } from '../../src/connectors/nats-errors';
import { Handler } from '../../src/decorators/handler.decorator';
import { Task } from '../../src/decorators/task.decorator';
import type { FlowEvent } from '../../src/runtime/event';
import { parseFlow } from '../../src/runtime/flow-loader';
import type { FlowRunResult } from '../../src/run-flow';
import { runFlow } from '../../src/run-flow';
import { TaskFailedError } from '../../src/runtime/task-failed-error';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { NatsServer, natsServerPerFile } from '../e2e/support/nats-server';
import { CapturedLog } from './task-harness';
import { until } from '../support/until';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';

/** Fails the first delivery of `data.n === 1`, every attempt. */
@Task({ type: 'fail_first_delivery' })
class FailFirstDelivery {
  @Handler()
  handle(event: FlowEvent<{ n: number }>): FlowEvent {
    if (event.metadata['nats.delivery_count'] === '1' && event.data.n === 1) {
      throw new RangeError('the first delivery of n=1 fails');
    }
    return event;
  }
}

/** Takes 2.5 s per event: longer than the shortest ack_wait. */
@Task({ type: 'slow_handler' })
class SlowHandler {
  @Handler()
  async handle(event: FlowEvent): Promise<FlowEvent> {
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    return event;
  }
}

/** Never finishes the first delivery of an event; later deliveries pass. */
@Task({ type: 'stuck_first_delivery' })
class StuckFirstDelivery {
  @Handler()
  handle(event: FlowEvent): Promise<FlowEvent> | FlowEvent {
    if (event.metadata['nats.delivery_count'] === '1')
      return new Promise<FlowEvent>(() => undefined);
    return event;
  }
}

/** Polls the durable consumer until `done(info)`, or fails with the last info. */
async function untilConsumer(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  done: (info: ConsumerInfo) => boolean,
  timeoutMs = 15_000,
): Promise<ConsumerInfo> {
  const end = Date.now() + timeoutMs;
  let info: ConsumerInfo | undefined;
  while (Date.now() < end) {
    try {
      info = await jsm.consumers.info(stream, durable);
      if (done(info)) return info;
    } catch {
      // not created yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`consumer ${durable} never got there: ${JSON.stringify(info)}`);
}

/* The spec's own client may still be reconnecting: a publish it lost is retried. */
async function publishWithRetry(js: JetStreamClient, subject: string, body: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await js.publish(subject, body, { msgID: body, timeout: 2_000 });
      return;
    } catch (error) {
      if (attempt >= 10) throw error;
    }
  }
}

const settledAll =
  (count: number) =>
  (info: ConsumerInfo): boolean =>
    info.num_pending === 0 && info.num_ack_pending === 0 && info.ack_floor.stream_seq === count;

describe('connectors: nats_subscribe (real nats-server)', () => {
  const server = natsServerPerFile();
  let kit: TestTelemetry;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let stream = '';
  let n = 0;
  beforeEach(async () => {
    kit = TestTelemetry.create();
    nc = await connectNats({ servers: server().url });
    jsm = await jetstreamManager(nc);
    stream = `SUB${++n}`;
    await jsm.streams.add({ name: stream, subjects: [`${stream.toLowerCase()}.>`] });
  });
  afterEach(async () => {
    await nc.close();
    await kit.shutdown();
  });

  function start(tasks: string, log = new CapturedLog('info'), shutdownTimeout = '10s') {
    const controller = new AbortController();
    const done = runFlow({
      flow: parseFlow(`flow:\n  name: subs\n  tasks:\n${tasks}`, 'subs.yaml'),
      worker: loadWorkerConfig({
        retry: { max_attempts: 2, initial_backoff: '10ms', max_backoff: '20ms' },
        shutdown_timeout: shutdownTimeout,
      }),
      container: kit.container,
      telemetry: kit.handle,
      taskClasses: [FailFirstDelivery, SlowHandler, StuckFirstDelivery],
      logger: log.logger,
      signal: controller.signal,
    });
    return { stop: () => controller.abort(), done, log };
  }

  async function publish(subject: string, body: string, json: boolean, traced: boolean) {
    const h = headers();
    if (json) h.set('Content-Type', 'application/json');
    if (traced) h.set('traceparent', `00-${TRACE_ID}-${PARENT_ID}-01`);
    return jetstream(nc).publish(subject, body, { headers: h });
  }

  const sourceSpans = (): ReadableSpan[] =>
    kit.spans('task.handle').filter((s) => s.attributes.task === 'orders');

  it('(f) continues the trace from the headers; a downstream failure naks, the redelivery is delivery 2, acks come after success, nothing stays pending', async () => {
    const subject = `${stream.toLowerCase()}.created`;
    for (let i = 0; i < 3; i++) {
      await publish(subject, JSON.stringify({ n: i }), true, i === 0);
    }
    const run = start(`
    - nats_subscribe:
        name: orders
        url: "${server().url}"
        stream: ${stream}
        subject: "${stream.toLowerCase()}.*"
        ack_wait: 2s
        nak_delay: 100ms
        batch: 2
    - fail_first_delivery: { name: check }
`);
    await untilConsumer(jsm, stream, 'subs_orders', settledAll(3));
    run.stop();
    const result: FlowRunResult = await run.done;

    const spans = sourceSpans();
    const bySeq = (seq: number) =>
      spans.filter((s) => s.attributes['messaging.nats.stream.sequence'] === seq);
    expect(spans, 'three messages, one of them twice').to.have.length(4);
    expect(bySeq(2).map((s) => s.attributes['messaging.nats.delivery_count'])).to.deep.equal([
      1, 2,
    ]);
    for (const span of spans) {
      expect(span.attributes).to.deep.include({
        'messaging.system': 'nats',
        'messaging.operation.type': 'process',
        'messaging.destination.name': subject,
        'messaging.consumer.group.name': 'subs_orders',
        'messaging.nats.stream': stream,
        'server.address': '127.0.0.1',
        'server.port': server().port,
      });
    }
    // The traced message continues the publisher's trace; the others are roots.
    const first = bySeq(1)[0]!;
    expect(first.spanContext().traceId).to.equal(TRACE_ID);
    expect(first.parentSpanContext?.spanId).to.equal(PARENT_ID);
    expect(bySeq(3)[0]!.parentSpanContext).to.equal(undefined);

    // The check of the first delivery failed after both attempts, the second succeeded.
    const checks = kit
      .spans('task.handle')
      .filter((s) => s.attributes.task === 'check')
      .filter((s) => bySeq(2).some((src) => src.spanContext().traceId === s.spanContext().traceId));
    expect(checks.map((s) => s.status.code)).to.deep.equal([
      SpanStatusCode.ERROR,
      SpanStatusCode.UNSET,
    ]);
    expect(checks[0]!.attributes['flowgen.attempts']).to.equal(2);
    expect(result.stats.check).to.deep.include({ processed: 4, failed: 1 });
    const naks = run.log.lines.filter((l) => l.msg === 'nats message handed back for redelivery');
    expect(naks.map((l) => l.sequence)).to.deep.equal([2]);
  });

  it('terminates a message whose JSON body does not parse: no handler runs, it is never redelivered', async () => {
    const subject = `${stream.toLowerCase()}.bad`;
    await publish(subject, '{"n":', true, false);
    await publish(subject, JSON.stringify({ n: 7 }), true, false);
    const run = start(`
    - nats_subscribe: { name: orders, url: "${server().url}", stream: ${stream}, durable: bad_body, ack_wait: 2s }
    - log: { name: out }
`);
    await untilConsumer(jsm, stream, 'bad_body', settledAll(2));
    run.stop();
    await run.done;
    expect(sourceSpans().map((s) => s.attributes['messaging.nats.stream.sequence'])).to.deep.equal([
      2,
    ]);
    const terminated = run.log.lines.filter((l) => l.msg === 'nats message terminated');
    expect(terminated.map((l) => l.sequence)).to.deep.equal([1]);
    expect((terminated[0]?.err as { type?: string }).type).to.equal('NatsUndecodableError');
  });

  it('keeps a message past ack_wait while its handler works (working()): one delivery, then the ack', async function () {
    this.timeout(30_000);
    const subject = `${stream.toLowerCase()}.slow`;
    await publish(subject, JSON.stringify({ n: 0 }), true, false);
    const run = start(`
    - nats_subscribe: { name: orders, url: "${server().url}", stream: ${stream}, durable: slow, ack_wait: 1s }
    - slow_handler: { name: slow }
`);
    await untilConsumer(jsm, stream, 'slow', settledAll(1));
    run.stop();
    await run.done;
    expect(
      sourceSpans().map((s) => s.attributes['messaging.nats.delivery_count']),
      'never redelivered while it was being handled',
    ).to.deep.equal([1]);
  });

  it('at the shutdown deadline leaves a stuck event unacked and closes its connection; the next worker gets it after ack_wait', async function () {
    this.timeout(30_000);
    await publish(`${stream.toLowerCase()}.stuck`, JSON.stringify({ n: 0 }), true, false);
    const tasks = `
    - nats_subscribe: { name: orders, url: "${server().url}", stream: ${stream}, durable: stuck, ack_wait: 2s }
    - stuck_first_delivery: { name: stuck }
`;
    const first = start(tasks, new CapturedLog('info'), '500ms');
    await until(() => sourceSpans().length === 1);
    const stoppedAt = Date.now();
    first.stop();
    await first.done;
    const closed = () =>
      first.log.lines.find((l) => l.msg === 'nats connection closed' && l.task === 'orders');
    await until(() => closed() !== undefined);
    expect(Date.now() - stoppedAt, 'connection closed soon after the 500ms deadline').to.be.below(
      3_000,
    );
    expect(
      first.log.lines.filter(
        (l) => l.msg === 'nats message left for redelivery at the shutdown deadline',
      ),
    ).to.have.length(1);

    const second = start(tasks);
    await untilConsumer(jsm, stream, 'stuck', settledAll(1), 10_000);
    second.stop();
    await second.done;
    expect(sourceSpans().map((s) => s.attributes['messaging.nats.delivery_count'])).to.deep.equal([
      1, 2,
    ]);
  });

  it('stops before any event when the stream does not exist, naming it', async () => {
    const run = start(`
    - nats_subscribe: { name: orders, url: "${server().url}", stream: MISSING }
    - log: { name: out }
`);
    const error = await run.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(TaskFailedError);
    const cause = (error as TaskFailedError).failures[0]?.error;
    expect(cause).to.be.instanceOf(NatsStreamMissingError);
    expect((cause as Error).message).to.include('stream "MISSING" does not exist');
  });

  it('rejects max_ack_pending below batch and a too short ack_wait before start', async () => {
    const run = start(`
    - nats_subscribe: { name: orders, url: "${server().url}", stream: S, batch: 8, max_ack_pending: 4, ack_wait: 100ms }
    - log: { name: out }
`);
    const text = String(await run.done.catch((e: unknown) => e));
    expect(text).to.match(/max_ack_pending.*must be at least batch \(8\)/);
    expect(text).to.match(/ack_wait.*at least 1s/);
  });
});

describe('connectors: nats_subscribe when the server goes away mid-run', () => {
  it('reconnects, counts it, and goes on handling messages; the worker never stops', async function () {
    this.timeout(60_000);
    const server = await NatsServer.start();
    const kit = TestTelemetry.create();
    const log = new CapturedLog('info');
    const controller = new AbortController();
    let nc: NatsConnection | undefined;
    try {
      nc = await connectNats({
        servers: server.url,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 100,
      });
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'AWAY', subjects: ['away.>'] });
      const done = runFlow({
        flow: parseFlow(
          `flow:
  name: away
  tasks:
    - nats_subscribe: { name: orders, url: "${server.url}", stream: AWAY, ack_wait: 2s }
    - log: { name: out }
`,
          'away.yaml',
        ),
        worker: loadWorkerConfig({}),
        container: kit.container,
        telemetry: kit.handle,
        logger: log.logger,
        signal: controller.signal,
      });
      const js = jetstream(nc);
      await js.publish('away.x', JSON.stringify({ n: 0 }));
      await untilConsumer(jsm, 'AWAY', 'away_orders', settledAll(1));

      await server.kill();
      await server.restart();
      const reconnected = (): Record<string, unknown>[] =>
        log.lines.filter((l) => l.msg === 'nats reconnected' && l.task === 'orders');
      for (let i = 0; i < 300 && reconnected().length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(reconnected(), log.text).to.have.length(1);
      expect(reconnected()[0]?.reconnects).to.equal(1);
      expect(
        log.lines.filter(
          (l) => l.msg === 'nats connection lost; reconnecting' && l.task === 'orders',
        ),
      ).to.have.length(1);
      await publishWithRetry(js, 'away.x', JSON.stringify({ n: 1 }));
      await untilConsumer(jsm, 'AWAY', 'away_orders', settledAll(2), 30_000);
      controller.abort();
      await done;
      // At least once: an ack the killed server had not yet stored is redelivered.
      const sequences = kit
        .spans('task.handle')
        .filter((s) => s.attributes.task === 'orders')
        .map((s) => s.attributes['messaging.nats.stream.sequence']);
      expect([...new Set(sequences)].sort()).to.deep.equal([1, 2]);
    } finally {
      controller.abort();
      await nc?.close();
      await kit.shutdown();
      await server.stop();
    }
  });
});
