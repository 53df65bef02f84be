import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { expect } from 'chai';
import { container, inject, injectable } from 'tsyringe';
import { Handler } from '../../src/decorators/handler.decorator';
import { Task } from '../../src/decorators/task.decorator';
import type { TelemetryHandle } from '../../src/telemetry/telemetry-handle';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { METER_PROVIDER, TELEMETRY_HANDLE, TRACER_PROVIDER } from '../../src/telemetry/tokens';

/** A task that asks its container for the telemetry it was registered with. */
@injectable()
@Task({ type: 'token_user' })
class TokenUser {
  constructor(
    @inject(TRACER_PROVIDER) readonly tracers: TracerProvider,
    @inject(METER_PROVIDER) readonly meters: MeterProvider,
    @inject(TELEMETRY_HANDLE) readonly telemetry: TelemetryHandle,
  ) {}

  @Handler()
  handle(): string {
    this.tracers.getTracer('user-code').startSpan('own.work').end();
    return 'done';
  }
}

describe('DI tokens: the providers a container got, for tasks to inject', () => {
  const kits: TestTelemetry[] = [];
  afterEach(async () => {
    for (const kit of kits.splice(0)) await kit.shutdown();
  });

  it('a task injects its own container providers and handle; two containers stay apart', async () => {
    const a = TestTelemetry.create();
    const b = TestTelemetry.create();
    kits.push(a, b);
    const fromA = a.container.resolve(TokenUser);
    const fromB = b.container.resolve(TokenUser);
    expect(fromA.telemetry).to.equal(a.handle);
    expect(fromB.telemetry).to.equal(b.handle);
    expect(fromA.tracers).to.not.equal(fromB.tracers);
    expect(fromA.meters).to.not.equal(fromB.meters);

    fromA.handle();
    expect(a.spans().map((s) => s.name)).to.have.members(['own.work', 'task.handle']);
    expect(b.spans()).to.have.length(0);
  });

  it('a container without telemetry has none to inject: resolving says which token is missing', () => {
    const bare = container.createChildContainer();
    expect(() => bare.resolve(TokenUser)).to.throw(/flowgen\.TracerProvider/);
  });
});
