import type { Logger } from '../telemetry/logger';
import type { FlowEvent } from './event';

/**
 * What the runtime gives a task instance: who it is in the flow, its
 * validated config, a logger, the stop signal and, for source tasks, the way
 * to hand in events. Passed to `init(ctx)`, `run(ctx)` and as the second
 * argument of every `@Handler` call.
 */
export interface TaskContext<C = unknown> {
  /** Task name, from the flow's YAML. */
  readonly name: string;
  /** The flow's name, where the runner knows it (names shared state such as a durable consumer). */
  readonly flow?: string;
  /** Index of the task in the flow's task list. */
  readonly id: number;
  /** Task type. */
  readonly type: string;
  /** The task's own config, validated against its `@Task({ config })` class. */
  readonly config: C;
  /** A logger whose lines carry the task's name and the active trace and span ids. */
  readonly logger: Logger;
  /** Aborted when the worker stops taking new events (shutdown): sources stop producing. */
  readonly signal: AbortSignal;
  /**
   * Aborted when the shutdown deadline (`shutdown_timeout`) passes: stop what
   * is still running now (pass it to `fetch`, `http.request`, drivers). The
   * runtime stops waiting at that moment anyway and counts the event as lost.
   */
  readonly deadline: AbortSignal;
  /**
   * Source tasks: hands one event to this task's `@Handler` (a new root
   * `task.handle` span, or a child of the trace context the event carries)
   * and on downstream. Resolves with what the handler emitted once it is
   * handled, or rejects with the handler's error after its retries. Rejects
   * with a `WorkerStoppingError` once the worker stops taking events.
   */
  push(event: FlowEvent): Promise<readonly FlowEvent[]>;
}

/**
 * The optional lifecycle methods the runtime calls on a task instance, all
 * inside its `task.run` span.
 */
export interface TaskLifecycle<C = unknown> {
  /** Called once before any event: open connections, start servers. */
  init?(ctx: TaskContext<C>): void | Promise<void>;
  /**
   * Source tasks only: produce events with `ctx.push` until done or until
   * `ctx.signal` aborts. When it returns, the task's downstream is closed.
   */
  run?(ctx: TaskContext<C>): Promise<void>;
  /** Called once after the last event: close what `init` opened. */
  close?(): void | Promise<void>;
}
