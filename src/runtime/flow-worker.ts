import type { DependencyContainer } from 'tsyringe';
import type { CoordinationConfig } from '../config/coordination-config';
import { LeaseCoordinator } from '../coordination/lease-coordinator';
import { TaskManager } from '../decorators/task-manager.decorator';
import { getLogger } from '../telemetry/logger';
import type { Logger } from '../telemetry/logger';
import { Channel } from './channel';
import type { FlowEvent } from './event';
import type { FlowPlan } from './flow-plan';
import { isSourceType } from './flow-plan';
import type { TaskLifecycle } from './task-context';
import type { TaskStats } from './task-node';
import { TaskNode } from './task-node';
import { SETTLE_AFTER_DEADLINE_MS, settlesWithin } from './shutdown-budget';
import { ShutdownDeadlineError } from './shutdown-deadline-error';
import type { TaskFailure } from './task-failed-error';
import { bindTask } from '../telemetry/runtime-telemetry';

/** Options of a {@link FlowWorker} run. */
export interface FlowWorkerOptions {
  /** Events a channel between two tasks holds before the sender waits (default 64). */
  readonly channelCapacity?: number;
  /** How long shutdown waits for in-flight events before giving up, in ms (default 10000). */
  readonly shutdownTimeoutMs?: number;
  /** Logger (default: the toolkit's stderr logger). */
  readonly logger?: Logger;
  /** Leases for sources that cannot be split (the worker config's `coordination`); none when omitted. */
  readonly coordination?: CoordinationConfig;
}

/** What a finished run did, per task name. */
export type FlowRunStats = Record<string, TaskStats>;

/**
 * The task manager that runs one flow: `start` resolves and registers each
 * task (`task_manager.start` with one `task_manager.register` per task),
 * `run` runs every task in its `task.run` span until the sources are done,
 * and `shutdown` (`task_manager.shutdown`) stops the sources, lets in-flight
 * events finish within the deadline, and closes the tasks.
 *
 * @example
 * ```ts
 * const worker = container.resolve(FlowWorker);
 * await worker.start(planFlow(def, container, config), container);
 * const done = worker.run();
 * process.once('SIGTERM', () => void worker.shutdown());
 * await done;
 * ```
 */
@TaskManager({ start: 'start', register: 'register', shutdown: 'shutdown' })
export class FlowWorker {
  private readonly nodes: TaskNode[] = [];
  private readonly failed: TaskFailure[] = [];
  private readonly ended = new Set<TaskNode>();
  private readonly stopController = new AbortController();
  private readonly hardController = new AbortController();
  private options: FlowWorkerOptions = {};
  private running: Promise<void> | undefined;
  private logger: Logger = getLogger();
  private leases: LeaseCoordinator | undefined;

  /** Resolves every task of `plan` from `container`, wires the channels and registers each task. */
  async start(
    plan: FlowPlan,
    container: DependencyContainer,
    options: FlowWorkerOptions = {},
  ): Promise<void> {
    this.options = options;
    this.logger = options.logger ?? getLogger();
    const capacity = options.channelCapacity ?? 64;
    const wiring = {
      stopSignal: this.stopController.signal,
      hardSignal: this.hardController.signal,
      logger: this.logger,
      flow: plan.name,
    };
    for (const planned of plan.tasks) {
      const { definition, type } = planned;
      const instance = bindTask(container.resolve(type.cls) as object & TaskLifecycle, {
        name: definition.name,
        id: definition.id,
      });
      const input = isSourceType(type) ? undefined : new Channel<FlowEvent>(capacity);
      this.nodes.push(new TaskNode(planned, instance, input, wiring));
    }
    for (const node of this.nodes) {
      for (const up of plan.graph.nodes[node.planned.definition.id]?.upstream ?? []) {
        const from = this.nodes[up];
        if (from !== undefined) from.connectTo(node);
      }
    }
    if (options.coordination !== undefined) {
      this.leases = await LeaseCoordinator.open(options.coordination, plan.name, this.logger);
    }
    for (const node of this.nodes) await this.register(node.instance);
  }

