/*
 * The built-in connectors run by the real runtime (runFlow with the test
 * kit): one trace per event from the source, through script, to an HTTP call
 * that carries it to another server.
 */
import { expect } from 'chai';
import { loadWorkerConfig } from '../../src/config/worker-config';
import { parseFlow } from '../../src/runtime/flow-loader';
import { runFlow } from '../../src/run-flow';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import type { TestServer } from './http-test-server';
import { httpCall, startTestServer } from './http-test-server';
import { CapturedLog } from './task-harness';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';

describe('connectors in a flow (runFlow)', () => {
  let kit: TestTelemetry;
  let server: TestServer;
  beforeEach(async () => {
    kit = TestTelemetry.create();
    server = await startTestServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ stored: JSON.parse(req.body) as unknown }));
    });
  });
  afterEach(async () => {
    await server.close();
    await kit.shutdown();
  });

  function run(yaml: string, signal?: AbortSignal, log = new CapturedLog('info')) {
    return runFlow({
      flow: parseFlow(yaml, 'connectors.yaml'),
      worker: loadWorkerConfig({}),
      container: kit.container,
      telemetry: kit.handle,
      logger: log.logger,
      signal,
    });
  }

  it('generate -> script -> log -> http_request: one trace per event, carried to the server', async () => {
    await run(`
flow:
  name: demo
  tasks:
    - generate: { name: ticks, interval: 1ms, count: 3, payload: { source: demo } }
    - script: { name: double, code: "event.data.total = event.data.n * 2; event" }
    - log: { name: audit }
    - http_request: { name: store, url: "${server.url('/store')}" }
`);
    expect(server.requests.map((r) => JSON.parse(r.body) as unknown)).to.deep.equal([
      { source: 'demo', n: 0, total: 0 },
      { source: 'demo', n: 1, total: 2 },
      { source: 'demo', n: 2, total: 4 },
    ]);
    const handles = kit.spans('task.handle');
    expect(handles).to.have.length(12);
    for (const req of server.requests) {
      const [, traceId, parentId] = String(req.headers.traceparent).split('-');
      const trace = handles.filter((s) => s.spanContext().traceId === traceId);
      const [ticks, double, audit, store] = ['ticks', 'double', 'audit', 'store'].map((t) =>
        trace.find((s) => s.attributes.task === t),
      );
      expect(ticks?.parentSpanContext).to.equal(undefined);
      expect(double?.parentSpanContext?.spanId).to.equal(ticks?.spanContext().spanId);
      expect(audit?.parentSpanContext?.spanId).to.equal(double?.spanContext().spanId);
      expect(store?.parentSpanContext?.spanId).to.equal(audit?.spanContext().spanId);
      expect(parentId).to.equal(store?.spanContext().spanId);
      expect(store?.attributes['http.response.status_code']).to.equal(200);
    }
  });

  it('http_endpoint -> script -> http_request continues the caller trace, and stops on abort', async () => {
    const controller = new AbortController();
    const log = new CapturedLog('info');
    const done = run(
      `
flow:
  name: relay
  tasks:
    - http_endpoint: { name: in, port: 0, path: /in }
    - script: { name: tag, code: "event.data.tagged = true; event" }
    - http_request: { name: out, url: "${server.url('/out')}" }
`,
      controller.signal,
      log,
    );
    const port = await loggedPort(log);
    const res = await httpCall(`http://127.0.0.1:${port}/in`, {
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`,
      },
      body: JSON.stringify({ order: 'A7' }),
    });
    expect(res.status).to.equal(200);
    // Wait for the downstream call.
    for (let i = 0; i < 100 && server.requests.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    controller.abort();
    await done;

    expect(JSON.parse(server.requests[0]?.body ?? '')).to.deep.equal({ order: 'A7', tagged: true });
    const [, traceId] = String(server.requests[0]?.headers.traceparent).split('-');
    expect(traceId).to.equal(TRACE_ID);
    const handles = kit.spans('task.handle');
    const inSpan = handles.find((s) => s.attributes.task === 'in');
    expect(inSpan?.spanContext().traceId).to.equal(TRACE_ID);
    expect(inSpan?.parentSpanContext?.spanId).to.equal(PARENT_ID);
    expect(handles.every((s) => s.spanContext().traceId === TRACE_ID)).to.equal(true);
  });
});

/* The endpoint binds port 0 and logs the port it got. */
async function loggedPort(log: CapturedLog): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const line = log.lines.find(
      (l) => l.msg === 'http endpoint listening' || /listening/.test(String(l.msg)),
    );
    if (typeof line?.port === 'number') return line.port;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`the endpoint did not log its port; log: ${log.text}`);
}
