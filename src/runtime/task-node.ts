import type { Context, Span } from '@opentelemetry/api';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { getHandlerNames } from '../metadata/task-metadata';
import { ATTR_ATTEMPTS, EVENT_ATTEMPT_FAILED } from '../telemetry/span-names';
import type { Logger } from '../telemetry/logger';
import { setSpanAttributes, traceHandle, traceTaskRun } from '../telemetry/task-spans';
import { errorType } from '../telemetry/run-in-span';
import { originalOf } from '../telemetry/wrap-method';
import { reportTelemetryFailure } from '../telemetry/telemetry-failure';
import { DecoratorError } from '../decorators/decorator-error';
import type { Tenure } from '../coordination/tenure';
import type { Channel } from './channel';
import type { FlowEvent } from './event';
import { EventCompletion } from './event-completion';
import type { PlannedTask } from './flow-plan';
import { settleHandlerResult, toOutputEvents } from './handler-outputs';
import { HandlerTimeoutError } from './handler-timeout-error';
import type { TaskContext, TaskLifecycle } from './task-context';
import { WorkerStoppingError } from './worker-stopping-error';

/**
 * Events a task handles before it lets timers and I/O run. Without it a busy
 * flow of synchronous handlers lives in promise callbacks only, the batch
 * span processor's timer never fires and spans are dropped from its queue.
 */
const YIELD_EVERY = 64;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

type HandlerFn = (this: object, event: FlowEvent, ctx: TaskContext) => unknown;

/** Counts of one task's run. */
export interface TaskStats {
  /** Events handled (ok or failed). */
  handled: number;
  /** Events that failed after their retries. */
  failed: number;
  /** Events sent downstream. */
  emitted: number;
}

/** What a node needs from its worker. */
export interface NodeWiring {
  /** Aborted when sources must stop producing. */
  readonly stopSignal: AbortSignal;
  /** Aborted when the shutdown deadline passed: retries stop waiting. */
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
  public readonly stats: TaskStats = { handled: 0, failed: 0, emitted: 0 };
  /** The tasks downstream, each sent every event this task emits. */
  public readonly downstream: TaskNode[] = [];
  /** Upstream tasks still sending to `input`. */
  private openUpstreams = 0;
  /** The context handed to the instance. */
  public readonly ctx: TaskContext;
  private readonly handler: HandlerFn;
  private readonly name: string;
  private sinceYield = 0;
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
    const handlerName = getHandlerNames(type.cls)[0];
    const method =
      handlerName === undefined
        ? undefined
        : (instance as Record<string | symbol, unknown>)[handlerName];
    if (typeof method !== 'function') {
      throw new DecoratorError(
        `task "${definition.name}" (${type.cls.name}, type ${type.options.type}) has no @Handler() method; mark the method that processes one event with @Handler().`,
      );
    }
    this.handler = originalOf(method as HandlerFn);
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
   * The task's whole run (init, event loop, close) in its `task.run` span;
   * for a leased source, one lease tenure (its attributes on the span).
   */
  run(tenure?: Tenure): Promise<void> {
    this.tenure = tenure;
    return traceTaskRun(this.instance, async () => {
      if (tenure !== undefined) setSpanAttributes(tenure.attributes);
      try {
        await this.instance.init?.(this.ctx);
        if (this.isSource) await this.instance.run?.(this.ctx);
        else if (this.input !== undefined) {
          for await (const event of this.input) {
            await this.handleAndSend(event, event.parentContext).catch(() => undefined);
            await this.letEventLoopRun();
          }
        }
      } finally {
        await this.instance.close?.();
        this.tenure = undefined;
      }
    });
  }

  /*
   * An event entering a source continues a trace only when it carries a
   * remote context (extracted from an HTTP header or message metadata);
   * anything else starts a new root, one per event.
   */
  private async push(event: FlowEvent): Promise<readonly FlowEvent[]> {
    if (this.wiring.stopSignal.aborted || this.tenure?.admit() === false) {
      throw new WorkerStoppingError(this.name);
    }
    const parent = event.spanContext?.isRemote === true ? event.parentContext : ROOT_CONTEXT;
    try {
      return await this.handleAndSend(event, parent);
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
  private async handleAndSend(event: FlowEvent, parent: Context): Promise<FlowEvent[]> {
    const completion = EventCompletion.of(event);
    try {
      const out = await this.handle(event, parent);
      for (const next of out) {
        for (const node of this.downstream) {
          if (node.input === undefined) continue;
          completion?.forward(next);
          await node.input.send(next).catch((error: unknown) => {
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

  /** Handles one event, all attempts in one span; rethrows the last error after logging it. */
  private handle(event: FlowEvent, parent: Context): Promise<FlowEvent[]> {
    return traceHandle(this.instance, parent, async (span) => {
      let attempts = 0;
      try {
        const result = await this.planned.retry.run(
          (attempt) => {
            attempts = attempt;
            return this.attempt(event);
          },
          {
            signal: this.wiring.hardSignal,
            onAttemptFailed: (attempt, error, willRetry, delayMs) =>
              recordAttempt(span, attempt, error, willRetry, delayMs),
          },
        );
        setAttempts(span, attempts);
        this.stats.handled++;
        return toOutputEvents(result, event);
      } catch (error) {
        setAttempts(span, attempts);
        this.stats.handled++;
        this.stats.failed++;
        this.ctx.logger.error(
          { err: error, event_id: event.id, attempts },
          'event failed after its retries; going on with the next event',
        );
        throw error;
      }
    });
  }

  private attempt(event: FlowEvent): Promise<unknown> {
    const settled = settleHandlerResult(this.handler.call(this.instance, event, this.ctx));
    const limit = this.planned.handlerTimeoutMs;
    if (limit === undefined) return settled;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HandlerTimeoutError(this.name, limit)), limit);
    });
    return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
  }
}

function setAttempts(span: Span | undefined, attempts: number): void {
  try {
    span?.setAttribute(ATTR_ATTEMPTS, attempts);
  } catch (error) {
    reportTelemetryFailure(error, 'recording attempts');
  }
}

function recordAttempt(
  span: Span | undefined,
  attempt: number,
  error: unknown,
  willRetry: boolean,
  delayMs: number,
): void {
  try {
    span?.addEvent(EVENT_ATTEMPT_FAILED, {
      'flowgen.attempt': attempt,
      'flowgen.will_retry': willRetry,
      'flowgen.backoff_ms': Math.round(delayMs),
      'exception.type': errorType(error),
      'exception.message': error instanceof Error ? error.message : String(error),
    });
  } catch (caught) {
    reportTelemetryFailure(caught, 'recording a failed attempt');
  }
}
