import { expect } from 'chai';
import type { HttpEndpointConfig } from '../../src/connectors/http-endpoint-config';
import { HttpEndpointTask } from '../../src/connectors/http-endpoint.task';
import type { HttpRequestConfig } from '../../src/connectors/http-request-config';
import { HttpRequestTask } from '../../src/connectors/http-request.task';
import { FlowEvent } from '../../src/runtime/event';
import { ShutdownDeadlineError } from '../../src/runtime/shutdown-deadline-error';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { SlowServer } from '../e2e/support/slow-server';
import { httpCall } from './http-test-server';
import { startTask } from './task-harness';

describe('connectors: http_request and http_endpoint at the shutdown deadline', () => {
  let kit: TestTelemetry;
  const cleanups: Array<() => Promise<void>> = [];
  beforeEach(() => {
    kit = TestTelemetry.create();
  });
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
    await kit.shutdown();
  });

  it('http_request: ctx.deadline aborts the request in flight (the server sees the client leave) and fails with ShutdownDeadlineError', async () => {
    const server = await SlowServer.start(undefined);
    cleanups.push(() => server.close());
    const h = await startTask<HttpRequestTask, HttpRequestConfig>(kit, HttpRequestTask, {
      name: 'call',
      config: { url: server.url, timeout: '60s' },
    });
    const sent = h.handle(FlowEvent.create({ n: 1 })).catch((e: unknown) => e);
    await server.firstRequest();
    h.deadline.abort();
    const error = await sent;
    expect(error).to.be.instanceOf(ShutdownDeadlineError);
    expect((error as ShutdownDeadlineError).task).to.equal('call');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests[0]!.abortedAt, 'the socket was closed').to.be.a('number');
  });

  it('http_request: after the deadline no request is sent at all', async () => {
    const server = await SlowServer.start(0);
    cleanups.push(() => server.close());
    const h = await startTask<HttpRequestTask, HttpRequestConfig>(kit, HttpRequestTask, {
      config: { url: server.url },
    });
    h.deadline.abort();
    const error = await h.handle(FlowEvent.create({ n: 1 })).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ShutdownDeadlineError);
    expect(server.requests).to.have.length(0);
  });

  it('http_endpoint: the drain waits for a parked request until ctx.deadline, which then gets 503 and run ends', async () => {
    let release: (error: Error) => void = () => undefined;
    const h = await startTask<HttpEndpointTask, HttpEndpointConfig>(kit, HttpEndpointTask, {
      name: 'inbox',
      config: { port: 0, path: '/' },
      // What the runtime does to a parked push at the deadline.
      push: () => new Promise((_, reject) => (release = reject)),
    });
    cleanups.push(() => h.stop());
    const running = h.run();
    const parked = httpCall(`http://127.0.0.1:${h.task.port}/`, { body: 'x' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    h.controller.abort();
    let ended = false;
    void running.then(() => (ended = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ended, 'the drain waits while the deadline has not passed').to.equal(false);

    h.deadline.abort();
    release(new ShutdownDeadlineError('inbox'));
    expect((await parked).status).to.equal(503);
    await running;
    expect(h.task.listening).to.equal(false);
  });
});
