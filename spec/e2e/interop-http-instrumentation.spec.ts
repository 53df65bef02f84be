import * as path from 'node:path';
import { expect } from 'chai';
import type { ReceivedSpan } from '../../src/collector/received-types';
import { processScene } from './support/process-scene';
import { CLI_PATH, REPO_ROOT, freePort } from './support/spawn-worker';

/* OTLP span kinds on the wire. */
const SERVER = 2;
const CLIENT = 3;

/*
 * How a user loads an instrumentation library: a file given to
 * `node --require`, so `http` is patched before the worker loads it. It
 * traces through the global tracer provider, which `flowgen run` sets to
 * the worker's own.
 */
const INSTRUMENT = `
const { HttpInstrumentation } = require(${JSON.stringify(
  path.join(REPO_ROOT, 'node_modules', '@opentelemetry', 'instrumentation-http'),
)});
new HttpInstrumentation();
`;

describe('e2e: @opentelemetry/instrumentation-http spans join the flow (real child process)', () => {
  const scene = processScene('flowgen-e2e-interop-');
  const { pool } = scene;

  it('@slow the HTTP client span is a child of task.handle, the server span is in its trace, both exported with the flow service.name', async function () {
    this.timeout(20_000);
    const receiver = await scene.startReceiver();
    const port = await freePort();
    const worker = scene.dir.fixture(
      'workers/telemetry.yaml',
      { ENDPOINT: receiver.endpoint, SERVICE: 'interop-svc', SHUTDOWN_TIMEOUT: '5s' },
      'worker.yaml',
    );
    const flow = scene.dir.fixture('flows/interop-http.yaml', { PORT: port });
    const instrument = scene.dir.write('instrument.js', INSTRUMENT);
    const proc = pool.spawn(['--require', instrument, CLI_PATH, 'run', flow, '--config', worker], {
      command: process.execPath,
      label: 'instrumented worker',
    });
    await proc.waitForLog((l) => l.msg === 'event' && l.task === 'out', 10_000, 'the event logged');
    proc.signal('SIGTERM');
    const exit = await proc.waitForExit(8_000);
    expect(exit, proc.describe()).to.include({ code: 0, signal: null });

    const spans = await receiver.waitForSpans(
      (all) => all.some((s) => s.name === 'task_manager.shutdown'),
      3_000,
    );
    const handle = (task: string): ReceivedSpan[] =>
      spans.filter((s) => s.name === 'task.handle' && s.attributes.task === task);
    const [call] = handle('call').filter((s) => s.attributes['http.response.status_code'] === 200);
    expect(call, 'the http_request task.handle that got a 200').to.not.equal(undefined);

    const http = spans.filter((s) => s.scope.name === '@opentelemetry/instrumentation-http');
    const client = http.find((s) => s.kind === CLIENT && s.parentSpanId === call!.spanId);
    expect(client, 'an HTTP client span, child of the task.handle that sent it').to.not.equal(
      undefined,
    );
    expect(client!.traceId).to.equal(call!.traceId);
    expect(client!.name).to.equal('POST');
    const server = http.find((s) => s.kind === SERVER && s.traceId === call!.traceId);
    expect(server, 'the HTTP server span, in the same trace').to.not.equal(undefined);
    expect(server!.parentSpanId, 'the server continues the client span').to.equal(client!.spanId);
    const [inbox] = handle('inbox');
    expect(inbox?.traceId, "the endpoint's task.handle continues the same trace").to.equal(
      call!.traceId,
    );
    for (const span of [client!, server!, call!]) {
      expect(span.resource['service.name'], span.name).to.equal('interop-svc');
    }
  });
});
