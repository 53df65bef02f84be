import type { Context } from '@opentelemetry/api';
import { ROOT_CONTEXT, context, metrics, propagation, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { container as rootContainer } from 'tsyringe';
import { Handler } from '../../src/decorators/handler.decorator';
import { Task } from '../../src/decorators/task.decorator';
import { FlowEvent } from '../../src/runtime/event';
import {
  ensureContextManager,
  hasWorkingContextManager,
} from '../../src/telemetry/context-manager';
import { registerTelemetry } from '../../src/telemetry/register-telemetry';
import { bindTask } from '../../src/telemetry/task-binding';
import { traceTaskRun } from '../../src/telemetry/task-spans';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { extractTraceContext, injectTraceContext } from '../../src/telemetry/trace-propagation';

/** What a handler saw of the OTel API while it ran. */
interface Seen {
  activeSpanId?: string;
  userSpanParent?: string;
  userSpanTrace?: string;
  carrier?: Record<string, string>;
  libraryRecording?: boolean;
}

const userExporter = new InMemorySpanExporter();
const userProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(userExporter)],
});

@Task({ type: 'probe' })
class ProbeTask {
  seen: Seen = {};
  /** Called inside the handler, e.g. another container's task. */
  inner: (() => unknown) | undefined;

  @Handler()
  async handle(_event: FlowEvent): Promise<void> {
    await Promise.resolve();
    this.seen.activeSpanId = trace.getActiveSpan()?.spanContext().spanId;
    // the user's own tracer, from their own provider
    await userProvider.getTracer('user').startActiveSpan('user.work', async (span) => {
      const parent = (span as unknown as { parentSpanContext?: { spanId: string } })
        .parentSpanContext;
      this.seen.userSpanParent = parent?.spanId;
      this.seen.userSpanTrace = span.spanContext().traceId;
      await Promise.resolve();
      span.end();
    });
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    this.seen.carrier = carrier;
    const library = trace.getTracer('some-library').startSpan('library.call');
    this.seen.libraryRecording = library.isRecording();
    library.end();
    await this.inner?.();
  }
}

