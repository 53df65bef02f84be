import { ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { expect } from 'chai';
import { Handler } from '../../src/decorators/handler.decorator';
import { Task } from '../../src/decorators/task.decorator';
import { TaskManager } from '../../src/decorators/task-manager.decorator';
import { bindTask } from '../../src/telemetry/task-binding';
import { traceTaskRun } from '../../src/telemetry/task-spans';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';
import { DecoratorError } from '../../src/decorators/decorator-error';
import { contextManager } from '../../src/telemetry/context-manager';

@Task({ type: 'noop' })
class NoopTask {
  @Handler()
  handle(): void {}
}

@TaskManager({ start: 'start', register: 'register', shutdown: 'shutdown' })
class Manager {
  readonly registered: string[] = [];

  async start(tasks: object[]): Promise<void> {
    for (const t of tasks) await this.register(t);
  }

  async register(task: object | { name: string; id: number; type: string }): Promise<void> {
    this.registered.push(String((task as { name?: string }).name ?? task.constructor.name));
    await Promise.resolve();
  }

  shutdown(fail = false): void {
    if (fail) throw new Error('shutdown failed');
  }
}

describe('@TaskManager', () => {
  let kit: TestTelemetry;
  beforeEach(() => {
    kit = TestTelemetry.create();
  });
  afterEach(() => kit.shutdown());

  it('makes task_manager.start a root with one task_manager.register child per task', async () => {
    const manager = kit.container.resolve(Manager);
    const a = bindTask(kit.container.resolve(NoopTask), { name: 'a', id: 0 });
    const b = bindTask(kit.container.resolve(NoopTask), { name: 'b', id: 1 });
    // even when called inside another span, start is a root
    const outer = trace.getTracer('t').startSpan('outer');
    await contextManager.with(trace.setSpan(ROOT_CONTEXT, outer), () => manager.start([a, b]));
    const start = kit.span('task_manager.start');
    expect(start.parentSpanContext).to.equal(undefined);
    const registers = kit.spans('task_manager.register');
    expect(registers.map((r) => r.attributes)).to.deep.equal([
      { task: 'a', task_id: 0, task_type: 'noop' },
      { task: 'b', task_id: 1, task_type: 'noop' },
    ]);
    for (const r of registers)
      expect(r.parentSpanContext?.spanId).to.equal(start.spanContext().spanId);
    expect(await kit.metricValue('task_manager.register.count', { task: 'b' })).to.equal(1);
  });

  it('accepts a plain { name, id, type } descriptor in register', async () => {
    await kit.container.resolve(Manager).register({ name: 'ext', id: 7, type: 'kafka' });
    expect(kit.span('task_manager.register').attributes).to.deep.equal({
      task: 'ext',
      task_id: 7,
      task_type: 'kafka',
    });
  });

  it('makes task_manager.shutdown a root span and records its failure', () => {
    const manager = kit.container.resolve(Manager);
    manager.shutdown();
    expect(() => manager.shutdown(true)).to.throw('shutdown failed');
    const [ok, failed] = kit.spans('task_manager.shutdown');
    expect(ok?.parentSpanContext).to.equal(undefined);
    expect(ok?.status.code).to.equal(SpanStatusCode.UNSET);
    expect(failed?.status).to.deep.equal({
      code: SpanStatusCode.ERROR,
      message: 'shutdown failed',
    });
  });

  it('runs a task lifecycle in one root task.run span with the three attributes', async () => {
    const task = bindTask(kit.container.resolve(NoopTask), { name: 'loop', id: 2 });
    await traceTaskRun(task, async () => {
      task.handle();
      await Promise.resolve();
    });
    const run = kit.span('task.run');
    expect(run.parentSpanContext).to.equal(undefined);
    expect(run.attributes).to.deep.equal({ task: 'loop', task_id: 2, task_type: 'noop' });
    expect(typeof run.attributes.task_id).to.equal('number');
  });

  it('traces only the methods it is told, under the names it is told', async () => {
    @TaskManager({ start: 'boot' })
    class Told {
      async boot(): Promise<void> {
        await this.shutdown();
      }

      async shutdown(): Promise<void> {
        await Promise.resolve();
      }
    }
    await kit.container.resolve(Told).boot();
    expect(kit.spans().map((s) => s.name)).to.deep.equal(['task_manager.start']);
  });

  it('rejects being told nothing, or a method the class does not have', () => {
    expect(() => {
      @TaskManager({})
      class Nothing {}
      return Nothing;
    }).to.throw(DecoratorError, /was told no method/);
    expect(() => {
      @TaskManager({ start: 'begin' })
      class Missing {
        start(): void {}
      }
      return Missing;
    }).to.throw(
      DecoratorError,
      '@TaskManager({ start: "begin" }) on Missing: Missing has no method begin. Name a method of the class (it becomes the task_manager.start span), or leave start out.',
    );
  });
});
