import { SpanStatusCode, createNoopMeter } from '@opentelemetry/api';
import { BasicTracerProvider, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { Handler } from '../../src/decorators/handler.decorator';
import { Task } from '../../src/decorators/task.decorator';
import { FlowEvent } from '../../src/runtime/event';
import { bindTask } from '../../src/telemetry/task-binding';
import { setSpanAttributes, traceChild } from '../../src/telemetry/task-spans';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { registerTelemetryProviders } from '../../src/telemetry/register-providers';
import { container } from 'tsyringe';

const MARKER = 'PAYLOAD-MARKER-7f3a9c';

class Boom extends Error {}

@Task({ type: 'echo' })
class EchoTask {
  calls = 0;

  @Handler()
  async handle(event: FlowEvent<{ n: number; secret?: string }>): Promise<FlowEvent> {
    this.calls++;
    setSpanAttributes({ 'echo.offset': event.data.n, 'echo.bytes': event.size });
    if (event.data.n < 0) throw new Boom(`negative ${event.data.n}`);
    return event.withData({ doubled: event.data.n * 2, secret: event.data.secret });
  }
}

// One @Handler per class: each handler shape is its own task.
@Task({ type: 'sync_echo' })
class SyncTask {
  @Handler()
  syncHandle(n: number): number {
    if (n < 0) throw new Boom('sync negative');
    return n + 1;
  }
}

@Task({ type: 'thenable_echo' })
class ThenableTask {
  @Handler()
  thenable(n: number): PromiseLike<number> {
    // A lazy query builder: the tracer must not call `then`.
    return {
      then: () => {
        throw new Error('then() must not be called by the tracer');
      },
      value: n,
    } as unknown as PromiseLike<number>;
  }
}

@Task({ type: 'stream_echo' })
class StreamTask {
  @Handler()
  async *stream(count: number, failAt = -1): AsyncGenerator<number> {
    for (let i = 0; i < count; i++) {
      await Promise.resolve();
      if (i === failAt) throw new Boom(`failed at ${i}`);
      yield i;
    }
  }
}

describe('@Handler', () => {
  let kit: TestTelemetry;
  beforeEach(() => {
    kit = TestTelemetry.create();
  });
  afterEach(() => kit.shutdown());

  function echo(name = 'enrich', id = 1): EchoTask {
    return bindTask(kit.container.resolve(EchoTask), { name, id });
  }
  const sync = (): SyncTask => kit.container.resolve(SyncTask);
  const thenable = (): ThenableTask => kit.container.resolve(ThenableTask);
  const stream = (): StreamTask => kit.container.resolve(StreamTask);

  it('makes one task.handle span with typed task attributes', async () => {
    await echo().handle(FlowEvent.create({ n: 3 }));
    const span = kit.span('task.handle');
    expect(span.attributes).to.include({ task: 'enrich', task_id: 1, task_type: 'echo' });
    expect(typeof span.attributes.task_id).to.equal('number');
    expect(span.attributes['echo.offset']).to.equal(3);
    expect(span.resource.attributes['service.name']).to.equal('flowgen-test');
    expect(span.status.code).to.equal(SpanStatusCode.UNSET);
  });

  it('parents the next handler on the event the previous one emitted', async () => {
    const first = echo('first', 0);
    const second = echo('second', 1);
    const out = await first.handle(FlowEvent.create({ n: 1 }));
    await second.handle(out as FlowEvent<{ n: number }>);
    const a = kit.span('task.handle', { task: 'first' });
    const b = kit.span('task.handle', { task: 'second' });
    expect(a.parentSpanContext).to.equal(undefined);
    expect(b.spanContext().traceId).to.equal(a.spanContext().traceId);
    expect(b.parentSpanContext?.spanId).to.equal(a.spanContext().spanId);
  });

  it('records the error, sets status ERROR and rethrows the same object', async () => {
    const task = echo();
    const error = await task.handle(FlowEvent.create({ n: -2 })).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Boom);
    const span = kit.span('task.handle');
    expect(span.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: 'negative -2' });
    const exception = span.events.find((e) => e.name === 'exception');
    expect(exception?.attributes?.['exception.message']).to.equal('negative -2');
    expect(exception?.attributes?.['exception.type']).to.equal('Boom');
  });

  it('derives exact duration, count and error metrics after N calls with K failures', async () => {
    const task = echo();
    const values = [1, -1, 2, -3, 4, 5, -6];
    for (const n of values) await task.handle(FlowEvent.create({ n })).catch(() => undefined);
    const attrs = { task: 'enrich', task_id: 1, task_type: 'echo' };
    expect(await kit.metricValue('task.handle.count', attrs)).to.equal(7);
    expect(await kit.metricValue('task.handle.errors', attrs)).to.equal(3);
    const [duration] = await kit.metricPoints('task.handle.duration');
    expect(duration?.kind).to.equal('histogram');
    expect(duration?.unit).to.equal('s');
    expect(duration?.count).to.equal(7);
    expect(duration?.attributes).to.deep.equal(attrs);
    const [count] = await kit.metricPoints('task.handle.count');
    expect(count?.unit).to.equal('{invocation}');
  });

  it('keeps metrics exact when the sampler drops every span', async () => {
    const sampled = TestTelemetry.create({ sampler: new TraceIdRatioBasedSampler(0) });
    try {
      const task = bindTask(sampled.container.resolve(EchoTask), { name: 'x', id: 0 });
      for (const n of [1, 2, -3]) await task.handle(FlowEvent.create({ n })).catch(() => undefined);
      expect(sampled.spans()).to.have.length(0);
      expect(await sampled.metricValue('task.handle.count')).to.equal(3);
      expect(await sampled.metricValue('task.handle.errors')).to.equal(1);
      expect((await sampled.histogram('task.handle.duration')).count).to.equal(3);
    } finally {
      await sampled.shutdown();
    }
  });

  it('traces sync handlers, and rethrows their errors', () => {
    const task = sync();
    expect(task.syncHandle(1)).to.equal(2);
    expect(() => task.syncHandle(-1)).to.throw(Boom, 'sync negative');
    const [ok, failed] = kit.spans('task.handle');
    expect(ok?.status.code).to.equal(SpanStatusCode.UNSET);
    expect(failed?.status.code).to.equal(SpanStatusCode.ERROR);
  });

  it('treats a thenable as a value: returns it untouched and ends the span at once', () => {
    const result = thenable().thenable(5) as unknown as { value: number };
    expect(result.value).to.equal(5);
    expect(kit.spans('task.handle')).to.have.length(1);
  });

  it('keeps an async generator span open until iteration completes', async () => {
    const iterator = stream().stream(3);
    expect(kit.spans('task.handle')).to.have.length(0);
    const seen: number[] = [];
    for await (const n of iterator) seen.push(n);
    expect(seen).to.deep.equal([0, 1, 2]);
    expect(kit.spans('task.handle')).to.have.length(1);
  });

  it('ends an async generator span when the consumer stops early', async () => {
    for await (const n of stream().stream(10)) if (n === 1) break;
    const [span] = kit.spans('task.handle');
    expect(span?.status.code).to.equal(SpanStatusCode.UNSET);
    expect(kit.spans()).to.have.length(1);
  });

  it('records an error thrown mid-iteration', async () => {
    const seen: number[] = [];
    const error = await (async () => {
      for await (const n of stream().stream(5, 2)) seen.push(n);
    })().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Boom);
    expect(seen).to.deep.equal([0, 1]);
    expect(kit.span('task.handle').status.message).to.equal('failed at 2');
    expect(await kit.metricValue('task.handle.errors')).to.equal(1);
  });

  it('makes spans started inside the handler its children', async () => {
    @Task({ type: 'nested' })
    class Nested {
      @Handler()
      async handle(): Promise<void> {
        await traceChild(this, 'db.query', async () => undefined, { 'db.query_id': 'q-1' });
      }
    }
    await kit.container.resolve(Nested).handle();
    const parent = kit.span('task.handle');
    const child = kit.span('db.query');
    expect(child.parentSpanContext?.spanId).to.equal(parent.spanContext().spanId);
    expect(child.attributes).to.include({ 'db.query_id': 'q-1', task_type: 'nested' });
    expect(await kit.metricValue('db.query.count')).to.equal(1);
  });

  it('never exports the payload, whatever the handler returns', async () => {
    const task = echo();
    await task.handle(FlowEvent.create({ n: 1, secret: MARKER }));
    await task.handle(FlowEvent.create({ n: -1, secret: MARKER })).catch(() => undefined);
    const exported = JSON.stringify(
      kit.spans().map((s) => ({ a: s.attributes, e: s.events, st: s.status, n: s.name })),
    );
    expect(exported).to.not.include(MARKER);
    expect(JSON.stringify(await kit.metricPoints())).to.not.include(MARKER);
  });

  it('keeps spans and metrics of two containers apart', async () => {
    const other = TestTelemetry.create();
    try {
      await echo().handle(FlowEvent.create({ n: 1 }));
      const b = bindTask(other.container.resolve(EchoTask), { name: 'b', id: 0 });
      await b.handle(FlowEvent.create({ n: 1 }));
      await b.handle(FlowEvent.create({ n: 2 }));
      expect(kit.spans().map((s) => s.attributes.task)).to.deep.equal(['enrich']);
      expect(other.spans().map((s) => s.attributes.task)).to.deep.equal(['b', 'b']);
      expect(await kit.metricValue('task.handle.count')).to.equal(1);
      expect(await other.metricValue('task.handle.count')).to.equal(2);
    } finally {
      await other.shutdown();
    }
  });

  it('works with no telemetry registered (no span, same result)', async () => {
    const plain = container.createChildContainer().resolve(EchoTask);
    const out = await plain.handle(FlowEvent.create({ n: 4 }));
    expect((out.data as { doubled: number }).doubled).to.equal(8);
    expect(kit.spans()).to.have.length(0);
  });

  it('runs the handler untraced when the meter fails while making its instruments', async () => {
    const broken = {
      ...createNoopMeter(),
      createObservableCounter: () => {
        throw new Error('meter is broken');
      },
    };
    const scope = container.createChildContainer();
    const tracerProvider = new BasicTracerProvider();
    const handle = registerTelemetryProviders(scope, {
      tracerProvider,
      meterProvider: { getMeter: () => broken },
      forceFlush: async () => undefined,
      shutdown: async () => undefined,
    });
    try {
      const out = await scope.resolve(EchoTask).handle(FlowEvent.create({ n: 5 }));
      expect((out.data as { doubled: number }).doubled).to.equal(10);
    } finally {
      await handle.shutdown();
    }
  });

  it('resets spans and metrics between tests', async () => {
    await echo().handle(FlowEvent.create({ n: 1 }));
    await kit.reset();
    expect(kit.spans()).to.have.length(0);
    const afterReset = await kit.metricPoints('task.handle.count');
    expect(afterReset.reduce((n, p) => n + p.value, 0)).to.equal(0);
    await echo().handle(FlowEvent.create({ n: 1 }));
    expect(await kit.metricValue('task.handle.count')).to.equal(1);
  });
});
