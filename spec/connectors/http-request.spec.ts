import type http from 'node:http';
import { SpanStatusCode } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { expect } from 'chai';
import { HttpStatusError, HttpTimeoutError } from '../../src/connectors/http-errors';
import type { HttpRequestConfig } from '../../src/connectors/http-request-config';
import { HttpRequestTask } from '../../src/connectors/http-request.task';
import { redactUrl } from '../../src/connectors/http-url';
import { FlowEvent } from '../../src/runtime/event';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import type { RecordedRequest, TestServer } from './http-test-server';
import { startTestServer } from './http-test-server';
import { CapturedLog, configErrorFor, configFor, startTask } from './task-harness';

const SECRET = 'Bearer SECRET-HEADER-VALUE-42';

function respond(req: RecordedRequest, res: http.ServerResponse): void {
  const path = req.url.split('?')[0];
  switch (path) {
    case '/json':
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('x-request-id', 'req-123');
      res.end(JSON.stringify({ ok: true, got: req.body === '' ? null : JSON.parse(req.body) }));
      return;
    case '/text':
      res.setHeader('content-type', 'text/plain');
      res.end('plain answer');
      return;
    case '/fail':
      res.statusCode = 503;
      res.setHeader('content-type', 'application/json');
      res.end('{"error":"down for maintenance"}');
      return;
    case '/slow':
      return; // never answers
    default:
      res.statusCode = 404;
      res.end();
  }
}

