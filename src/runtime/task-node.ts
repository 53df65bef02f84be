import { DecoratorError } from '../decorators/decorator-error';
import { getHandlerName } from '../metadata/task-metadata';
import type { Tenure } from '../coordination/tenure';
import type { Logger } from '../telemetry/logger';
import { setSpanAttributes } from '../telemetry/task-spans';
import type { Channel } from './channel';
import type { FlowEvent } from './event';
import { EventCompletion } from './event-completion';
import type { PlannedTask } from './flow-plan';
import { DeadlineGate } from './deadline-gate';
import { toOutputEvents } from './handler-outputs';
import { HandlerTimeoutError } from './handler-timeout-error';
import { ShutdownDeadlineError } from './shutdown-deadline-error';
import type { TaskContext, TaskLifecycle } from './task-context';
import { WorkerStoppingError } from './worker-stopping-error';
import type { HandlerPolicy } from '../telemetry/runtime-telemetry';
import { invokeHandler, traceTaskRun } from '../telemetry/runtime-telemetry';

/**
 * Events a task handles before it lets timers and I/O run. Without it a busy
 * flow of synchronous handlers lives in promise callbacks only, the batch
 * span processor's timer never fires and spans are dropped from its queue.
 */
const YIELD_EVERY = 64;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Counts of one task's run. */
export interface TaskStats {
  /** Events processed: handled ok or failed after their retries (so `processed = ok + failed`). */
  processed: number;
  /** Events that failed after their retries. */
  failed: number;
  /** Events sent downstream. */
  emitted: number;
}

/** What a node needs from its worker. */
export interface NodeWiring {
  /** Aborted when sources must stop producing. */
  readonly stopSignal: AbortSignal;
  /** Aborted when the shutdown deadline passed: retries and waits stop, `ctx.deadline` aborts. */
  readonly hardSignal: AbortSignal;
  /** The worker's logger. */
  readonly logger: Logger;
  /** The flow's name, handed to tasks as `ctx.flow`. */
  readonly flow?: string;
}

/**
 * One task of a running flow: its instance, its context, its input channel
 * and its downstream channels. Each event is handled in one `task.handle`
 * span covering all its attempts; the whole run is the task's `task.run`.
 */
export class TaskNode {
  /** Counts of this task's run. */
  public readonly stats: TaskStats = { processed: 0, failed: 0, emitted: 0 };
  /**
   * Events handed to this task (pushed, or sent by an upstream task) whose
   * handling has not ended. After a shutdown that hit its deadline: the
   * events this task lost.
   */
  public unfinished = 0;
  /** The tasks downstream, each sent every event this task emits. */
  public readonly downstream: TaskNode[] = [];
  /** Upstream tasks still sending to `input`. */
  private openUpstreams = 0;
  /** The context handed to the instance. */
  public readonly ctx: TaskContext;
  private readonly name: string;
  /** How each event's handler call runs: this task's retries and handler_timeout. */
  private readonly policy: Omit<HandlerPolicy<FlowEvent[]>, 'output' | 'failed'>;
  private sinceYield = 0;
  /** Ends every wait of this task at the shutdown deadline. */
  private readonly gate: DeadlineGate;
  /** The lease tenure a leased source runs in now, if any. */
  private tenure: Tenure | undefined;

  constructor(
    public readonly planned: PlannedTask,
    public readonly instance: object & TaskLifecycle,
    public readonly input: Channel<FlowEvent> | undefined,
    private readonly wiring: NodeWiring,
  ) {
    const { definition, type } = planned;
    this.name = definition.name;
    if (getHandlerName(type.cls) === undefined) {
      throw new DecoratorError(
        `task "${definition.name}" (${type.cls.name}, type ${type.options.type}) has no @Handler() method; mark the method that processes one event with @Handler().`,
      );
    }
    const limit = planned.handlerTimeoutMs;
    this.gate = new DeadlineGate(wiring.hardSignal, definition.name);
    this.policy = {
      retry: planned.retry,
      signal: wiring.hardSignal,
      gate: this.gate,
      timeout:
        limit === undefined
          ? undefined
          : { ms: limit, error: () => new HandlerTimeoutError(definition.name, limit) },
    };
    const currentSignal = (): AbortSignal => this.tenure?.signal ?? wiring.stopSignal;
    this.ctx = {
      name: definition.name,
      flow: wiring.flow,
      id: definition.id,
      type: type.options.type,
      config: planned.config,
      logger: wiring.logger.child({ task: definition.name, task_id: definition.id }),
      // A leased source sees its tenure's signal: it stops when the lease ends.
      get signal(): AbortSignal {
        return currentSignal();
      },
      deadline: wiring.hardSignal,
      push: (event) => this.push(event),
    };
  }

