/*
 * What users put in events, span attributes and auth headers stays out of
 * what flowgen exports and prints: payloads (huge, binary, or holding
 * secrets) never reach a span, a metric point or a default-level log line;
 * attribute values OTel cannot carry are dropped or cut, never thrown; OTLP
 * header values never reach a log line or an error message.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { diag } from '@opentelemetry/api';
import { loggingErrorHandler, setGlobalErrorHandler } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { container as rootContainer } from 'tsyringe';
import { installTelemetryWarnings } from '../../src/cli/telemetry-warnings';
import { OtlpReceiver } from '../../src/collector/otlp-receiver';
import { loadWorkerConfig } from '../../src/config/worker-config';
import { BUILTIN_TASKS } from '../../src/connectors/builtin-tasks';
import { FlowgenError } from '../../src/errors/flowgen-error';
import { Handler } from '../../src/decorators/handler.decorator';
import { Task } from '../../src/decorators/task.decorator';
import { FlowEvent } from '../../src/runtime/event';
import { parseFlow } from '../../src/runtime/flow-loader';
import { planFlow } from '../../src/runtime/flow-plan';
import { runFlow } from '../../src/run-flow';
import { registerTaskClasses } from '../../src/runtime/task-registry';
import { MAX_ATTRIBUTE_LENGTH } from '../../src/telemetry/attribute-values';
import type { ConnectorAttributes } from '../../src/telemetry/attribute-values';
import { createLogger, resetLogger, setLogger } from '../../src/telemetry/logger';
import { setSpanAttributes } from '../../src/telemetry/task-spans';
import { setTelemetryFailureListener } from '../../src/telemetry/telemetry-failure';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { PayloadSink, PayloadSource } from './fixtures/payload-source';

const MIB = 1024 * 1024;

/** A marker no code path would make up: finding it anywhere means it leaked. */
function marker(label: string): string {
  return `LEAK-${label}-${randomBytes(8).toString('hex')}`;
}

/** A log destination that keeps every line written. */
class LineCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    for (const line of String(chunk).split('\n')) if (line !== '') this.lines.push(line);
    done();
  }
  text(): string {
    return this.lines.join('\n');
  }
}

/** Everything a span exports: name, attributes, events, links, status, resource. */
function serializeSpan(span: ReadableSpan): string {
  return JSON.stringify({
    name: span.name,
    attributes: span.attributes,
    events: span.events,
    links: span.links,
    status: span.status,
    resource: span.resource.attributes,
    scope: span.instrumentationScope,
  });
}

async function exportedText(kit: TestTelemetry): Promise<string> {
  const spans = kit.spans().map(serializeSpan);
  const points = (await kit.metricPoints()).map((p) => JSON.stringify(p));
  return [...spans, ...points].join('\n');
}

const FLOW = `
flow:
  name: secrets
  tasks:
    - payload_source: { name: src }
    - script: { name: touch, code: "if (event.data && event.data.fail === true) throw new Error('refused by script'); event" }
    - log: { name: audit }
    - payload_sink: { name: sink }
`;

