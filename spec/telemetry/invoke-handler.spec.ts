import type { TracerProvider } from '@opentelemetry/api';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { expect } from 'chai';
import { container as rootContainer } from 'tsyringe';
import { DecoratorError } from '../../src/decorators/decorator-error';
import { Handler } from '../../src/decorators/handler.decorator';
import { Task } from '../../src/decorators/task.decorator';
import { FlowEvent } from '../../src/runtime/event';
import { HandlerTimeoutError } from '../../src/runtime/handler-timeout-error';
import { RetryPolicy } from '../../src/runtime/retry-policy';
import { invokeHandler } from '../../src/telemetry/invoke-handler';
import { bindTask } from '../../src/telemetry/task-binding';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { TRACER_PROVIDER } from '../../src/telemetry/tokens';

class Flaky extends Error {}

@Task({ type: 'flaky' })
class FlakyTask {
  calls = 0;

  @Handler()
  async *handle(event: FlowEvent<{ failFirst: number; hang?: boolean }>): AsyncGenerator<number> {
    this.calls++;
    if (event.data.hang === true) await new Promise(() => undefined);
    if (this.calls <= event.data.failFirst) throw new Flaky(`attempt ${this.calls} failed`);
    yield this.calls;
    yield this.calls * 10;
  }
}

const retry = (maxAttempts: number): RetryPolicy =>
  new RetryPolicy({ maxAttempts, initialBackoffMs: 0, maxBackoffMs: 0 });

describe('invokeHandler: the one path that makes task.handle', () => {
  let kit: TestTelemetry;
  beforeEach(() => {
    kit = TestTelemetry.create();
  });
  afterEach(() => kit.shutdown());

  const flaky = (): FlakyTask => bindTask(kit.container.resolve(FlakyTask), { name: 'f', id: 2 });

  it('with a policy: retries in one span, one attempt.failed event per failure, flowgen.attempts, settled output made inside the span', async () => {
    const task = flaky();
    let outputSpanId: string | undefined;
    const out = await invokeHandler(task, [FlowEvent.create({ failFirst: 2 })], {
      retry: retry(3),
      output: (value) => {
        outputSpanId = trace.getActiveSpan()?.spanContext().spanId;
        return value as number[];
      },
    });
    expect(out).to.deep.equal([3, 30]);
    const span = kit.span('task.handle');
    expect(outputSpanId).to.equal(span.spanContext().spanId);
    expect(span.attributes['flowgen.attempts']).to.equal(3);
    const attempts = span.events.filter((e) => e.name === 'attempt.failed');
    expect(attempts.map((e) => e.attributes?.['flowgen.attempt'])).to.deep.equal([1, 2]);
    expect(attempts.map((e) => e.attributes?.['flowgen.will_retry'])).to.deep.equal([true, true]);
    expect(attempts[0]?.attributes?.['exception.type']).to.equal('Flaky');
    expect(span.status.code).to.equal(SpanStatusCode.UNSET);
    expect(await kit.metricValue('task.handle.count', { task: 'f' })).to.equal(1);
    expect(await kit.metricValue('task.handle.errors', { task: 'f' })).to.equal(0);
  });

  it('after the last attempt: the same error rethrown, failed() called inside the span, counted once as an error', async () => {
    const task = flaky();
    let failedIn: string | undefined;
    let failedAttempts = 0;
    const error = await invokeHandler(task, [FlowEvent.create({ failFirst: 5 })], {
      retry: retry(2),
      failed: (_error, attempts) => {
        failedIn = trace.getActiveSpan()?.spanContext().spanId;
        failedAttempts = attempts;
      },
    }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Flaky);
    expect((error as Error).message).to.equal('attempt 2 failed');
    const span = kit.span('task.handle');
    expect(failedIn).to.equal(span.spanContext().spanId);
    expect(failedAttempts).to.equal(2);
    expect(span.attributes['flowgen.attempts']).to.equal(2);
    expect(span.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: 'attempt 2 failed' });
    expect(await kit.metricValue('task.handle.errors', { task: 'f' })).to.equal(1);
  });

  it('bounds each attempt with the timeout and fails it with the given error', async () => {
    const task = flaky();
    const error = await invokeHandler(task, [FlowEvent.create({ failFirst: 0, hang: true })], {
      timeout: { ms: 20, error: () => new HandlerTimeoutError('f', 20) },
    }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(HandlerTimeoutError);
    const span = kit.span('task.handle');
    expect(span.attributes['flowgen.error_code']).to.equal('FLOWGEN_HANDLER_TIMEOUT');
    expect(span.events.filter((e) => e.name === 'attempt.failed')).to.have.length(1);
  });

  it('the traced method itself is the same path without a policy: one attempt, result passed through', async () => {
    const task = flaky();
    const seen: number[] = [];
    for await (const n of task.handle(FlowEvent.create({ failFirst: 0 }))) seen.push(n);
    expect(seen).to.deep.equal([1, 10]);
    expect(kit.span('task.handle').attributes['flowgen.attempts']).to.equal(1);
  });

  it('runs retries the same way with telemetry off: no span, nothing recorded on a span of another container', async () => {
    const task = rootContainer.createChildContainer().resolve(FlakyTask);
    const tracer = kit.container.resolve<TracerProvider>(TRACER_PROVIDER).getTracer('user');
    const out = await tracer.startActiveSpan('user.outer', async (outer) => {
      try {
        return await invokeHandler(task, [FlowEvent.create({ failFirst: 1 })], {
          retry: retry(2),
        });
      } finally {
        outer.end();
      }
    });
    expect(out).to.deep.equal([2, 20]);
    expect(kit.spans().map((s) => s.name)).to.deep.equal(['user.outer']);
    expect(kit.span('user.outer').events).to.deep.equal([]);
    expect(kit.span('user.outer').attributes).to.deep.equal({});
  });

  it('rejects an instance whose class has no @Handler, saying what to do', () => {
    class NoHandler {}
    expect(() => invokeHandler(new NoHandler(), [])).to.throw(
      DecoratorError,
      'NoHandler (type ?) has no @Handler() method; mark the method that processes one event with @Handler().',
    );
  });
});
