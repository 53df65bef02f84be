import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import type { HttpEndpointConfig } from '../../src/connectors/http-endpoint-config';
import { HttpEndpointTask } from '../../src/connectors/http-endpoint.task';
import { HttpListenError } from '../../src/connectors/http-errors';
import type { FlowEvent } from '../../src/runtime/event';
import { WorkerStoppingError } from '../../src/runtime/worker-stopping-error';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { httpCall } from './http-test-server';
import type { LoadChildMessage } from './http-endpoint-load-child';
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
    it('defaults: 127.0.0.1:8080 /, 1 MiB bodies, bounded requests, bytes, connections and time', () => {
      const config = configFor<HttpEndpointConfig>(HttpEndpointTask, {});
      expect({ ...config }).to.deep.equal({
        host: '127.0.0.1',
        port: 8080,
        path: '/',
        max_body_bytes: 1048576,
        max_in_flight: 256,
        max_buffered_bytes: 33554432,
        max_connections: 1024,
        header_timeout: '10s',
        body_timeout: '30s',
        idle_timeout: '5s',
        retry_after: '1s',
        trace_context: 'continue',
        honor_sampled_flag: false,
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

  describe('trace context from the client (trace_context, honor_sampled_flag)', () => {
    const unsampled = `00-${TRACE_ID}-${PARENT_ID}-00`;

    it('default: a not-sampled traceparent does not switch the spans off; it is continued and counted', async () => {
      const e = await endpoint();
      const res = await httpCall(url(), { headers: { traceparent: unsampled }, body: 'x' });
      expect(res.status).to.equal(200);
      const span = kit.span('task.handle');
      expect(span.spanContext().traceId).to.equal(TRACE_ID);
      expect(span.parentSpanContext?.spanId).to.equal(PARENT_ID);
      expect(e.task.incomingTraceStats).to.deep.equal({
        withContext: 1,
        continued: 1,
        linked: 0,
        ignored: 0,
        unsampledSuppressed: 0,
        unsampledTraced: 1,
      });
    });

    it('honor_sampled_flag: true lets the client switch the spans off, and counts each one', async () => {
      const e = await endpoint({ honor_sampled_flag: true });
      await httpCall(url(), { headers: { traceparent: unsampled }, body: 'a' });
      await httpCall(url(), { headers: { traceparent: unsampled }, body: 'b' });
      await httpCall(url(), {
        headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` },
        body: 'c',
      });
      expect(e.pushed).to.have.length(3);
      // Only the sampled request has a span: the other two were suppressed by their clients.
      expect(kit.spans('task.handle')).to.have.length(1);
      expect(e.task.incomingTraceStats.unsampledSuppressed).to.equal(2);
      expect(e.task.incomingTraceStats.unsampledTraced).to.equal(0);
    });

    it('link: a new trace per request, its span linked to the client span', async () => {
      const e = await endpoint({ trace_context: 'link' });
      await httpCall(url(), { headers: { traceparent: unsampled }, body: 'x' });
      const span = kit.span('task.handle');
      expect(span.spanContext().traceId).not.to.equal(TRACE_ID);
      expect(span.parentSpanContext).to.equal(undefined);
      expect(span.links.map((l) => [l.context.traceId, l.context.spanId])).to.deep.equal([
        [TRACE_ID, PARENT_ID],
      ]);
      expect(e.task.incomingTraceStats).to.include({ withContext: 1, linked: 1, continued: 0 });
    });

    it('ignore: the client context is dropped', async () => {
      const e = await endpoint({ trace_context: 'ignore' });
      await httpCall(url(), { headers: { traceparent: unsampled }, body: 'x' });
      const span = kit.span('task.handle');
      expect(span.spanContext().traceId).not.to.equal(TRACE_ID);
      expect(span.parentSpanContext).to.equal(undefined);
      expect(span.links).to.deep.equal([]);
      expect(e.task.incomingTraceStats).to.include({ withContext: 1, ignored: 1 });
    });

    it('rejects an unknown trace_context with the allowed values', () => {
      expect(configErrorFor(HttpEndpointTask, { trace_context: 'trust' }).message).to.contain(
        'tasks[0].config.trace_context: got "trust"; must be one of continue, link, ignore',
      );
    });
  });

  describe('bounds: in-flight requests, buffered bytes, timeouts, connections', () => {
    it('answers 503 with Retry-After past max_in_flight, before reading the body', async () => {
      const gate = gatedPush();
      const e = await endpoint({ max_in_flight: 2, retry_after: '2500ms' }, { push: gate.push });
      const parked = [httpCall(url(), { body: 'a' }), httpCall(url(), { body: 'b' })];
      await until(() => e.task.stats.inFlight === 2);
      const refused = await httpCall(url(), { body: 'c' });
      expect(refused.status).to.equal(503);
      expect(refused.headers['retry-after']).to.equal('3');
      expect(e.task.stats).to.include({ inFlight: 2, refused: 1, peakInFlight: 2 });
      gate.release();
      expect((await Promise.all(parked)).map((r) => r.status)).to.deep.equal([200, 200]);
      expect(e.pushed.map((p) => p.data)).to.deep.equal(['a', 'b']);
      expect(e.task.stats).to.include({ inFlight: 0, bufferedBytes: 0 });
    });

    it('reserves declared lengths: 503 once max_buffered_bytes would be passed', async () => {
      const gate = gatedPush();
      const e = await endpoint(
        { max_body_bytes: 1000, max_buffered_bytes: 1500 },
        { push: gate.push },
      );
      const first = httpCall(url(), { body: 'x'.repeat(1000) });
      await until(() => e.task.stats.bufferedBytes === 1000);
      expect((await httpCall(url(), { body: 'y'.repeat(600) })).status).to.equal(503);
      // A smaller body still fits beside the parked one.
      const small = httpCall(url(), { body: 'z'.repeat(500) });
      await until(() => e.task.stats.bufferedBytes === 1500);
      gate.release();
      expect((await first).status).to.equal(200);
      expect((await small).status).to.equal(200);
      expect(e.task.stats).to.include({ peakBufferedBytes: 1500, bufferedBytes: 0, refused: 1 });
    });

    it('counts chunked bodies as they arrive: 503 past max_buffered_bytes, 413 past max_body_bytes', async () => {
      const e = await endpoint({ max_body_bytes: 100, max_buffered_bytes: 100 });
      const tooLarge = await rawRequest(
        e.task.port,
        'POST /orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
          `65\r\n${'y'.repeat(101)}\r\n0\r\n\r\n`,
      );
      expect(tooLarge.status).to.equal(413);
      expect(e.task.stats).to.include({ tooLarge: 1, bufferedBytes: 0 });
      expect(e.pushed).to.have.length(0);
    });

    it('cuts a client that is slow to send its headers with 408 at header_timeout', async () => {
      const e = await endpoint({ header_timeout: '300ms', body_timeout: '5s' });
      const started = Date.now();
      const res = await rawRequest(e.task.port, 'POST /orders HTTP/1.1\r\nHost: x\r\n');
      expect(res.status).to.equal(408);
      expect(res.closed).to.equal(true);
      // 300 ms plus Node's check interval (75 ms here); generous for a shared CI machine.
      expect(Date.now() - started).to.be.within(250, 4000);
      expect(e.task.stats.timedOut).to.equal(1);
    });

    it('cuts a client that is slow to send its body with 408 at body_timeout; nothing is pushed', async () => {
      const e = await endpoint({ header_timeout: '300ms', body_timeout: '600ms' });
      const started = Date.now();
      const res = await rawRequest(
        e.task.port,
        'POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789',
      );
      expect(res.status).to.equal(408);
      expect(res.closed).to.equal(true);
      expect(Date.now() - started).to.be.within(500, 5000);
      expect(e.pushed).to.have.length(0);
      expect(e.task.stats).to.include({ timedOut: 1, inFlight: 0, bufferedBytes: 0 });
    });

    it('closes an idle keep-alive connection after idle_timeout', async () => {
      const e = await endpoint({ idle_timeout: '300ms' });
      const started = Date.now();
      const res = await rawRequest(
        e.task.port,
        'POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok',
      );
      expect(res.status).to.equal(200);
      expect(res.closed).to.equal(true);
      expect(Date.now() - started).to.be.within(250, 5000);
    });

    it('holds max_connections: one more connection is closed on arrival, the others still work', async () => {
      const e = await endpoint({ max_connections: 3 });
      const open = await Promise.all([0, 1, 2].map(() => connect(e.task.port)));
      const request = 'POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx';
      // each of the three served once: the server holds all three before the extra one comes
      for (const socket of open) socket.write(request);
      await until(() => e.pushed.length === 3);
      const extra = await rawRequest(e.task.port, request);
      expect(extra.status).to.equal(undefined);
      expect(extra.closed).to.equal(true);
      expect(e.task.stats.connectionsDropped).to.equal(1);
      for (const socket of open) socket.write(request);
      await until(() => e.pushed.length === 6);
      for (const socket of open) socket.destroy();
    });

    it('answers a malformed request 400 and oversized headers 431, closing the connection', async () => {
      const e = await endpoint();
      const garbage = await rawRequest(e.task.port, 'NOT HTTP AT ALL\r\n\r\n');
      expect(garbage).to.deep.equal({ status: 400, closed: true });
      const huge = await rawRequest(
        e.task.port,
        `POST /orders HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      );
      expect(huge).to.deep.equal({ status: 431, closed: true });
      expect(e.pushed).to.have.length(0);
      expect(e.task.listening).to.equal(true);
    });

    it('rejects max_buffered_bytes below max_body_bytes, and body_timeout below header_timeout', () => {
      expect(
        configErrorFor(HttpEndpointTask, { max_body_bytes: 2000, max_buffered_bytes: 1000 })
          .message,
      ).to.contain(
        'tasks[0].config.max_buffered_bytes: got 1000; must be at least max_body_bytes (2000)',
      );
      expect(
        configErrorFor(HttpEndpointTask, { header_timeout: '10s', body_timeout: '5s' }).message,
      ).to.contain('tasks[0].config.body_timeout: got "5s"; must be at least header_timeout (10s)');
    });
  });

  describe('bounds under load (a child process, real clients on loopback)', () => {
    it('800 concurrent 256 KiB–1 MiB POSTs to a slow downstream: buffered bytes and RSS stay bounded, the excess gets 503 + Retry-After', async function () {
      this.timeout(90_000);
      const maxBuffered = 16 * 1024 * 1024;
      const child = fork(path.join(__dirname, 'http-endpoint-load-child.ts'), [], {
        execArgv: ['-r', 'ts-node/register/transpile-only', '--expose-gc'],
        env: {
          ...process.env,
          HOLD_MS: '1500',
          ENDPOINT_CONFIG: JSON.stringify({
            max_in_flight: 64,
            max_buffered_bytes: maxBuffered,
            max_body_bytes: 1024 * 1024,
          }),
        },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      try {
        const ready = await nextMessage(child, 'ready');
        const payload = Buffer.alloc(1024 * 1024, 'x');
        // 256 KiB to 1 MiB, spread evenly (deterministic).
        const sizes = Array.from({ length: 800 }, (_, i) => 256 * 1024 + ((i * 7919) % 769) * 1024);
        const results = await Promise.all(
          sizes.map((size) => post(ready.port, payload.subarray(0, size))),
        );
        child.send({ type: 'report' });
        const report = await nextMessage(child, 'report');

        const statuses = results.map((r) => r.status ?? r.error);
        const ok = statuses.filter((s) => s === 200).length;
        const busy = results.filter((r) => r.status === 503);
        expect(ok + busy.length, `statuses: ${JSON.stringify(count(statuses))}`).to.equal(800);
        // At least max_buffered_bytes / max_body_bytes requests fit at once, and more
        // come in as parked ones are answered.
        expect(ok, JSON.stringify(report)).to.be.at.least(16);
        expect(busy.length).to.be.at.least(1);
        expect(busy.every((r) => r.retryAfter === '1')).to.equal(true);
        expect(report.stats.refused).to.equal(busy.length);
        expect(report.stats.peakInFlight).to.be.at.most(64);
        expect(report.stats.peakBufferedBytes).to.be.at.most(maxBuffered);
        expect(report.stats.peakBufferedBytes).to.be.above(maxBuffered / 2);
        // main grew by 2.1 GB here. A parked body costs ~2.5x its bytes (bytes,
        // text, string event data); the rest is sockets and GC slack: a generous margin.
        const bound = 3 * maxBuffered + 128 * 1024 * 1024;
        expect(
          report.peakRssGrowth,
          `RSS grew ${(report.peakRssGrowth / 2 ** 20).toFixed(0)} MiB`,
        ).to.be.below(bound);
      } finally {
        child.kill('SIGKILL');
      }
    });
  });
});

/** A push that holds every event until `release()`: a downstream that does not answer yet. */
function gatedPush(): { push: NonNullable<HarnessOptions['push']>; release: () => void } {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    push: async (event, next) => {
      await gate;
      return next(event);
    },
    release: () => release(),
  };
}

/** Polls `check` every 10 ms until it holds (fails after 5 s). */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${check.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

/**
 * Sends raw bytes and waits until the server closes the connection (or 8 s):
 * the status of the first answer, if any, and whether it was closed.
 */
function rawRequest(port: number, text: string): Promise<{ status?: number; closed: boolean }> {
  return new Promise((resolve) => {
    let received = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d+)/.exec(received)?.[1];
      resolve(status === undefined ? { closed } : { status: Number(status), closed });
    };
    const timer = setTimeout(() => done(false), 8000);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => done(true));
  });
}

interface PostResult {
  status?: number;
  retryAfter?: string;
  error?: string;
}

/** One POST on its own connection; never rejects. */
function post(port: number, body: Buffer): Promise<PostResult> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/in',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'text/plain', 'content-length': body.byteLength },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode, ...(retryAfter === undefined ? {} : { retryAfter }) });
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ error: error.code ?? error.message }),
    );
    req.end(body);
  });
}

function nextMessage<T extends LoadChildMessage['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<LoadChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: LoadChildMessage): void => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      resolve(message as Extract<LoadChildMessage, { type: T }>);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`load child exited with ${code}`)));
  });
}

function count(values: readonly unknown[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[String(v)] = (out[String(v)] ?? 0) + 1;
  return out;
}