describe('telemetry on the @opentelemetry/api context', () => {
  let kit: TestTelemetry;
  beforeEach(() => {
    userExporter.reset();
    kit = TestTelemetry.create();
  });
  afterEach(() => kit.shutdown());

  const probe = (name = 'probe', id = 0): ProbeTask =>
    bindTask(kit.container.resolve(ProbeTask), { name, id });

  it('makes task.handle the active span of the OTel API; a user span started in the handler is its child', async () => {
    const task = probe();
    await task.handle(FlowEvent.create({ n: 1 }));
    const handle = kit.span('task.handle');
    expect(task.seen.activeSpanId).to.equal(handle.spanContext().spanId);
    expect(task.seen.userSpanParent).to.equal(handle.spanContext().spanId);
    expect(task.seen.userSpanTrace).to.equal(handle.spanContext().traceId);
    const [user] = userExporter.getFinishedSpans();
    expect(user?.name).to.equal('user.work');
    expect(kit.spans().map((s) => s.name)).to.deep.equal(['task.handle']);
  });

  it('the test kit installs no global provider or propagator: library spans are no-ops there', async () => {
    const task = probe();
    await task.handle(FlowEvent.create({ n: 1 }));
    expect(task.seen.libraryRecording).to.equal(false);
    expect(task.seen.carrier).to.deep.equal({});
    expect(propagation.fields()).to.deep.equal([]);
  });

  it('injectTraceContext sends the task.handle span with W3C when no propagator is registered; extract continues it', async () => {
    @Task({ type: 'sender' })
    class Sender {
      headers: Record<string, string> = {};
      @Handler()
      handle(): void {
        injectTraceContext(this.headers);
      }
    }
    const sender = kit.container.resolve(Sender);
    sender.handle();
    const sent = kit.span('task.handle').spanContext();
    expect(sender.headers.traceparent).to.equal(`00-${sent.traceId}-${sent.spanId}-01`);

    const receiver = probe('receiver', 1);
    const event = FlowEvent.create({ n: 1 }, { traceContext: extractTraceContext(sender.headers) });
    expect(event.spanContext?.isRemote).to.equal(true);
    await receiver.handle(event);
    const received = kit.span('task.handle', { task: 'receiver' });
    expect(received.spanContext().traceId).to.equal(sent.traceId);
    expect(received.parentSpanContext?.spanId).to.equal(sent.spanId);
  });

  it('a malformed traceparent starts a new trace', async () => {
    const event = FlowEvent.create(
      { n: 1 },
      { traceContext: extractTraceContext({ traceparent: '00-zz-bad-01' }) },
    );
    expect(event.spanContext).to.equal(undefined);
    await probe().handle(event);
    expect(kit.span('task.handle').parentSpanContext).to.equal(undefined);
  });

  it('two containers share the one context but never each other’s spans or metrics', async () => {
    const other = TestTelemetry.create();
    try {
      const outer = probe('outer', 0);
      const inner = bindTask(other.container.resolve(ProbeTask), { name: 'inner', id: 1 });
      outer.inner = () => inner.handle(FlowEvent.create({ n: 2 }));
      await outer.handle(FlowEvent.create({ n: 1 }));
      const a = kit.span('task.handle');
      const b = other.span('task.handle');
      expect(kit.spans().map((s) => s.attributes.task)).to.deep.equal(['outer']);
      expect(other.spans().map((s) => s.attributes.task)).to.deep.equal(['inner']);
      // the event was created inside outer's span, so inner continues its trace
      expect(b.parentSpanContext?.spanId).to.equal(a.spanContext().spanId);
      expect(await kit.metricValue('task.handle.count')).to.equal(1);
      expect(await other.metricValue('task.handle.count')).to.equal(1);
      const counted = await kit.metricPoints('task.handle.count');
      expect(counted.map((p) => p.attributes.task)).to.deep.equal(['outer']);
    } finally {
      await other.shutdown();
    }
  });

  describe('the parent rule of task.handle', () => {
    const tracer = userProvider.getTracer('user');
    const inSpan = <R>(fn: (ctx: Context) => R): R => {
      const span = tracer.startSpan('user.outer');
      try {
        const ctx = trace.setSpan(ROOT_CONTEXT, span);
        return context.with(ctx, () => fn(ctx));
      } finally {
        span.end();
      }
    };

    it('an event continues the span that was active where it was created', async () => {
      const event = inSpan(() => FlowEvent.create({ n: 1 }));
      await probe().handle(event);
      const [outer] = userExporter.getFinishedSpans();
      expect(kit.span('task.handle').parentSpanContext?.spanId).to.equal(
        outer?.spanContext().spanId,
      );
    });

    it('an event that carries no context is a new root, even when handled inside a span', async () => {
      const event = FlowEvent.create({ n: 1 });
      await inSpan(() => probe().handle(event));
      expect(kit.span('task.handle').parentSpanContext).to.equal(undefined);
    });

    it('a call whose argument is not an event is a child of the active span', () => {
      @Task({ type: 'plain_args' })
      class PlainArgs {
        @Handler()
        handle(n: number): number {
          return n + 1;
        }
      }
      const task = kit.container.resolve(PlainArgs);
      const parentId = inSpan((ctx) => {
        task.handle(1);
        return trace.getSpanContext(ctx)?.spanId;
      });
      expect(kit.span('task.handle').parentSpanContext?.spanId).to.equal(parentId);
    });

    it('an event created directly under task.run carries no context; one created in a span under it does', async () => {
      const task = probe('source', 0);
      const events = await traceTaskRun(task, async () => {
        const direct = FlowEvent.create({ n: 1 });
        const nested = await tracer.startActiveSpan('poll', async (span) => {
          const e = FlowEvent.create({ n: 2 });
          span.end();
          return e;
        });
        return { direct, nested };
      });
      expect(events.direct.spanContext).to.equal(undefined);
      expect(events.nested.spanContext?.traceId).to.equal(
        kit.span('task.run').spanContext().traceId,
      );
    });
  });
});