describe('connectors: http_request', () => {
  let kit: TestTelemetry;
  let server: TestServer;
  beforeEach(async () => {
    kit = TestTelemetry.create();
    server = await startTestServer(respond);
  });
  afterEach(async () => {
    await server.close();
    await kit.shutdown();
  });

  function request(config: Record<string, unknown>, logger?: CapturedLog) {
    return startTask<HttpRequestTask, HttpRequestConfig>(kit, HttpRequestTask, {
      name: 'notify',
      id: 3,
      config,
      logger: logger?.logger,
    });
  }

  describe('config', () => {
    it('defaults method POST and timeout 10s', () => {
      const config = configFor<HttpRequestConfig>(HttpRequestTask, { url: 'https://x.example' });
      expect(config).to.include({ method: 'POST', timeout: '10s' });
      expect(config.timeoutMs).to.equal(10_000);
      expect(config.headers).to.equal(undefined);
      expect(config.body).to.equal(undefined);
    });

    it('rejects a missing or bad URL, an unknown method, bad headers and unknown keys', () => {
      expect(configErrorFor(HttpRequestTask, {}).issues[0]).to.include({
        path: 'tasks[0].config.url',
        kind: 'missing',
      });
      for (const url of ['ftp://x.example/a', 'not a url', '/relative', 42]) {
        const error = configErrorFor(HttpRequestTask, { url });
        expect(error.issues.map((i) => i.path)).to.deep.equal(['tasks[0].config.url']);
        expect(error.message).to.contain('expected an http:// or https:// URL');
      }
      expect(
        configErrorFor(HttpRequestTask, { url: 'http://x.example', method: 'FETCH' }).message,
      ).to.contain('must be one of GET, POST, PUT, PATCH, DELETE');
      const headers = configErrorFor(HttpRequestTask, {
        url: 'http://x.example',
        headers: { 'x-retries': 3, authorization: SECRET },
      });
      expect(headers.issues[0]?.path).to.equal('tasks[0].config.headers');
      expect(headers.message).not.to.contain('SECRET-HEADER');
      expect(
        configErrorFor(HttpRequestTask, { url: 'http://x.example', methd: 'GET' }).message,
      ).to.contain('did you mean "method"');
      expect(
        configErrorFor(HttpRequestTask, { url: 'http://x.example', timeout: '0s' }).issues[0]?.path,
      ).to.equal('tasks[0].config.timeout');
    });
  });

  it('injects a traceparent that is the task.handle span (same trace, parent = span)', async () => {
    const h = await request({ url: server.url('/json') });
    await h.handle(FlowEvent.create({ n: 1 }));
    const span = kit.span('task.handle');
    const traceparent = server.requests[0]?.headers.traceparent as string;
    const [version, traceId, parentId, flags] = traceparent.split('-');
    expect(version).to.equal('00');
    expect(traceId).to.equal(span.spanContext().traceId);
    expect(parentId).to.equal(span.spanContext().spanId);
    expect(flags).to.equal('01');
  });

  it('continues the incoming event trace and passes its tracestate on', async () => {
    const parent = FlowEvent.create(
      { n: 1 },
      {
        spanContext: {
          traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
          spanId: '00f067aa0ba902b7',
          traceFlags: 1,
          isRemote: true,
          traceState: new TraceState('vendor=abc'),
        },
      },
    );
    const h = await request({ url: server.url('/json') });
    await h.handle(parent);
    const span = kit.span('task.handle');
    expect(span.parentSpanContext?.spanId).to.equal('00f067aa0ba902b7');
    const headers = server.requests[0]?.headers;
    expect(headers?.traceparent).to.equal(
      `00-4bf92f3577b34da6a3ce929d0e0e4736-${span.spanContext().spanId}-01`,
    );
    expect(headers?.tracestate).to.equal('vendor=abc');
  });

  it('POSTs the event data as JSON and emits the parsed JSON response, with typed attributes', async () => {
    const h = await request({ url: server.url('/json') });
    const input = FlowEvent.create({ order: 'A7', qty: 2 }, { id: 'e-5', metadata: { k: 'v' } });
    const [out] = await h.handle(input);
    const received = server.requests[0];
    expect(received?.method).to.equal('POST');
    expect(received?.headers['content-type']).to.equal('application/json');
    expect(JSON.parse(received?.body ?? '')).to.deep.equal({ order: 'A7', qty: 2 });
    expect(out?.data).to.deep.equal({ ok: true, got: { order: 'A7', qty: 2 } });
    expect(out?.id).to.equal('e-5');
    expect(out?.metadata).to.deep.equal({ k: 'v' });

    const span = kit.span('task.handle');
    expect(span.attributes).to.deep.include({
      task: 'notify',
      task_id: 3,
      task_type: 'http_request',
      'http.request.method': 'POST',
      'url.full': server.url('/json'),
      'server.address': '127.0.0.1',
      'server.port': server.port,
      'http.response.status_code': 200,
      'http.response.request_id': 'req-123',
    });
    expect(span.attributes['http.response.body.size']).to.be.a('number').and.above(10);
    expect(span.attributes['server.port']).to.be.a('number');
    expect(out?.spanContext?.spanId).to.equal(span.spanContext().spanId);
  });

  it('fills a body template and sends configured headers without logging their values', async () => {
    const log = new CapturedLog('trace');
    const h = await request(
      {
        url: server.url('/text'),
        method: 'PUT',
        headers: { Authorization: SECRET, 'X-Tenant': 't1' },
        body: '{"order":"{{data.order.id}}","n":{{ data.n }},"id":"{{id}}","missing":"{{data.nope}}"}',
      },
      log,
    );
    const [out] = await h.handle(FlowEvent.create({ order: { id: 'A7' }, n: 3 }, { id: 'e1' }));
    const received = server.requests[0];
    expect(received?.method).to.equal('PUT');
    expect(received?.body).to.equal('{"order":"A7","n":3,"id":"e1","missing":""}');
    expect(received?.headers['content-type']).to.equal('application/json');
    expect(received?.headers.authorization).to.equal(SECRET);
    expect(received?.headers['x-tenant']).to.equal('t1');
    expect(out?.data).to.equal('plain answer');
    expect(kit.span('task.handle').attributes).not.to.have.property('http.response.request_id');
    expect(log.lines.length).to.be.above(0);
    expect(log.text).not.to.contain('SECRET-HEADER');
    expect(JSON.stringify(kit.span('task.handle').attributes)).not.to.contain('SECRET-HEADER');
  });

  it('sends no body with GET', async () => {
    const h = await request({ url: server.url('/json?x=1'), method: 'GET' });
    const [out] = await h.handle(FlowEvent.create({ n: 1 }));
    expect(server.requests[0]?.body).to.equal('');
    expect(server.requests[0]?.headers).not.to.have.property('content-type');
    expect(out?.data).to.deep.equal({ ok: true, got: null });
  });

  it('throws HttpStatusError on a non-2xx answer, recorded on the span', async () => {
    const h = await request({ url: server.url('/fail') });
    const error = await h.handle(FlowEvent.create({ n: 1 })).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(HttpStatusError);
    const e = error as HttpStatusError;
    expect(e.status).to.equal(503);
    expect(e.code).to.equal('FLOWGEN_HTTP_STATUS');
    expect(e.url).to.equal(server.url('/fail'));
    expect(e.message).to.contain('"notify"').and.contain('503');
    expect(e.message).not.to.contain('maintenance'); // never the response body
    const span = kit.span('task.handle');
    expect(span.status.code).to.equal(SpanStatusCode.ERROR);
    expect(span.attributes['http.response.status_code']).to.equal(503);
    expect(await kit.metricValue('task.handle.errors', { task: 'notify' })).to.equal(1);
  });

  it('strips user:pass@ and secret query values from url.full and errors, but sends the credentials', async () => {
    const url = `http://alice:s3cr3t@127.0.0.1:${server.port}/fail?token=abc123&x=1&api_key=k`;
    const h = await request({ url });
    const error = (await h
      .handle(FlowEvent.create({}))
      .catch((e: unknown) => e)) as HttpStatusError;
    const shown = `http://127.0.0.1:${server.port}/fail?token=REDACTED&x=1&api_key=REDACTED`;
    expect(kit.span('task.handle').attributes['url.full']).to.equal(shown);
    expect(error.url).to.equal(shown);
    expect(error.message).not.to.contain('s3cr3t').and.not.to.contain('abc123');
    const auth = server.requests[0]?.headers.authorization;
    expect(auth).to.equal(`Basic ${Buffer.from('alice:s3cr3t').toString('base64')}`);
  });

  it('throws HttpTimeoutError when no answer comes in time', async () => {
    const h = await request({ url: server.url('/slow'), timeout: '100ms' });
    const started = Date.now();
    const error = await h.handle(FlowEvent.create({})).catch((e: unknown) => e);
    expect(Date.now() - started).to.be.below(2000);
    expect(error).to.be.instanceOf(HttpTimeoutError);
    expect((error as HttpTimeoutError).message).to.contain('timed out after 100 ms');
    expect(kit.span('task.handle').status.code).to.equal(SpanStatusCode.ERROR);
  });

  it('throws network errors as Node reports them', async () => {
    const closed = await startTestServer(respond);
    const port = closed.port;
    await closed.close();
    const h = await request({ url: `http://127.0.0.1:${port}/json` });
    const error = await h.handle(FlowEvent.create({})).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).to.equal('ECONNREFUSED');
  });

  it('redactUrl keeps ordinary query keys and drops the fragment', () => {
    expect(redactUrl('https://u@h.example/p?postcode=1&code=x&access_token=t#frag')).to.equal(
      'https://h.example/p?postcode=1&code=REDACTED&access_token=REDACTED',
    );
  });
});
