/*
 * nats_publish on a real nats-server (started once for this file): PubAck
 * awaited per event, stream sequence and dedup on the span, trace context in
 * the message headers, bad config and missing streams refused at start.
 */
import { expect } from 'chai';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { SpanStatusCode } from '@opentelemetry/api';
import { ConfigError } from '../../src/config/config-error';
import { loadWorkerConfig } from '../../src/config/worker-config';
import { NatsConnectError, NatsStreamMissingError } from '../../src/connectors/nats-errors';
import { parseFlow } from '../../src/runtime/flow-loader';
import { runFlow } from '../../src/run-flow';
import { TaskFailedError } from '../../src/runtime/task-failed-error';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { NatsServer, natsServerPerFile } from '../e2e/support/nats-server';
import { connectNats } from '../../src/connectors/nats-client';
import { freePort } from '../e2e/support/spawn-worker';
import { CapturedLog } from './task-harness';
import { until } from '../support/until';

describe('connectors: nats_publish (real nats-server)', () => {
  const server = natsServerPerFile();
  let kit: TestTelemetry;
  let nc: NatsConnection;
  let stream = '';
  let n = 0;
  beforeEach(async () => {
    kit = TestTelemetry.create();
    nc = await connect({ servers: server().url });
    stream = `PUB${++n}`;
  });
  afterEach(async () => {
    await nc.close();
    await kit.shutdown();
  });

  function run(tasks: string, log = new CapturedLog('info')) {
    return runFlow({
      flow: parseFlow(`flow:\n  name: pub\n  tasks:\n${tasks}`, 'pub.yaml'),
      worker: loadWorkerConfig({ retry: { max_attempts: 2, initial_backoff: '10ms' } }),
      container: kit.container,
      telemetry: kit.handle,
      logger: log.logger,
    });
  }

  it('publishes each event, awaits its PubAck, and records the semantic-convention attributes with the stream sequence', async () => {
    await run(`
    - generate: { name: ticks, interval: 1ms, count: 3, payload: { kind: order } }
    - nats_publish:
        name: publish
        url: "${server().url}"
        subject: ${stream.toLowerCase()}.created
        stream: { name: ${stream}, subjects: ["${stream.toLowerCase()}.>"], create: true }
`);
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream);
    expect(info.state.messages).to.equal(3);

    const spans = kit.spans('task.handle').filter((s) => s.attributes.task === 'publish');
    expect(spans).to.have.length(3);
    const ticks = kit.spans('task.handle').filter((s) => s.attributes.task === 'ticks');
    for (const [i, span] of spans.entries()) {
      expect(span.status.code).to.equal(SpanStatusCode.UNSET);
      expect(span.attributes).to.deep.include({
        'messaging.system': 'nats',
        'messaging.operation.type': 'send',
        'messaging.destination.name': `${stream.toLowerCase()}.created`,
        'server.address': '127.0.0.1',
        'server.port': server().port,
        'messaging.nats.stream': stream,
        'messaging.nats.stream.sequence': i + 1,
        'messaging.nats.duplicate': false,
      });
      const body = JSON.stringify({ kind: 'order', n: i });
      expect(span.attributes['messaging.message.body.size']).to.equal(Buffer.byteLength(body));

      // The stored message: body, JSON content type, message id = event id,
      // and the publish span's traceparent (the generate span is its parent).
      const stored = await jsm.streams.getMessage(stream, { seq: i + 1 });
      expect(stored?.string()).to.equal(body);
      expect(stored?.header.get('Content-Type')).to.equal('application/json');
      expect(stored?.header.get('Nats-Msg-Id')).to.equal(span.attributes['messaging.message.id']);
      const { traceId, spanId } = span.spanContext();
      expect(stored?.header.get('traceparent')).to.equal(`00-${traceId}-${spanId}-01`);
      expect(span.parentSpanContext?.spanId).to.equal(ticks[i]?.spanContext().spanId);
    }
  });

  it('(h) the same msg_id published three times leaves one stream message; the repeats are flagged duplicate', async () => {
    await run(`
    - generate: { name: ticks, interval: 1ms, count: 3 }
    - nats_publish:
        name: publish
        url: "${server().url}"
        subject: ${stream.toLowerCase()}.once
        msg_id: "order-{{data.missing}}42"
        stream: { name: ${stream}, create: true }
`);
    const info = await (await jetstreamManager(nc)).streams.info(stream);
    expect(info.state.messages, 'one stored message').to.equal(1);
    const spans = kit.spans('task.handle').filter((s) => s.attributes.task === 'publish');
    expect(spans.map((s) => s.attributes['messaging.message.id'])).to.deep.equal([
      'order-42',
      'order-42',
      'order-42',
    ]);
    expect(spans.map((s) => s.attributes['messaging.nats.duplicate'])).to.deep.equal([
      false,
      true,
      true,
    ]);
    expect(spans.map((s) => s.attributes['messaging.nats.stream.sequence'])).to.deep.equal([
      1, 1, 1,
    ]);
  });

  it('stops before any event when the stream is missing and create is off, naming the stream and the fix', async () => {
    const error = await run(`
    - generate: { name: ticks, interval: 1ms, count: 1 }
    - nats_publish: { name: publish, url: "${server().url}", subject: nowhere.x, stream: { name: NOPE } }
`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(TaskFailedError);
    const cause = (error as TaskFailedError).failures[0]?.error;
    expect(cause).to.be.instanceOf(NatsStreamMissingError);
    expect(String((cause as Error).message)).to.match(
      /stream "NOPE" does not exist.*stream\.create: true/,
    );
    expect(kit.spans('task.handle').filter((s) => s.attributes.task === 'publish')).to.have.length(
      0,
    );
  });

  it('stops at start with NatsConnectError when no server listens at url', async () => {
    const port = await freePort();
    const error = await run(`
    - generate: { name: ticks, interval: 1ms, count: 1 }
    - nats_publish: { name: publish, url: "nats://u:secret@127.0.0.1:${port}", subject: a.b }
`).then(
      () => undefined,
      (e: unknown) => e,
    );
    const cause = (error as TaskFailedError).failures[0]?.error;
    expect(cause).to.be.instanceOf(NatsConnectError);
    expect((cause as NatsConnectError).code).to.equal('FLOWGEN_NATS_CONNECT');
    expect((cause as Error).message).to.include(`nats://127.0.0.1:${port}`);
    expect((cause as Error).message).not.to.include('secret');
  });

  it('rejects a wildcard subject, a bad url and a duration without unit before anything starts', async () => {
    const error = await run(`
    - generate: { name: ticks, count: 1 }
    - nats_publish: { name: publish, url: "http://127.0.0.1:1", subject: "a.*", ack_timeout: 5 }
`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(ConfigError);
    const text = String(error);
    expect(text).to.match(/url.*nats:\/\/127\.0\.0\.1:4222/);
    expect(text).to.match(/subject.*without wildcards/);
    expect(text).to.match(/ack_timeout/);
  });
});

describe('connectors: nats_publish when the server goes away mid-run', () => {
  it('reconnects and counts it; events in the gap are retried and stored; the flow never fails', async function () {
    this.timeout(60_000);
    const server = await NatsServer.start();
    const kit = TestTelemetry.create();
    const log = new CapturedLog('info');
    const controller = new AbortController();
    let nc: NatsConnection | undefined;
    try {
      const done = runFlow({
        flow: parseFlow(
          `flow:
  name: gap
  tasks:
    - generate: { name: ticks, interval: 100ms }
    - nats_publish:
        name: publish
        url: "${server.url}"
        subject: gap.x
        ack_timeout: 1s
        stream: { name: GAP, create: true }
`,
          'gap.yaml',
        ),
        worker: loadWorkerConfig({
          retry: { max_attempts: 30, initial_backoff: '100ms', max_backoff: '500ms' },
        }),
        container: kit.container,
        telemetry: kit.handle,
        logger: log.logger,
        signal: controller.signal,
      });
      const published = (): number =>
        kit.spans('task.handle').filter((s) => s.attributes.task === 'publish').length;
      await until(() => published() >= 3);
      await server.kill();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await server.restart();
      const before = published();
      await until(() => published() >= before + 3, 30_000);
      controller.abort();
      const result = await done;

      const lines = log.lines.filter((l) => l.task === 'publish');
      expect(lines.filter((l) => l.msg === 'nats connection lost; reconnecting')).to.have.length(1);
      expect(lines.filter((l) => l.msg === 'nats reconnected')[0]?.reconnects).to.equal(1);
      expect(result.stats.publish?.failed, 'no event failed for good').to.equal(0);
      // Every handled event is in the stream once (the msg_id dedups retries).
      nc = await connectNats({ servers: server.url });
      const info = await (await jetstreamManager(nc)).streams.info('GAP');
      expect(info.state.messages).to.equal(result.stats.publish?.processed);
      const retried = kit
        .spans('task.handle')
        .filter(
          (s) =>
            s.attributes.task === 'publish' && (s.attributes['flowgen.attempts'] as number) > 1,
        );
      expect(retried.length, 'an event published in the gap was retried').to.be.greaterThan(0);
    } finally {
      controller.abort();
      await nc?.close();
      await kit.shutdown();
      await server.stop();
    }
  });
});
