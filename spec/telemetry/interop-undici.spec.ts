import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TracerProvider } from '@opentelemetry/api';
import { SpanKind } from '@opentelemetry/api';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { expect } from 'chai';
import { Handler } from '../../src/decorators/handler.decorator';
import { Task } from '../../src/decorators/task.decorator';
import { FlowEvent } from '../../src/runtime/event';
import { bindTask } from '../../src/telemetry/task-binding';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { TRACER_PROVIDER } from '../../src/telemetry/tokens';

@Task({ type: 'fetcher' })
class FetchTask {
  url = '';

  @Handler()
  async handle(_event: FlowEvent): Promise<number> {
    const res = await fetch(this.url);
    await res.text();
    return res.status;
  }
}

/*
 * @opentelemetry/instrumentation-undici traces Node's built-in fetch through
 * diagnostics channels, so it works in-process without patching a module.
 * Given the kit's tracer provider (no global is installed), its client span
 * must nest under the handler's task.handle through the global OTel context.
 */
describe('interop: @opentelemetry/instrumentation-undici inside a handler', () => {
  let kit: TestTelemetry;
  let server: http.Server;
  let instrumentation: UndiciInstrumentation;
  let seenTraceparent: string | undefined;

  beforeEach(async () => {
    kit = TestTelemetry.create({ serviceName: 'undici-svc' });
    // Enabled on construction (it subscribes to undici's diagnostics channels).
    instrumentation = new UndiciInstrumentation();
    instrumentation.setTracerProvider(kit.container.resolve<TracerProvider>(TRACER_PROVIDER));
    server = http.createServer((req, res) => {
      seenTraceparent = req.headers.traceparent as string | undefined;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    instrumentation.disable();
    await new Promise((resolve) => server.close(resolve));
    await kit.shutdown();
  });

  it('makes the fetch client span a child of task.handle, in the same trace and resource', async () => {
    const task = bindTask(kit.container.resolve(FetchTask), { name: 'fetch', id: 3 });
    task.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    expect(await task.handle(FlowEvent.create({ n: 1 }))).to.equal(200);

    const handle = kit.span('task.handle');
    const client = kit.spans().find((s) => s.instrumentationScope.name.includes('undici'));
    expect(client, 'an undici client span').to.not.equal(undefined);
    expect(client!.kind).to.equal(SpanKind.CLIENT);
    expect(client!.spanContext().traceId).to.equal(handle.spanContext().traceId);
    expect(client!.parentSpanContext?.spanId).to.equal(handle.spanContext().spanId);
    expect(client!.attributes['http.response.status_code']).to.equal(200);
    expect(client!.resource.attributes['service.name']).to.equal('undici-svc');
    // no global propagator is installed by the kit, so nothing is injected
    expect(seenTraceparent).to.equal(undefined);
  });
});