  /** Records one task as registered (its `task_manager.register` span carries its attributes). */
  async register(task: object): Promise<void> {
    this.logger.debug(
      { task: (task as { constructor: { name: string } }).constructor.name },
      'task registered',
    );
    return Promise.resolve();
  }

  /**
   * Runs every task until the sources are done and every event has passed
   * through. Resolves with the per-task counts.
   */
  async run(): Promise<FlowRunStats> {
    this.running ??= this.runAll();
    await this.running;
    return this.stats();
  }

  /** Stops the sources: they take no new events; in-flight events go on. */
  stop(): void {
    this.stopController.abort();
  }

  /**
   * Stops the sources, waits for in-flight events to finish, and at the
   * deadline (`waitMs`, default `shutdownTimeoutMs`) abandons what still
   * runs: `ctx.deadline` aborts, every task stops waiting, and the events
   * not finished are counted in {@link FlowWorker.lost}. Returns at most a
   * moment after the deadline, whatever the handlers do. Never throws.
   */
  async shutdown(waitMs?: number): Promise<void> {
    this.stop();
    if (this.running === undefined) return;
    const deadline = Math.max(0, waitMs ?? this.options.shutdownTimeoutMs ?? 10_000);
    if (await settlesWithin(this.running, deadline)) return;
    this.hardController.abort();
    await settlesWithin(this.running, SETTLE_AFTER_DEADLINE_MS);
    const lost = this.lost();
    const stillRunning = this.nodes.filter((n) => !this.ended.has(n)).map((n) => n.ctx.name);
    this.logger.warn(
      {
        deadline_ms: deadline,
        events_lost: totalOf(lost),
        lost_by_task: lost,
        ...(stillRunning.length > 0 ? { tasks_still_running: stillRunning } : {}),
      },
      'shutdown deadline passed with events in flight; they are abandoned and counted as lost',
    );
  }

  /**
   * Events each task was handed and did not finish (only tasks with some):
   * what a shutdown abandoned at its deadline, or what a failed task dropped.
   */
  lost(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const node of this.nodes) if (node.unfinished > 0) out[node.ctx.name] = node.unfinished;
    return out;
  }

  /** Per-task counts so far. */
  stats(): FlowRunStats {
    const out: FlowRunStats = {};
    for (const node of this.nodes) out[node.ctx.name] = { ...node.stats };
    return out;
  }

  /** The task instances of the flow, in flow order (for reports that ask them for their own counts). */
  taskInstances(): readonly object[] {
    return this.nodes.map((node) => node.instance);
  }

  /** Tasks that stopped with an error so far. */
  failures(): readonly TaskFailure[] {
    return [...this.failed];
  }

  private async runAll(): Promise<void> {
    await Promise.allSettled(this.nodes.map((node) => this.runNode(node)));
    await this.leases?.close();
  }

  private async runNode(node: TaskNode): Promise<void> {
    try {
      const leases = this.leases;
      if (leases !== undefined && node.isSource && leases.leases(node.ctx.type)) {
        // One tenure (one task.run) per lease held; downstream stays open across them.
        await leases.runTenures(node.ctx.name, (t) => node.run(t), this.stopController.signal);
      } else await node.run();
    } catch (error) {
      if (error instanceof ShutdownDeadlineError) {
        // Abandoned at the deadline: not a failure of the task; its events are counted as lost.
        node.ctx.logger.warn({}, 'task abandoned at the shutdown deadline');
        return;
      }
      node.ctx.logger.error({ err: error }, 'task stopped with an error');
      this.failed.push({ task: node.ctx.name, error });
      this.stop();
      void node.drainInput();
      throw error;
    } finally {
      this.ended.add(node);
      for (const next of node.downstream) next.upstreamDone();
    }
  }
}

/** The sum of per-task counts. */
export function totalOf(counts: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const n of Object.values(counts)) total += n;
  return total;
}
