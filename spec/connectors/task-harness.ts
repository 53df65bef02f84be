/*
 * Runs one task the way a flow does, for connector specs: it validates the
 * task's config like the planner, and hands events to the runtime's own
 * TaskNode, so every event goes through the production path
 * (`TaskNode.handle` -> `invokeHandler`: the task.handle span and its parent
 * rule, attempts, output events). For sources, `run(ctx)` gets the node's
 * `push` (stop signal, handle, output), with what it emitted collected.
 */
import { Writable } from 'node:stream';
import { ConfigError } from '../../src/config/config-error';
import { validateConfig } from '../../src/config/validate-object';
import type { Constructor } from '../../src/metadata/task-metadata';
import { getTaskOptions } from '../../src/metadata/task-metadata';
import type { FlowEvent } from '../../src/runtime/event';
import { RetryPolicy } from '../../src/runtime/retry-policy';
import type { TaskContext, TaskLifecycle } from '../../src/runtime/task-context';
import { TaskNode } from '../../src/runtime/task-node';
import type { Logger } from '../../src/telemetry/logger';
import { createLogger } from '../../src/telemetry/logger';
import { bindTask } from '../../src/telemetry/task-binding';
import type { TestTelemetry } from '../../src/telemetry/testing/test-telemetry';

/** Options of {@link startTask}. */
export interface HarnessOptions {
  /** The raw config block, as parsed from YAML (default `{}`). */
  config?: unknown;
  /** Task name (default: the task type). */
  name?: string;
  /** Task id (default 0). */
  id?: number;
  /** Logger of the context (default: silent). */
  logger?: Logger;
  /** Attempts per event, as a flow's `retry.max_attempts` (default 1). */
  maxAttempts?: number;
  /** `handler_timeout` in ms (default none). */
  handlerTimeoutMs?: number;
  /**


   */
  push?: (
    event: FlowEvent,
    next: (event: FlowEvent) => Promise<readonly FlowEvent[]>,
  ) => Promise<readonly FlowEvent[]>;
}

/** A started task. */
export interface Harness<T, C> {
  readonly task: T;
  readonly ctx: TaskContext<C>;
  /** Aborts `ctx.signal`. */
  readonly controller: AbortController;
  /** Aborts `ctx.deadline` (the runtime's shutdown deadline). */
  readonly deadline: AbortController;
  /** Events pushed by the source, in order. */
  readonly pushed: FlowEvent[];
  /** Events the handler emitted for pushed events, in order. */
  readonly outputs: FlowEvent[];
  /** The runtime's node running the task. */
  readonly node: TaskNode;
  /** Hands `event` to the task as a flow does (`TaskNode.handle`) and returns what it emitted. */
  handle(event: FlowEvent): Promise<FlowEvent[]>;
  /** Starts `run(ctx)` (sources); the promise settles when run returns. */
  run(): Promise<void>;
  /** Aborts the signal, waits for `run` (if started) and calls `close`. */
  stop(): Promise<void>;
}

/** Validates `raw` against the config class of `cls`, like the runtime, at `tasks[id].config`. */
export function configFor<C extends object>(cls: Constructor, raw: unknown, id = 0): C {
  const configClass = getTaskOptions(cls)?.config as (new () => C) | undefined;
  if (configClass === undefined) return {} as C;
  return validateConfig(configClass, raw, { path: `tasks[${id}].config` });
}

/** The config error for `raw`, or fails when the config is accepted. */
export function configErrorFor(cls: Constructor, raw: unknown): ConfigError {
  try {
    configFor(cls, raw);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`config ${JSON.stringify(raw)} was accepted`);
}

/** Resolves `cls` from the kit's container, binds it, validates its config and calls init. */
export async function startTask<T extends object, C = unknown>(
  kit: TestTelemetry,
  cls: Constructor<T>,
  options: HarnessOptions = {},
): Promise<Harness<T, C>> {
  const type = getTaskOptions(cls)?.type ?? cls.name;
  const id = options.id ?? 0;
  const name = options.name ?? type;
  const config = configFor<object>(cls, options.config ?? {}, id) as C;
  const task = bindTask(kit.container.resolve(cls), { name, id });
  const lifecycle = task as TaskLifecycle<C>;
  const controller = new AbortController();
  const deadline = new AbortController();
  const pushed: FlowEvent[] = [];
  const outputs: FlowEvent[] = [];
  const node = new TaskNode(
    {
      definition: { id, type, name, config: {}, dependsOn: [] },
      type: { cls, options: getTaskOptions(cls) ?? { type } },
      config: config as object,
      retry: new RetryPolicy({
        maxAttempts: options.maxAttempts ?? 1,
        initialBackoffMs: 0,
        maxBackoffMs: 0,
      }),
      handlerTimeoutMs: options.handlerTimeoutMs,
    },
    task as object & TaskLifecycle,
    undefined,
    {
      stopSignal: controller.signal,
      hardSignal: deadline.signal,
      // as the runtime does: the task's logger carries its name and id
      logger: options.logger ?? createLogger({ level: 'silent', format: 'json' }),
    },
  );
  const handle = (event: FlowEvent): Promise<FlowEvent[]> => node.handle(event);
  const collect =
    (send: (event: FlowEvent) => Promise<readonly FlowEvent[]>) =>
    async (event: FlowEvent): Promise<readonly FlowEvent[]> => {
      pushed.push(event);
      const out = await send(event);
      outputs.push(...out);
      return out;
    };
  const nodePush = collect((event) => node.ctx.push(event));
  const accepted = collect(handle);
  // The node refuses a push once the task is stopping, as in a flow;
  // `options.push` wraps the handling of a push it accepted.
  const ctx: TaskContext<C> = {
    ...(node.ctx as TaskContext<C>),
    push: (event) =>
      options.push === undefined || controller.signal.aborted
        ? nodePush(event)
        : options.push(event, accepted),
  };

  await lifecycle.init?.(ctx);
  let running: Promise<void> | undefined;
  return {
    task,
    ctx,
    controller,
    deadline,
    pushed,
    outputs,
    node,
    handle,
    run(): Promise<void> {
      if (lifecycle.run === undefined) throw new Error(`${cls.name} is not a source`);
      running ??= lifecycle.run(ctx);
      return running;
    },
    async stop(): Promise<void> {
      controller.abort();
      await running;
      await lifecycle.close?.();
    },
  };
}

/** A logger writing JSON lines into memory, to assert on what a task logged. */
export class CapturedLog {
  private readonly chunks: string[] = [];
  readonly logger: Logger;

  constructor(level = 'trace') {
    const chunks = this.chunks;
    const stream = new Writable({
      write(chunk: Buffer | string, _encoding, callback): void {
        chunks.push(chunk.toString());
        callback();
      },
    });
    this.logger = createLogger({ level, format: 'json', destination: stream });
  }

  /** Everything written, as text. */
  get text(): string {
    return this.chunks.join('');
  }

  /** Every line, parsed. */
  get lines(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}