describe('reliability: no payload, attribute or header secret leaks', () => {
  let capture: LineCapture;
  beforeEach(() => {
    capture = new LineCapture();
    setLogger(createLogger({ destination: capture, level: 'info', format: 'json' }));
    PayloadSink.received = 0;
  });
  afterEach(() => {
    resetLogger();
    PayloadSource.payloads = [];
  });

  describe('payloads', () => {
    let kit: TestTelemetry;
    beforeEach(() => {
      kit = TestTelemetry.create();
    });
    afterEach(() => kit.shutdown());

    function run(flow = FLOW) {
      return runFlow({
        flow: parseFlow(flow, 'secrets.yaml'),
        worker: loadWorkerConfig({ retry: { max_attempts: 1 } }),
        container: kit.container,
        telemetry: kit.handle,
        taskClasses: [PayloadSource, PayloadSink],
      });
    }

    it('oversized (5 MiB), binary and secret-holding payloads reach no span, metric point or info log line', async () => {
      const secret = marker('payload');
      const binary = randomBytes(256 * 1024);
      Buffer.from(secret).copy(binary, 100_000);
      PayloadSource.payloads = [
        `${secret}${'x'.repeat(5 * MIB)}${secret}`,
        binary,
        { user: 'ada', password: secret, nested: { token: secret, list: [secret, 1] } },
        `Bearer ${secret}`,
        { fail: true, secret },
        [secret, { deep: [[secret]] }],
      ];
      const result = await run();
      expect(result.stats['touch']).to.deep.equal({ processed: 6, failed: 1, emitted: 5 });
      expect(PayloadSink.received).to.equal(5);

      // The paths ran: spans, metrics and log lines were made.
      expect(kit.spans('task.handle')).to.have.length(6 + 6 + 5 + 5);
      expect(await kit.metricValue('task.handle.errors', { task: 'touch' })).to.equal(1);
      const audit = capture.lines.filter((l) => l.includes('"msg":"event"'));
      expect(audit).to.have.length(5);
      expect(capture.text()).to.include('refused by script');

      expect(await exportedText(kit)).to.not.include(secret);
      expect(capture.text()).to.not.include(secret);
      // Byte counts, not bodies: no exported string is anywhere near the payload size.
      const longest = Math.max(...(await exportedText(kit)).split('\n').map((l) => l.length));
      expect(longest).to.be.below(64 * 1024);
    });

    it('control: the same marker is found when a log task is asked for payloads (the check can see a leak)', async () => {
      const secret = marker('control');
      PayloadSource.payloads = [{ note: secret }];
      await run(
        FLOW.replace('log: { name: audit }', 'log: { name: audit, include_payload: true }'),
      );
      expect(capture.text()).to.include(secret);
      expect(await exportedText(kit)).to.not.include(secret);
    });

    it('handler attribute values OTel cannot carry are dropped or cut, never thrown', async () => {
      const secret = marker('attr');
      @Task({ type: 'attr_abuser' })
      class AttrAbuser {
        @Handler()
        handle(event: FlowEvent): string {
          const bad: Record<string, unknown> = {
            object: { password: secret },
            fn: () => secret,
            symbol: Symbol(secret),
            nan: Number.NaN,
            infinity: Number.POSITIVE_INFINITY,
            bigint: 10n ** 30n,
            huge: `${'h'.repeat(100_000)}${secret}`,
            mixed: ['a', 1, true],
            objects: [{ secret }],
            nested: [['a'], ['b']],
            date: new Date(0),
            buffer: Buffer.from(secret),
            map: new Map([[secret, secret]]),
            '': 'empty key',
            ok_string: 'kept',
            ok_number: 42,
            ok_bool: false,
            ok_list: ['a', 'b'],
            ok_holes: ['a', null, 'b'],
          };
          setSpanAttributes(bad as unknown as ConnectorAttributes);
          setSpanAttributes(null as unknown as ConnectorAttributes);
          setSpanAttributes(undefined as unknown as ConnectorAttributes);
          return `handled ${event.id}`;
        }
      }
      const task = kit.container.resolve(AttrAbuser);
      const event = FlowEvent.create({ n: 1 });
      expect(task.handle(event)).to.equal(`handled ${event.id}`);
      const span = kit.span('task.handle');
      const attrs = span.attributes;
      for (const dropped of [
        'object',
        'fn',
        'symbol',
        'nan',
        'infinity',
        'bigint',
        'mixed',
        'objects',
        'nested',
        'date',
        'buffer',
        'map',
        '',
      ]) {
        expect(attrs, dropped).to.not.have.property(dropped);
      }
      expect(attrs['huge']).to.be.a('string');
      expect(attrs['huge']).to.have.length(MAX_ATTRIBUTE_LENGTH);
      expect(attrs).to.deep.include({
        ok_string: 'kept',
        ok_number: 42,
        ok_bool: false,
        ok_list: ['a', 'b'],
        ok_holes: ['a', null, 'b'],
      });
      expect(serializeSpan(span)).to.not.include(secret);
      expect(span.status.code).to.not.equal(2);
    });
  });

  describe('OTLP header values (OTEL_EXPORTER_OTLP_HEADERS)', () => {
    const saved: Record<string, string | undefined> = {};
    const ENV = [
      'OTEL_EXPORTER_OTLP_HEADERS',
      'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
      'OTEL_EXPORTER_OTLP_METRICS_HEADERS',
    ];
    let previousListener: ReturnType<typeof setTelemetryFailureListener>;
    beforeEach(() => {
      for (const key of ENV) saved[key] = process.env[key];
      previousListener = setTelemetryFailureListener(undefined);
    });
    afterEach(() => {
      for (const key of ENV) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
      setTelemetryFailureListener(previousListener);
      setGlobalErrorHandler(loggingErrorHandler());
      diag.disable();
    });

    it('never appear in log lines while exports to a closed port fail and are warned about', async () => {
      const apiKey = marker('apikey');
      const token = marker('token');
      const tracesKey = marker('traces');
      process.env['OTEL_EXPORTER_OTLP_HEADERS'] =
        `x-api-key=${apiKey},authorization=Bearer%20${token}`;
      process.env['OTEL_EXPORTER_OTLP_TRACES_HEADERS'] = `x-honeycomb-team=${tracesKey}`;
      const port = await closedPort();
      installTelemetryWarnings(1);
      const worker = loadWorkerConfig({
        telemetry: {
          enabled: true,
          otlp_endpoint: `http://127.0.0.1:${port}`,
          service_name: 'secrets',
          metrics_export_interval: '100ms',
          batch: { scheduled_delay: '20ms', export_timeout: '200ms' },
        },
        retry: { max_attempts: 1 },
      });
      const started = Date.now();
      await runFlow({
        flow: parseFlow(`
flow:
  name: headers
  tasks:
    - generate: { name: tick, interval: 30ms, count: 10 }
    - log: { name: out }
`),
        worker,
        providers: {
          shutdownTimeoutMs: 1500,
          exportRetry: { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 },
        },
      });
      expect(Date.now() - started).to.be.below(10_000);
      const text = capture.text();
      // The failure path ran: the exports failed and were warned about.
      const warnings = capture.lines.filter((l) => l.includes('"level":40'));
      expect(warnings.length, text).to.be.greaterThan(0);
      for (const secret of [apiKey, token, tracesKey]) {
        expect(text).to.not.include(secret);
      }
    });

    it('are really sent (so the checks above are not vacuous), and still never logged', async () => {
      const apiKey = marker('sent');
      process.env['OTEL_EXPORTER_OTLP_HEADERS'] = `x-api-key=${apiKey}`;
      installTelemetryWarnings(1);
      const receiver = await OtlpReceiver.start({ port: 0 });
      try {
        await runFlow({
          flow: parseFlow(
            'flow:\n  name: sent\n  tasks:\n    - generate: { name: tick, interval: 1ms, count: 2 }\n',
          ),
          worker: loadWorkerConfig({
            telemetry: { enabled: true, otlp_endpoint: receiver.endpoint, service_name: 'sent' },
          }),
          providers: { shutdownTimeoutMs: 3000 },
        });
        const calls = receiver.exportCalls();
        expect(calls.length).to.be.greaterThan(0);
        expect(calls.every((c) => c.metadata['x-api-key'] === apiKey)).to.equal(true);
      } finally {
        await receiver.stop();
      }
      expect(capture.text()).to.not.include(apiKey);
    });

    it('never appear in a ConfigError, whatever key or value they are put under', () => {
      const secrets = Array.from({ length: 10 }, (_, i) => marker(`cfg${i}`));
      const [s0, s1, s2, s3, s4, s5, s6, s7, s8, s9] = secrets;
      const bad: [string, unknown][] = [
        ['bearer value in a wrong-typed field', { telemetry: { enabled: `Bearer ${s0}` } }],
        [
          'password in the endpoint URL',
          { telemetry: { enabled: true, otlp_endpoint: `https://user:${s1}@collector:4317` } },
        ],
        [
          'headers block put in the YAML (unknown key)',
          { telemetry: { enabled: true, headers: { 'x-api-key': s2 } } },
        ],
        ['api_key at the top (unknown key)', { api_key: s3 }],
        ['token in a wrong-typed field', { shutdown_timeout: `token ${s4}` }],
        ['basic auth in a wrong-typed field', { handler_timeout: `Basic ${s5}` }],
        [
          'authorization under telemetry (unknown key)',
          { telemetry: { enabled: true, authorization: s6 } },
        ],
        ['secret-named key with a wrong value', { retry: { api_key: { value: s7 } } }],
      ];
      for (const [title, raw] of bad) {
        const message = configErrorMessage(() => loadWorkerConfig(raw));
        for (const secret of secrets)
          expect(message, `${title}: ${message}`).to.not.include(secret);
      }
      const flows: [string, string][] = [
        [
          'http_request header value with a line break',
          `- http_request: { name: call, url: "https://api.example.com", headers: { authorization: "Bearer ${s8}\\r\\n" } }`,
        ],
        [
          'http_request headers written as one string',
          `- http_request: { name: call, url: "https://api.example.com", headers: "Authorization: Bearer ${s9}" }`,
        ],
      ];
      for (const [title, task] of flows) {
        const yaml = `flow:\n  name: f\n  tasks:\n    - generate: { name: src, count: 1 }\n    ${task}\n`;
        const message = flowConfigErrorMessage(yaml);
        for (const secret of secrets)
          expect(message, `${title}: ${message}`).to.not.include(secret);
      }
    });

    it('a token in the query of a rejected URL is not printed in the ConfigError', () => {
      const secret = marker('query');
      const message = configErrorMessage(() =>
        loadWorkerConfig({
          telemetry: { enabled: true, otlp_endpoint: `https://collector:4317/?api_key=${secret}` },
        }),
      );
      expect(message).to.include('telemetry.otlp_endpoint');
      expect(message).to.not.include(secret);
    });
  });
});

function configErrorMessage(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    expect(error).to.be.instanceOf(FlowgenError);
    return (error as Error).message;
  }
  return expect.fail('the config was accepted');
}

/** The ConfigError of a flow whose task config is bad: planFlow checks it, as runFlow does first. */
function flowConfigErrorMessage(yaml: string): string {
  const child = rootContainer.createChildContainer();
  registerTaskClasses(child, BUILTIN_TASKS);
  return configErrorMessage(() => planFlow(parseFlow(yaml, 'f.yaml'), child, loadWorkerConfig({})));
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
