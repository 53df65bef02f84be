import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { loadWorkerConfig } from '../../src/config/worker-config';
import { parseFlow } from '../../src/runtime/flow-loader';
import { runFlow } from '../../src/run-flow';
import { TaskFailedError } from '../../src/runtime/task-failed-error';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { CollectTask, TEST_TASKS } from './fixtures/test-tasks';

const FAST_RETRY = { retry: { max_attempts: 3, initial_backoff: '1ms', max_backoff: '2ms' } };

describe('FlowWorker', () => {
  let kit: TestTelemetry;
  beforeEach(() => {
    kit = TestTelemetry.create();
  });
  afterEach(() => kit.shutdown());

  function run(yaml: string, channelCapacity?: number) {
    return runFlow({
      flow: parseFlow(yaml, 'test.yaml'),
      worker: loadWorkerConfig(FAST_RETRY),
      container: kit.container,
      telemetry: kit.handle,
      taskClasses: TEST_TASKS,
      channelCapacity,
    });
  }

  const byId = (spans: ReadableSpan[], id: string | undefined) =>
    spans.find((s) => s.spanContext().spanId === id);

  it('makes one trace per event: source -> double -> collect, parent to child in wiring order', async () => {
    const result = await run(`
flow:
  name: linear
  tasks:
    - list: { name: src, items: [{ n: 1 }, { n: 2 }] }
    - double: { name: twice }
    - collect: { name: sink }
`);
    expect(CollectTask.received['sink']).to.deep.equal([{ n: 2 }, { n: 4 }]);
    expect(result.stats['sink']).to.deep.equal({ processed: 2, failed: 0, emitted: 0 });
    const handles = kit.spans('task.handle');
    expect(handles).to.have.length(6);
    const roots = handles.filter((s) => s.attributes.task === 'src');
    expect(roots).to.have.length(2);
    expect(new Set(roots.map((r) => r.spanContext().traceId)).size).to.equal(2);
    for (const root of roots) {
      expect(root.parentSpanContext).to.equal(undefined);
      const trace = handles.filter((s) => s.spanContext().traceId === root.spanContext().traceId);
      expect(trace).to.have.length(3);
      const twice = trace.find((s) => s.attributes.task === 'twice');
      const sink = trace.find((s) => s.attributes.task === 'sink');
      expect(twice?.parentSpanContext?.spanId).to.equal(root.spanContext().spanId);
      expect(sink?.parentSpanContext?.spanId).to.equal(twice?.spanContext().spanId);
      expect(sink?.attributes).to.include({ task: 'sink', task_id: 2, task_type: 'collect' });
    }
  });

  it('makes the worker spans: start with one register per task, one task.run per task, shutdown', async () => {
    await run(`
flow:
  name: lifecycle
  tasks:
    - list: { name: src, items: [{ n: 1 }] }
    - double: { name: twice }
    - collect: { name: sink }
`);
    const start = kit.span('task_manager.start');
    expect(start.parentSpanContext).to.equal(undefined);
    const registers = kit.spans('task_manager.register');
    expect(registers.map((s) => s.attributes.task)).to.deep.equal(['src', 'twice', 'sink']);
    expect(registers.map((s) => s.attributes.task_id)).to.deep.equal([0, 1, 2]);
    for (const r of registers) {
      expect(r.parentSpanContext?.spanId).to.equal(start.spanContext().spanId);
    }
    const runs = kit.spans('task.run');
    expect(runs.map((s) => s.attributes.task).sort()).to.deep.equal(['sink', 'src', 'twice']);
    for (const r of runs) expect(r.parentSpanContext).to.equal(undefined);
    expect(kit.span('task.run', { task: 'twice' }).attributes).to.deep.equal({
      task: 'twice',
      task_id: 1,
      task_type: 'double',
    });
    expect(kit.span('task_manager.shutdown').parentSpanContext).to.equal(undefined);
    expect(await kit.metricValue('task.run.count')).to.equal(3);
    expect(await kit.metricValue('task_manager.register.count')).to.equal(3);
  });

  it('fans out to siblings under one parent and fans in', async () => {
    await run(`
flow:
  name: fan
  tasks:
    - list: { name: src, items: [{ n: 1 }] }
    - double: { name: left, depends_on: [src] }
    - double: { name: right, depends_on: [src] }
    - collect: { name: sink, depends_on: [left, right] }
`);
    const handles = kit.spans('task.handle');
    const src = kit.span('task.handle', { task: 'src' });
    const left = kit.span('task.handle', { task: 'left' });
    const right = kit.span('task.handle', { task: 'right' });
    expect(left.parentSpanContext?.spanId).to.equal(src.spanContext().spanId);
    expect(right.parentSpanContext?.spanId).to.equal(src.spanContext().spanId);
    const sinks = kit.spans('task.handle').filter((s) => s.attributes.task === 'sink');
    expect(sinks).to.have.length(2);
    const parents = sinks.map((s) => byId(handles, s.parentSpanContext?.spanId)?.attributes.task);
    expect(parents.sort()).to.deep.equal(['left', 'right']);
    expect(new Set(handles.map((s) => s.spanContext().traceId)).size).to.equal(1);
    expect(CollectTask.received['sink']).to.have.length(2);
  });

  it('retries in one span, shows each failed attempt, counts one error only when the last attempt fails', async () => {
    const result = await run(`
flow:
  name: retries
  tasks:
    - list: { name: src, items: [{ n: 1, flaky: 2 }, { n: 2, bad: true }, { n: 3 }] }
    - double: { name: twice }
    - collect: { name: sink }
`);
    const twice = kit.spans('task.handle').filter((s) => s.attributes.task === 'twice');
    expect(twice).to.have.length(3);
    const [flaky, bad, fine] = twice;
    expect(flaky?.attributes['flowgen.attempts']).to.equal(3);
    expect(flaky?.status.code).to.equal(SpanStatusCode.UNSET);
    expect(flaky?.events.filter((e) => e.name === 'attempt.failed')).to.have.length(2);
    expect(bad?.attributes['flowgen.attempts']).to.equal(3);
    expect(bad?.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: 'bad event 2' });
    const attemptsOfBad = bad?.events.filter((e) => e.name === 'attempt.failed') ?? [];
    expect(attemptsOfBad.map((e) => e.attributes?.['flowgen.attempt'])).to.deep.equal([1, 2, 3]);
    expect(attemptsOfBad.map((e) => e.attributes?.['flowgen.will_retry'])).to.deep.equal([
      true,
      true,
      false,
    ]);
    expect(bad?.events.filter((e) => e.name === 'exception')).to.have.length(1);
    expect(fine?.status.code).to.equal(SpanStatusCode.UNSET);
    const attrs = { task: 'twice', task_id: 1, task_type: 'double' };
    expect(await kit.metricValue('task.handle.count', attrs)).to.equal(3);
    expect(await kit.metricValue('task.handle.errors', attrs)).to.equal(1);
    expect(CollectTask.received['sink']).to.deep.equal([{ n: 2 }, { n: 6 }]);
    expect(result.stats['twice']).to.deep.equal({ processed: 3, failed: 1, emitted: 2 });
  });

  it('bounds what waits between tasks when a downstream task is slow (backpressure)', async () => {
    const items = Array.from({ length: 40 }, (_, n) => ({ n }));
    let maxAhead = 0;
    const capacity = 4;
    const sampler = setInterval(() => {
      const produced = kit.spans('task.handle').filter((s) => s.attributes.task === 'src').length;
      const consumed = (CollectTask.received['sink'] ?? []).length;
      maxAhead = Math.max(maxAhead, produced - consumed);
    }, 1);
    try {
      await run(
        `
flow:
  name: slow
  tasks:
    - list: { name: src, items: ${JSON.stringify(items)} }
    - collect: { name: sink, delay_ms: 3 }
`,
        capacity,
      );
    } finally {
      clearInterval(sampler);
    }
    expect(CollectTask.received['sink']).to.have.length(40);
    // capacity in the channel, one being handled, one waiting to be sent
    expect(maxAhead).to.be.at.most(capacity + 2);
    expect(maxAhead).to.be.at.least(capacity);
  });

  it('rejects with TaskFailedError, after a graceful shutdown, when a task stops with an error', async () => {
    const error = await run(`
flow:
  name: broken
  tasks:
    - list: { name: src, items: [{ n: 1 }, { n: 2 }] }
    - script: { name: bad, code: "event.data = ;" }
    - collect: { name: sink }
`).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TaskFailedError);
    expect((error as TaskFailedError).failures.map((f) => f.task)).to.deep.equal(['bad']);
    expect(String(error)).to.match(/1 task\(s\) stopped with an error:\n {2}- bad: /);
    // the other tasks still ran to their end, and the worker shut down
    expect(kit.spans('task.run')).to.have.length(3);
    expect(kit.spans('task_manager.shutdown')).to.have.length(1);
  });

  it('rejects an unknown task type before anything starts, listing the known types', async () => {
    const error = await run(`
flow:
  name: bad
  tasks:
    - list: { name: src, items: [] }
    - nope: { name: what }
`).catch((e: unknown) => e);
    expect(String(error)).to.match(
      /flow\.tasks\[1\].*unknown task type `nope`.*known types: .*collect.*double.*list/s,
    );
    expect(kit.spans()).to.have.length(0);
  });
});