  /** Wires `node` downstream of this task. */
  connectTo(node: TaskNode): void {
    this.downstream.push(node);
    node.openUpstreams++;
  }

  /** Called when an upstream task finished: the input closes after the last one. */
  upstreamDone(): void {
    if (--this.openUpstreams === 0) this.input?.close();
  }

  /**
   * After the task failed: takes and drops what upstream still sends, so an
   * upstream task never waits forever on a full channel. Returns the count.
   */
  async drainInput(): Promise<number> {
    let dropped = 0;
    if (this.input !== undefined) {
      for await (const event of this.input) {
        dropped++;
        EventCompletion.of(event)?.fail(new WorkerStoppingError(this.name));
      }
    }
    if (dropped > 0) this.ctx.logger.error({ dropped }, 'dropped events sent to a failed task');
    return dropped;
  }

  /** Whether the task produces its own events (it has no input channel). */
  get isSource(): boolean {
    return this.input === undefined;
  }

  /**
   * The task's whole run (init, event loop, close) in its `task.run` span.
   * At the shutdown deadline the input loop stops taking events and ends;
   * an `init` or a source's `run` still going then rejects with a
   * `ShutdownDeadlineError` (close is still called). For a leased source,
   * one lease tenure (its attributes on the span).
   */
  run(tenure?: Tenure): Promise<void> {
    this.tenure = tenure;
    return traceTaskRun(this.instance, () => {
      if (tenure !== undefined) setSpanAttributes(tenure.attributes);
      return this.runToEnd();
    });
  }

  private async runToEnd(): Promise<void> {
    try {
      await this.gate.race(Promise.resolve(this.instance.init?.(this.ctx)));
      if (this.isSource) await this.gate.race(Promise.resolve(this.instance.run?.(this.ctx)));
      else if (this.input !== undefined) {
        const input = this.input;
        for (let next = await this.gate.receive(input); next.done !== true; ) {
          await this.handleAndSend(next.value).catch(() => undefined);
          await this.letEventLoopRun();
          next = await this.gate.receive(input);
        }
      }
    } finally {
      await this.instance.close?.();
      this.tenure = undefined;
    }
  }

  /*
   * An event a source hands in is handled like any other (see
   * `handleParent`): it continues the trace it carries (a remote context
   * extracted from an HTTP header or message metadata), else starts a new
   * root; events created in the source's run loop carry no context.
   */
  private async push(event: FlowEvent): Promise<readonly FlowEvent[]> {
    if (this.wiring.stopSignal.aborted || this.tenure?.admit() === false) {
      throw new WorkerStoppingError(this.name);
    }
    this.unfinished++;
    try {
      return await this.handleAndSend(event);
    } finally {
      await this.letEventLoopRun();
    }
  }

  private letEventLoopRun(): Promise<void> | undefined {
    if (++this.sinceYield < YIELD_EVERY) return undefined;
    this.sinceYield = 0;
    return yieldToEventLoop();
  }

  /*
   * An event a source tracks (EventCompletion) holds its completion open
   * until this handler and every send downstream are done, so the source
   * learns when the whole fan-out has handled it.
   */
  private async handleAndSend(event: FlowEvent): Promise<FlowEvent[]> {
    const completion = EventCompletion.of(event);
    try {
      const out = await this.handle(event);
      for (const next of out) {
        for (const node of this.downstream) {
          if (node.input === undefined) continue;
          node.unfinished++;
          completion?.forward(next);
          await this.gate.send(node.input, next).catch((error: unknown) => {
            completion?.fail(error);
            throw error;
          });
        }
      }
      this.stats.emitted += out.length;
      completion?.release();
      return out;
    } catch (error) {
      completion?.fail(error);
      throw error;
    }
  }

  /**
   * Handles one event through `invokeHandler` (the one path that makes
   * `task.handle`): all attempts in one span, output events made while it is
   * active; logs and rethrows the last error.
   */
  handle(event: FlowEvent): Promise<FlowEvent[]> {
    return invokeHandler(this.instance, [event, this.ctx], {
      ...this.policy,
      output: (value) => toOutputEvents(value, event),
      failed: (error, attempts) => {
        if (error instanceof ShutdownDeadlineError) {
          this.ctx.logger.warn(
            { event_id: event.id, attempts },
            'event abandoned at the shutdown deadline',
          );
        } else {
          this.ctx.logger.error(
            { err: error, event_id: event.id, attempts },
            'event failed after its retries; going on with the next event',
          );
        }
      },
    }).then(
      (out) => {
        this.stats.processed++;
        this.unfinished--;
        return out;
      },
      (error: unknown) => {
        // Abandoned at the deadline: neither handled nor failed, but lost (still unfinished).
        if (error instanceof ShutdownDeadlineError) throw error;
        this.stats.processed++;
        this.stats.failed++;
        this.unfinished--;
        throw error;
      },
    );
  }
}
