/*
 * Handlers that throw, reject, fail mid-iteration, never settle or return a
 * thenable whose `then` throws: the worker goes on with the next event, every
 * span started is ended exactly once, and task.handle.count / .errors match
 * the events and failures exactly. Telemetry that itself throws never reaches
 * user code. The mix of behaviours is random but seeded: the seed is in the
 * test titles, and FLOWGEN_SPEC_SEED=<seed> replays a run.
 */
import type {
  Meter,
  MeterProvider as MeterProviderApi,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { loadWorkerConfig } from '../../src/config/worker-config';
import { FlowEvent } from '../../src/runtime/event';
import type { FlowDefinition } from '../../src/runtime/flow-definition';
import { HandlerTimeoutError } from '../../src/runtime/handler-timeout-error';
import { runFlow } from '../../src/run-flow';
import type { FlowRunResult } from '../../src/run-flow';
import { bindTask } from '../../src/telemetry/task-binding';
import { setTelemetryFailureListener } from '../../src/telemetry/telemetry-failure';
import type { TelemetryFailureListener } from '../../src/telemetry/telemetry-failure';
import {
  FAILS_IN_RUNTIME,
  FAULT_TASKS,
  FaultyTask,
  InjectedFault,
  faultMix,
  outputsOf,
} from './fixtures/fault-tasks';
import type { FaultData, FaultMode } from './fixtures/fault-tasks';
import { CountingSpanProcessor } from './fixtures/counting-span-processor';
import { seededRandom, specSeed } from './fixtures/seeded-random';
import { TelemetryRig } from './fixtures/telemetry-rig';

const SEED = specSeed();
const EVENTS = 200;
const TIMEOUT = '40ms';

/** source -> faulty -> sink, with `extra` keys on the faulty task (e.g. handler_timeout). */
function faultFlow(
  modes: readonly FaultMode[],
  extra: Record<string, unknown> = {},
): FlowDefinition {
  return {
    name: 'faults',
    tasks: [
      { id: 0, type: 'fault_source', name: 'src', config: { modes: [...modes] }, dependsOn: [] },
      { id: 1, type: 'faulty', name: 'faulty', config: { ...extra }, dependsOn: ['src'] },
      { id: 2, type: 'fault_sink', name: 'sink', config: {}, dependsOn: ['faulty'] },
    ],
  };
}

function count(modes: readonly FaultMode[], pick: (m: FaultMode) => boolean): number {
  return modes.filter(pick).length;
}

/** The error class of each failed attempt, from the runtime's `attempt.failed` events. */
function exceptionTypes(span: ReadableSpan): unknown[] {
  return span.events
    .filter((e) => e.name === 'attempt.failed')
    .map((e) => e.attributes?.['exception.type']);
}

describe(`reliability: handler faults (seed ${SEED}; replay with FLOWGEN_SPEC_SEED=${SEED})`, () => {
  let rig: TelemetryRig;
  let failures: string[];
  let previousListener: TelemetryFailureListener | undefined;

  beforeEach(() => {
    rig = new TelemetryRig();
    failures = [];
    previousListener = setTelemetryFailureListener((_error, where) => failures.push(where));
  });
  afterEach(async () => {
    setTelemetryFailureListener(previousListener);
    FaultyTask.releaseAll();
    await rig.shutdown();
  });

  /** The assertions every runtime run shares: stats, spans exactly once, exact metrics. */
  async function expectRunAccounted(
    result: FlowRunResult,
    modes: readonly FaultMode[],
    context: string,
  ): Promise<void> {
    const failed = count(modes, (m) => FAILS_IN_RUNTIME.has(m));
    const emitted = modes.reduce((n, m) => n + outputsOf(m), 0);
    expect(result.stats['faulty'], context).to.deep.equal({
      processed: modes.length,
      failed,
      emitted,
    });
    expect(result.stats['src'], context).to.deep.equal({
      processed: modes.length,
      failed: 0,
      emitted: modes.length,
    });
    expect(result.stats['sink'], context).to.deep.include({ processed: emitted, failed: 0 });

    expect(rig.counter.violations(), context).to.deep.equal([]);
    expect(rig.counter.countNamed('task.handle'), context).to.equal(2 * modes.length + emitted);
    expect(rig.exporter.getFinishedSpans().length, context).to.equal(rig.counter.started.size);

    const faulty = { task: 'faulty' };
    expect(await rig.metric('task.handle.count', faulty), context).to.equal(modes.length);
    expect(await rig.metric('task.handle.errors', faulty), context).to.equal(failed);
    expect(await rig.metric('task.handle.duration', faulty), context).to.equal(modes.length);
    expect(await rig.metric('task.handle.count', { task: 'sink' }), context).to.equal(emitted);
    expect(await rig.metric('task.handle.errors', { task: 'src' }), context).to.equal(0);
    expect(await rig.metric('task.run.count'), context).to.equal(3);
    expect(await rig.metric('task.run.errors'), context).to.equal(0);

    const spans = rig.exporter.getFinishedSpans().filter((s) => s.name === 'task.handle');
    const faultySpans = spans.filter((s) => s.attributes['task'] === 'faulty');
    expect(faultySpans, context).to.have.length(modes.length);
    const errorSpans = faultySpans.filter((s) => s.status.code === SpanStatusCode.ERROR);
    expect(errorSpans, context).to.have.length(failed);
    const timedOut = errorSpans.filter((s) => exceptionTypes(s).includes(HandlerTimeoutError.name));
    expect(timedOut, context).to.have.length(count(modes, (m) => m === 'hang'));
    for (const span of timedOut) {
      const recorded = span.events.filter((e) => e.name === 'exception');
      expect(recorded.map((e) => e.attributes?.['exception.type'])).to.deep.equal([
        HandlerTimeoutError.name,
      ]);
    }
    const injected = errorSpans.filter((s) => exceptionTypes(s).includes('InjectedFault'));
    expect(injected, context).to.have.length(failed - timedOut.length);
    expect(failures, `telemetry failures: ${failures.join(', ')}`).to.deep.equal([]);
  }

  it('control: the counting processor flags a span ended twice and a span never ended', async () => {
    const counter = new CountingSpanProcessor();
    const provider = new BasicTracerProvider({ spanProcessors: [counter] });
    const tracer = provider.getTracer('control');
    const twice = tracer.startSpan('twice');
    twice.end();
    twice.end();
    tracer.startSpan('open');
    tracer.startSpan('fine').end();
    const found = counter.violations().join('\n');
    expect(found).to.match(/twice \w+: end\(\) called 2 times/);
    expect(found).to.match(/open \w+ ended 0 times/);
    expect(found).to.not.include('fine');
    await provider.shutdown();
  });

  it(`runtime: ${EVENTS} events of mixed faults with a per-task handler_timeout; the worker goes on, every span ends once, counts are exact`, async () => {
    const modes = faultMix(seededRandom(SEED), EVENTS);
    const result = await runFaultFlow(rig, modes);
    await expectRunAccounted(result, modes, `seed ${SEED}`);
  });

  it('runtime: worker-level handler_timeout with retries: each event still one span and counted once', async () => {
    const seed = SEED + 1;
    const modes = faultMix(seededRandom(seed), 60);
    const result = await runFlow({
      flow: faultFlow(modes),
      worker: loadWorkerConfig({
        retry: { max_attempts: 2, initial_backoff: '1ms', max_backoff: '1ms' },
        handler_timeout: TIMEOUT,
        shutdown_timeout: '5s',
      }),
      container: rig.container,
      telemetry: rig.handle,
      taskClasses: FAULT_TASKS,
    });
    await expectRunAccounted(result, modes, `seed ${seed}`);
    // Every failed event shows both of its attempts on its one span.
    const failedSpans = rig.exporter
      .getFinishedSpans()
      .filter((s) => s.attributes['task'] === 'faulty' && s.status.code === SpanStatusCode.ERROR);
    for (const span of failedSpans) expect(span.attributes['flowgen.attempts']).to.equal(2);
  });

  it(`direct @Handler calls: ${EVENTS} calls of mixed faults; each result or error passes through, every span ends once`, async () => {
    const modes = faultMix(seededRandom(SEED + 2), EVENTS);
    const task = bindTask(rig.container.resolve(FaultyTask), { name: 'faulty', id: 1 });
    const hanging: Promise<unknown>[] = [];
    const outcomes: string[] = [];
    for (const [n, mode] of modes.entries()) {
      outcomes.push(await callDirect(task, { mode, n }, hanging));
    }
    // Until released, a never-settling handler's span stays open: started, not ended.
    const hangs = count(modes, (m) => m === 'hang');
    expect(hanging).to.have.length(hangs);
    expect(rig.counter.started.size - rig.counter.ended.size).to.equal(hangs);
    FaultyTask.releaseAll();
    await Promise.all(hanging);

    const expected = modes.map((mode, n) => directOutcome(mode, n));
    expect(outcomes, `seed ${SEED + 2}`).to.deep.equal(expected);
    expect(rig.counter.violations()).to.deep.equal([]);
    expect(rig.counter.started.size).to.equal(EVENTS);
    // The handler's own failures count as errors. A thenable is a value to the
    // tracer: its `then` throws in the caller's await, after the span ended ok.
    const errors = count(modes, (m) => m === 'throw' || m === 'reject' || m === 'gen-throw');
    expect(await rig.metric('task.handle.count', { task: 'faulty' })).to.equal(EVENTS);
    expect(await rig.metric('task.handle.errors', { task: 'faulty' })).to.equal(errors);
    expect(failures).to.deep.equal([]);
  });

  describe('telemetry that throws never reaches user code', () => {
    const SAMPLE: FaultMode[] = [
      'ok',
      'many',
      'throw',
      'reject',
      'gen-throw',
      'bad-thenable',
      'slow',
    ];

    it('a tracer whose startSpan throws: direct calls return their own results and errors', async () => {
      const broken = new TelemetryRig({ tracerProvider: throwingTracerProvider() });
      try {
        const task = bindTask(broken.container.resolve(FaultyTask), { name: 'faulty', id: 1 });
        const outcomes: string[] = [];
        for (const [n, mode] of SAMPLE.entries())
          outcomes.push(await callDirect(task, { mode, n }, []));
        expect(outcomes).to.deep.equal(SAMPLE.map((m, n) => directOutcome(m, n)));
        expect(failures.filter((w) => w.startsWith('starting'))).to.have.length(SAMPLE.length);
        // Metrics do not depend on spans: still exact.
        expect(await broken.metric('task.handle.count', { task: 'faulty' })).to.equal(
          SAMPLE.length,
        );
        expect(await broken.metric('task.handle.errors', { task: 'faulty' })).to.equal(3);
      } finally {
        await broken.shutdown();
      }
    });

    it('a tracer whose startSpan throws: a whole flow of mixed faults runs to the end with exact counts', async () => {
      const broken = new TelemetryRig({ tracerProvider: throwingTracerProvider() });
      try {
        const modes = faultMix(seededRandom(SEED + 3), 40);
        const result = await runFaultFlow(broken, modes);
        const failed = count(modes, (m) => FAILS_IN_RUNTIME.has(m));
        expect(result.stats['faulty']).to.include({ processed: modes.length, failed });
        expect(await broken.metric('task.handle.count', { task: 'faulty' })).to.equal(modes.length);
        expect(await broken.metric('task.handle.errors', { task: 'faulty' })).to.equal(failed);
        expect(failures.length).to.be.greaterThan(0);
      } finally {
        await broken.shutdown();
      }
    });

    it('a meter whose histogram.record throws: results and errors pass through, spans still end once', async () => {
      const broken = new TelemetryRig({ meterProvider: throwingHistogramMeterProvider() });
      try {
        const task = bindTask(broken.container.resolve(FaultyTask), { name: 'faulty', id: 1 });
        const outcomes: string[] = [];
        for (const [n, mode] of SAMPLE.entries())
          outcomes.push(await callDirect(task, { mode, n }, []));
        expect(outcomes).to.deep.equal(SAMPLE.map((m, n) => directOutcome(m, n)));
        expect(broken.counter.violations()).to.deep.equal([]);
        expect(broken.counter.started.size).to.equal(SAMPLE.length);
        expect(failures.filter((w) => w.startsWith('ending'))).to.have.length(SAMPLE.length);

        const modes = faultMix(seededRandom(SEED + 4), 30);
        const result = await runFaultFlow(broken, modes);
        const failed = count(modes, (m) => FAILS_IN_RUNTIME.has(m));
        expect(result.stats['faulty']).to.include({ processed: modes.length, failed });
        expect(broken.counter.violations()).to.deep.equal([]);
      } finally {
        await broken.shutdown();
      }
    });
  });
});

/**
 * Calls the decorated handler directly as user code would, consuming what it
 * returns (awaiting a Promise or thenable, iterating a generator), and says
 * what happened. A `hang` result is not awaited: its settling is pushed to
 * `hanging`.
 */
/** Runs the fault flow once per mode, one attempt each, with the per-task handler_timeout. */
function runFaultFlow(rig: TelemetryRig, modes: readonly FaultMode[]): ReturnType<typeof runFlow> {
  return runFlow({
    flow: faultFlow(modes, { handler_timeout: TIMEOUT }),
    worker: loadWorkerConfig({ retry: { max_attempts: 1 }, shutdown_timeout: '5s' }),
    container: rig.container,
    telemetry: rig.handle,
    taskClasses: FAULT_TASKS,
  });
}

async function callDirect(
  task: FaultyTask,
  data: FaultData,
  hanging: Promise<unknown>[],
): Promise<string> {
  let result: unknown;
  try {
    result = task.handle(FlowEvent.create(data));
  } catch (error) {
    return describeError(error, data);
  }
  if (data.mode === 'hang') {
    hanging.push(Promise.resolve(result));
    return 'pending';
  }
  try {
    if (isAsyncIterable(result)) {
      const items: unknown[] = [];
      for await (const item of result) items.push(item);
      return `yielded ${items.length}`;
    }
    const value: unknown = await (result as Promise<unknown>);
    return `value ${JSON.stringify(value)}`;
  } catch (error) {
    return describeError(error, data);
  }
}

/** What {@link callDirect} must report for a mode. */
function directOutcome(mode: FaultMode, n: number): string {
  switch (mode) {
    case 'ok':
    case 'slow':
      return `value ${JSON.stringify({ n })}`;
    case 'many':
      return 'yielded 2';
    case 'hang':
      return 'pending';
    default:
      return `InjectedFault ${mode} ${n}`;
  }
}

/** The handler's own error, unchanged: an InjectedFault for this very event. */
function describeError(error: unknown, data: FaultData): string {
  if (!(error instanceof InjectedFault)) return `foreign error: ${String(error)}`;
  if (!error.message.includes(`at event ${data.n}`)) return `wrong event: ${error.message}`;
  return `InjectedFault ${data.mode} ${data.n}`;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function'
  );
}

/** A TracerProvider whose tracers throw from every span-starting call. */
function throwingTracerProvider(): TracerProvider {
  const fail = (): never => {
    throw new Error('tracer is broken');
  };
  const tracer = { startSpan: fail, startActiveSpan: fail } as unknown as Tracer;
  return { getTracer: () => tracer };
}

/** A MeterProvider like the SDK's, except that every histogram's `record` throws. */
function throwingHistogramMeterProvider(): MeterProviderApi {
  const real = new MeterProvider();
  return {
    getMeter: (...args: Parameters<MeterProviderApi['getMeter']>): Meter => {
      const meter = real.getMeter(...args);
      return new Proxy(meter, {
        get(target, prop, receiver) {
          if (prop === 'createHistogram') {
            return () => ({
              record: (): never => {
                throw new Error('histogram is broken');
              },
            });
          }
          const value: unknown = Reflect.get(target, prop, receiver);
          return typeof value === 'function'
            ? (value as (...a: unknown[]) => unknown).bind(target)
            : value;
        },
      });
    },
  };
}
