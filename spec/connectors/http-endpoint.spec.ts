import net from 'node:net';
import { expect } from 'chai';
import type { HttpEndpointConfig } from '../../src/connectors/http-endpoint-config';
import { HttpEndpointTask } from '../../src/connectors/http-endpoint.task';
import { HttpListenError } from '../../src/connectors/http-errors';
import type { FlowEvent } from '../../src/runtime/event';
import { WorkerStoppingError } from '../../src/runtime/worker-stopping-error';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { httpCall } from './http-test-server';
import type { Harness, HarnessOptions } from './task-harness';
import { configErrorFor, configFor, startTask } from './task-harness';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

describe('connectors: http_endpoint', () => {
  let kit: TestTelemetry;
  let h: Harness<HttpEndpointTask, HttpEndpointConfig> | undefined;
  let running: Promise<void> | undefined;

  beforeEach(() => {
    kit = TestTelemetry.create();
  });
  afterEach(async () => {
    await h?.stop();
    h = undefined;
    running = undefined;
    await kit.shutdown();
  });

  async function endpoint(
    config: Record<string, unknown> = {},
    options: HarnessOptions = {},
  ): Promise<Harness<HttpEndpointTask, HttpEndpointConfig>> {
    h = await startTask<HttpEndpointTask, HttpEndpointConfig>(kit, HttpEndpointTask, {
      name: 'orders-in',
      id: 0,
      config: { port: 0, path: '/orders', ...config },
      ...options,
    });
    running = h.run();
    return h;
  }

  function url(path = '/orders'): string {
    return `http://127.0.0.1:${h?.task.port}${path}`;
  }

  describe('config', () => {
    it('defaults host 127.0.0.1, port 8080, path / and a 1 MiB body limit', () => {
      const config = configFor<HttpEndpointConfig>(HttpEndpointTask, {});
      expect({ ...config }).to.deep.equal({
        host: '127.0.0.1',
        port: 8080,
        path: '/',
        max_body_bytes: 1048576,
      });
    });

    it('rejects a port out of range, a path without /, a zero limit and unknown keys', () => {
      for (const port of [-1, 65536, 80.5, '8080']) {
        expect(configErrorFor(HttpEndpointTask, { port }).issues[0]?.path).to.equal(
          'tasks[0].config.port',
        );
      }
      expect(configErrorFor(HttpEndpointTask, { path: 'orders' }).message).to.contain(
        'tasks[0].config.path: got "orders"; must start with /',
      );
      expect(configErrorFor(HttpEndpointTask, { max_body_bytes: 0 }).issues[0]?.path).to.equal(
        'tasks[0].config.max_body_bytes',
      );
      expect(configErrorFor(HttpEndpointTask, { prot: 1 }).message).to.contain(
        'did you mean "port"',
      );
    });
  });

  it('listens on a free port when port is 0', async () => {
    const e = await endpoint();
    expect(e.task.port).to.be.above(0);
    expect(e.task.listening).to.equal(true);
  });

  it('continues the caller trace: a POST with traceparent gives a task.handle child of it', async () => {
    const e = await endpoint();
    const res = await httpCall(url(), {
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`,
        tracestate: 'vendor=abc',
        'x-request-id': 'req-77',
      },
      body: JSON.stringify({ order: 'A7' }),
    });
    expect(res.status).to.equal(200);
    const body = res.json() as { id: string; result: unknown };
    expect(body.result).to.deep.equal({ order: 'A7' });
    expect(body.id).to.equal(e.pushed[0]?.id);

    const pushed = e.pushed[0] as FlowEvent;
    expect(pushed.data).to.deep.equal({ order: 'A7' });
    expect(pushed.metadata).to.include({
      'content-type': 'application/json',
      'x-request-id': 'req-77',
    });
    expect(pushed.spanContext?.isRemote).to.equal(true);

    const span = kit.span('task.handle');
    expect(span.spanContext().traceId).to.equal(TRACE_ID);
    expect(span.parentSpanContext?.spanId).to.equal(PARENT_ID);
    expect(span.spanContext().traceState?.get('vendor')).to.equal('abc');
    expect(span.attributes).to.deep.include({
      task: 'orders-in',
      task_id: 0,
      task_type: 'http_endpoint',
      'http.request.method': 'POST',
      'url.path': '/orders',
      'http.request.body.size': Buffer.byteLength('{"order":"A7"}'),
      'http.request.id': 'req-77',
      'client.address': '127.0.0.1',
    });
    expect(span.attributes['http.request.body.size']).to.be.a('number');
  });

  it('starts a new trace per request without traceparent; text bodies stay text', async () => {
    const e = await endpoint();
    const a = await httpCall(url(), { method: 'PUT', body: 'hello' });
    const b = await httpCall(url('/orders?ignored=1'), { body: 'world' });
    expect(a.json()).to.deep.include({ result: 'hello' });
    expect(b.json()).to.deep.include({ result: 'world' });
    expect(e.pushed.map((p) => p.data)).to.deep.equal(['hello', 'world']);
    const spans = kit.spans('task.handle');
    expect(spans).to.have.length(2);
    for (const span of spans) expect(span.parentSpanContext).to.equal(undefined);
    expect(spans[0]?.spanContext().traceId).not.to.equal(spans[1]?.spanContext().traceId);
    expect(spans[0]?.attributes['http.request.method']).to.equal('PUT');
  });

  it('answers 404, 405, 413 and 400 without pushing anything', async () => {
    const e = await endpoint({ max_body_bytes: 16 });
    const notFound = await httpCall(url('/other'), { body: '{}' });
    expect(notFound.status).to.equal(404);
    const wrongMethod = await httpCall(url(), { method: 'GET' });
    expect(wrongMethod.status).to.equal(405);
    expect(wrongMethod.headers.allow).to.equal('POST, PUT');
    const tooLarge = await httpCall(url(), { body: 'x'.repeat(100) });
    expect(tooLarge.status).to.equal(413);
    const badJson = await httpCall(url(), {
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(badJson.status).to.equal(400);
    expect(e.pushed).to.have.length(0);
    expect(kit.spans('task.handle')).to.have.length(0);
  });

  it('answers 413 for a body over the limit sent without content-length (chunked)', async () => {
    const e = await endpoint({ max_body_bytes: 16 });
    const res = await new Promise<number>((resolve, reject) => {
      const req = net.connect(e.task.port, '127.0.0.1', () => {
        req.write(
          'POST /orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
            `40\r\n${'y'.repeat(64)}\r\n`,
        );
      });
      let text = '';
      req.on('data', (c: Buffer) => {
        text += c.toString();
        const status = /^HTTP\/1\.1 (\d+)/.exec(text)?.[1];
        if (status !== undefined) {
          resolve(Number(status));
          req.destroy();
        }
      });
      req.on('error', reject);
    });
    expect(res).to.equal(413);
    expect(e.pushed).to.have.length(0);
  });

  it('answers 500 with the error message when the event fails after retries', async () => {
    const e = await endpoint(
      {},
      {
        push: async () => {
          throw new Error('enrich failed after 3 attempts');
        },
      },
    );
    const res = await httpCall(url(), { body: 'x' });
    expect(res.status).to.equal(500);
    const body = res.json() as { id: string; error: string };
    expect(body.error).to.equal('enrich failed after 3 attempts');
    expect(body.id).to.be.a('string');
    expect(e.task.listening).to.equal(true);
  });

  it('answers 503 when the worker is no longer taking events', async () => {
    await endpoint(
      {},
      {
        push: async () => {
          throw new WorkerStoppingError('orders-in');
        },
      },
    );
    const res = await httpCall(url(), { body: 'x' });
    expect(res.status).to.equal(503);
  });

  it('stops cleanly on abort: run resolves, the server is closed, new connections are refused', async () => {
    const e = await endpoint();
    const port = e.task.port;
    // An in-flight request is finished before the server closes.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = await startTask<HttpEndpointTask, HttpEndpointConfig>(kit, HttpEndpointTask, {
      config: { port: 0, path: '/orders' },
      push: async (event, next) => {
        await gate;
        return next(event);
      },
    });
    const slowRun = slow.run();
    const inFlight = httpCall(`http://127.0.0.1:${slow.task.port}/orders`, { body: 'late' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    slow.controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(slow.task.listening).to.equal(false);
    release();
    expect((await inFlight).status).to.equal(200);
    await slowRun;
    await slow.stop();

    e.controller.abort();
    await running;
    expect(e.task.listening).to.equal(false);
    const refused = await httpCall(`http://127.0.0.1:${port}/orders`, { body: 'x' }).catch(
      (err: NodeJS.ErrnoException) => err.code,
    );
    expect(refused).to.equal('ECONNREFUSED');
  });

  it('close() without an abort stops the server and ends run', async () => {
    const e = await endpoint();
    await e.task.close();
    await running;
    expect(e.task.listening).to.equal(false);
  });

  it('fails init with HttpListenError when the port is taken', async () => {
    const e = await endpoint();
    const error = await startTask(kit, HttpEndpointTask, {
      name: 'second',
      config: { port: e.task.port },
    }).catch((err: unknown) => err);
    expect(error).to.be.instanceOf(HttpListenError);
    expect((error as HttpListenError).message)
      .to.contain('"second"')
      .and.contain('in use');
  });
});
