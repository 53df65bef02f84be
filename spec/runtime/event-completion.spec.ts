/*
 * EventCompletion through the real FlowWorker: a source that tracks its
 * events learns when every downstream task handled them (fan-out and
 * fan-in), and with which failure.
 */
import { expect } from 'chai';
import { Handler } from '../../src/decorators/handler.decorator';
import { Task } from '../../src/decorators/task.decorator';
import { loadWorkerConfig } from '../../src/config/worker-config';
import { FlowEvent } from '../../src/runtime/event';
import type { CompletionResult } from '../../src/runtime/event-completion';
import { EventCompletion } from '../../src/runtime/event-completion';
import { parseFlow } from '../../src/runtime/flow-loader';
import { runFlow } from '../../src/run-flow';
import type { TaskContext, TaskLifecycle } from '../../src/runtime/task-context';
import { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';

/** What happened, in order, across the tasks of one run. */
const timeline: string[] = [];
const results: CompletionResult[] = [];

/** Pushes two events, each tracked; notes when each completion settles. */
@Task({ type: 'tracked_source', source: true })
class TrackedSource implements TaskLifecycle {
  async run(ctx: TaskContext): Promise<void> {
    await Promise.all(
      ['a', 'b'].map(async (id) => {
        const event = FlowEvent.create({ id }, { id });
        const completion = EventCompletion.track(event);
        await ctx.push(event);
        timeline.push(`pushed ${id}`);
        const result = await completion.settled;
        timeline.push(`settled ${id}`);
        results.push(result);
      }),
    );
  }

  @Handler()
  handle(event: FlowEvent): FlowEvent {
    return event;
  }
}

/** Waits a little, then notes the event; fails event b. */
@Task({ type: 'slow_branch' })
class SlowBranch {
  @Handler()
  async handle(event: FlowEvent<{ id: string }>): Promise<FlowEvent> {
    await new Promise((resolve) => setTimeout(resolve, 30));
    timeline.push(`slow ${event.data.id}`);
    if (event.data.id === 'b') throw new Error('b fails in the slow branch');
    return event;
  }
}

/** Notes the event (the fan-in task, after both branches). */
@Task({ type: 'note' })
class Note {
  @Handler()
  handle(event: FlowEvent<{ id: string }>, ctx: TaskContext): FlowEvent {
    timeline.push(`${ctx.name} ${event.data.id}`);
    return event;
  }
}

describe('runtime: EventCompletion (per source event, through fan-out)', () => {
  it('settles only after every branch and the fan-in handled the event, with the first failure', async () => {
    timeline.length = 0;
    results.length = 0;
    const kit = TestTelemetry.create();
    try {
      await runFlow({
        flow: parseFlow(
          `
flow:
  name: completion
  tasks:
    - tracked_source: { name: src }
    - slow_branch: { name: slow, depends_on: [src] }
    - note: { name: fast, depends_on: [src] }
    - note: { name: join, depends_on: [slow, fast] }
`,
          'completion.yaml',
        ),
        worker: loadWorkerConfig({ retry: { max_attempts: 1 } }),
        container: kit.container,
        telemetry: kit.handle,
        taskClasses: [TrackedSource, SlowBranch, Note],
      });
    } finally {
      await kit.shutdown();
    }
    const at = (entry: string): number => {
      const i = timeline.indexOf(entry);
      expect(i, `${entry} in ${timeline.join(', ')}`).to.be.greaterThan(-1);
      return i;
    };
    // push resolves when the source handler is done: before the branches.
    expect(at('pushed a')).to.be.lessThan(at('slow a'));
    // a: settles after the slow branch and both fan-in deliveries.
    expect(at('settled a')).to.be.greaterThan(at('slow a'));
    expect(at('settled a')).to.be.greaterThan(at('fast a'));
    expect(timeline.filter((e) => e === 'join a')).to.have.length(2);
    expect(at('settled a')).to.be.greaterThan(timeline.lastIndexOf('join a'));
    // b: the slow branch failed; the fast branch and its join still ran first.
    expect(at('settled b')).to.be.greaterThan(at('slow b'));
    expect(at('settled b')).to.be.greaterThan(at('join b'));
    expect(results).to.have.length(2);
    const failed = results.filter((r) => !r.ok);
    expect(failed).to.have.length(1);
    const error = (failed[0] as { error: unknown }).error;
    expect((error as Error).message).to.equal('b fails in the slow branch');
  });
});