describe('registerTelemetry and the OTel globals', () => {
  afterEach(() => {
    trace.disable();
    metrics.disable();
    propagation.disable();
  });

  it('installGlobals: instrumentation libraries and propagation.inject go through the container; shutdown takes them out', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const scope = rootContainer.createChildContainer();
    const telemetry = registerTelemetry(scope, undefined, {
      useProviders: { tracerProvider: provider },
      installGlobals: true,
    });
    const task = bindTask(scope.resolve(ProbeTask), { name: 'global', id: 0 });
    await task.handle(FlowEvent.create({ n: 1 }));
    const handle = exporter.getFinishedSpans().find((s) => s.name === 'task.handle');
    const library = exporter.getFinishedSpans().find((s) => s.name === 'library.call');
    expect(task.seen.libraryRecording).to.equal(true);
    expect(library?.parentSpanContext?.spanId).to.equal(handle?.spanContext().spanId);
    const sc = handle!.spanContext();
    expect(task.seen.carrier?.traceparent).to.equal(
      `00-${sc.traceId}-${sc.spanId}-0${TraceFlags.SAMPLED}`,
    );

    await telemetry.shutdown();
    expect(propagation.fields()).to.deep.equal([]);
    expect(trace.getTracer('x').startSpan('after').isRecording()).to.equal(false);
  });

  it('installGlobals leaves globals another party registered, and does not remove them on shutdown', async () => {
    const theirs = new BasicTracerProvider();
    trace.setGlobalTracerProvider(theirs);
    const scope = rootContainer.createChildContainer();
    const telemetry = registerTelemetry(scope, undefined, {
      useProviders: { tracerProvider: new BasicTracerProvider() },
      installGlobals: true,
    });
    await telemetry.shutdown();
    const delegate = (
      trace.getTracerProvider() as unknown as { getDelegate(): unknown }
    ).getDelegate();
    expect(delegate).to.equal(theirs);
  });

  it("useProviders 'global': flowgen spans join a NodeSDK-style global pipeline, which shutdown leaves running", async () => {
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    const scope = rootContainer.createChildContainer();
    const telemetry = registerTelemetry(scope, undefined, { useProviders: 'global' });
    expect(telemetry.enabled).to.equal(true);
    await bindTask(scope.resolve(ProbeTask), { name: 'joined', id: 4 }).handle(
      FlowEvent.create({ n: 1 }),
    );
    await telemetry.shutdown();
    trace.getTracer('user').startSpan('after shutdown').end();
    const names = exporter.getFinishedSpans().map((s) => s.name);
    expect(names).to.include.members(['task.handle', 'library.call', 'after shutdown']);
    const handle = exporter.getFinishedSpans().find((s) => s.name === 'task.handle');
    expect(handle?.attributes).to.include({ task: 'joined', task_id: 4, task_type: 'probe' });
  });

  it("useProviders 'global' with installGlobals and no SDK: installs nothing (the proxy never points at itself)", async () => {
    const scope = rootContainer.createChildContainer();
    const telemetry = registerTelemetry(scope, undefined, {
      useProviders: 'global',
      installGlobals: true,
    });
    // with the global proxy installed as its own delegate this recursed without end
    expect(() => trace.getTracer('user').startSpan('probe').end()).to.not.throw();
    await bindTask(scope.resolve(ProbeTask), { name: 'alone', id: 5 }).handle(
      FlowEvent.create({ n: 1 }),
    );
    await telemetry.shutdown();
    const delegate = (
      trace.getTracerProvider() as unknown as { getDelegate(): unknown }
    ).getDelegate();
    expect(delegate).to.not.equal(trace.getTracerProvider());
  });
});

describe('the global context manager', () => {
  afterEach(() => {
    context.disable();
    ensureContextManager();
  });

  it('uses a context manager the user registered (a NodeSDK) instead of its own', async () => {
    let calls = 0;
    class Counting extends AsyncLocalStorageContextManager {
      override with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
        ctx: Context,
        fn: F,
        thisArg?: ThisParameterType<F>,
        ...args: A
      ): ReturnType<F> {
        calls++;
        return super.with(ctx, fn, thisArg, ...args);
      }
    }
    context.disable();
    expect(context.setGlobalContextManager(new Counting().enable())).to.equal(true);
    expect(ensureContextManager()).to.equal(false);
    const kit = TestTelemetry.create();
    try {
      const before = calls;
      const task = kit.container.resolve(ProbeTask);
      await task.handle(FlowEvent.create({ n: 1 }));
      expect(calls).to.be.greaterThan(before);
      expect(task.seen.activeSpanId).to.equal(kit.span('task.handle').spanContext().spanId);
    } finally {
      await kit.shutdown();
    }
  });

  it('registers an AsyncLocalStorage manager when none works', () => {
    context.disable();
    expect(hasWorkingContextManager()).to.equal(false);
    const kit = TestTelemetry.create();
    expect(hasWorkingContextManager()).to.equal(true);
    return kit.shutdown();
  });
});
