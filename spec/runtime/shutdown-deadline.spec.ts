import { SpanStatusCode } from '@opentelemetry/api';
import { expect } from 'chai';
import { loadWorkerConfig } from '../../src/config/worker-config';
import { Handler } from '../../src/decorators/handler.decorator';
import { Task } from '../../src/decorators/task.decorator';
import { FlowEvent } from '../../src/runtime/event';
import { parseFlow } from '../../src/runtime/flow-loader';
import { runFlow } from '../../src/run-flow';
import type { TaskContext, TaskLifecycle } from '../../src/runtime/task-context';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { ListSource } from './fixtures/test-tasks';

/** Never settles and ignores every signal: the worst handler there is. */
@Task({ type: 'deaf' })
class DeafTask {
  static started = 0;

  @Handler()
  handle(): Promise<never> {
    DeafTask.started++;
    return new Promise<never>(() => undefined);
  }
}

/** Waits until `ctx.deadline` aborts, then fails the way a cancelled request does. */
@Task({ type: 'polite' })
class PoliteTask {
  static sawDeadline = 0;

  @Handler()
  handle(_event: FlowEvent, ctx: TaskContext): Promise<never> {
    return new Promise<never>((_, reject) => {
      ctx.deadline.addEventListener('abort', () => {
        PoliteTask.sawDeadline++;
        reject(new Error('aborted by ctx.deadline'));
      });
    });
  }
}

/** A source that never ends and ignores `ctx.signal`. */
@Task({ type: 'stubborn', source: true })
class StubbornSource implements TaskLifecycle {
  run(): Promise<void> {
    return new Promise<void>(() => undefined);
  }

  @Handler()
  handle(event: FlowEvent): FlowEvent {
    return event;
  }
}

const TASKS = [ListSource, DeafTask, PoliteTask, StubbornSource];

describe('shutdown deadline (in process)', () => {
  let kit: TestTelemetry;
  beforeEach(() => {
    kit = TestTelemetry.create();
    DeafTask.started = 0;
    PoliteTask.sawDeadline = 0;
  });
  afterEach(() => kit.shutdown());

  async function stopAfterFirst(yaml: string, shutdownTimeout: string) {
    const controller = new AbortController();
    const started = Date.now();
    let abortedAt = 0;
    const running = runFlow({
      flow: parseFlow(yaml, 'test.yaml'),
      worker: loadWorkerConfig({ shutdown_timeout: shutdownTimeout, retry: { max_attempts: 1 } }),
      container: kit.container,
      telemetry: kit.handle,
      taskClasses: TASKS,
      signal: controller.signal,
    });
    const poll = setInterval(() => {
      if (DeafTask.started + PoliteTask.sawDeadline > 0 || Date.now() - started > 150) {
        clearInterval(poll);
        abortedAt = Date.now();
        controller.abort();
      }
    }, 5);
    const result = await running;
    clearInterval(poll);
    return { result, msAfterAbort: Date.now() - abortedAt };
  }

  it('abandons a handler that never settles at the deadline: returns in time, its events counted lost, its span ends in ERROR', async () => {
    const { result, msAfterAbort } = await stopAfterFirst(
      `
flow:
  name: deaf
  tasks:
    - list: { name: src, items: [1, 2, 3, 4, 5] }
    - deaf: { name: stuck }
`,
      '300ms',
    );
    expect(msAfterAbort).to.be.within(250, 1_000);
    expect(result.stats).to.deep.equal({
      src: { processed: 5, failed: 0, emitted: 5 },
      stuck: { processed: 0, failed: 0, emitted: 0 },
    });
    expect(result.lost).to.deep.equal({ stuck: 5 });
    expect(DeafTask.started, 'the other four never started').to.equal(1);
    const stuck = kit.spans('task.handle').filter((s) => s.attributes.task === 'stuck');
    expect(stuck).to.have.length(1);
    expect(stuck[0]!.status.code).to.equal(SpanStatusCode.ERROR);
    expect(stuck[0]!.status.message).to.contain('shutdown deadline');
    const runs = kit.spans('task.run').map((s) => [s.attributes.task, s.status.code]);
    expect(runs).to.have.deep.members([
      ['src', SpanStatusCode.UNSET],
      ['stuck', SpanStatusCode.UNSET],
    ]);
  });

  it('aborts ctx.deadline for a handler that listens: it stops, and its event is still counted lost', async () => {
    const { result } = await stopAfterFirst(
      `
flow:
  name: polite
  tasks:
    - list: { name: src, items: [1, 2] }
    - polite: { name: p }
`,
      '200ms',
    );
    expect(PoliteTask.sawDeadline).to.equal(1);
    expect(result.lost).to.deep.equal({ p: 2 });
    expect(result.stats.p).to.deep.equal({ processed: 0, failed: 0, emitted: 0 });
  });

  it('abandons a source that ignores ctx.signal: returns at the deadline without a task failure', async () => {
    const { result, msAfterAbort } = await stopAfterFirst(
      `
flow:
  name: stubborn
  tasks:
    - stubborn: { name: src }
`,
      '200ms',
    );
    expect(msAfterAbort).to.be.within(150, 1_000);
    expect(result.lost).to.deep.equal({});
    const run = kit.spans('task.run').find((s) => s.attributes.task === 'src');
    expect(run?.status.code, 'the abandoned source run ends in ERROR').to.equal(
      SpanStatusCode.ERROR,
    );
  });
});
