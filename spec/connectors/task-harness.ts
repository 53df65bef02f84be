/*
 * A small stand-in for the runtime, for connector specs: it validates a
 * task's config the way the runtime does, builds a TaskContext, calls init,
 * and for sources runs `run(ctx)` with a `push` that calls the task's
 * decorated @Handler (the wrapped method, which makes the task.handle span:
 * a child of the event's trace context, else a new root) and collects what
 * it emitted.
 */
import { Writable } from 'node:stream';
import { ConfigError } from '../../src/config/config-error';
import { validateConfig } from '../../src/config/validate-object';
import type { Constructor } from '../../src/metadata/task-metadata';
import { getHandlerNames, getTaskOptions } from '../../src/metadata/task-metadata';
import { FlowEvent } from '../../src/runtime/event';
import type { TaskContext, TaskLifecycle } from '../../src/runtime/task-context';
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
  /**
   * Wraps the default push (handler + collect), e.g. to make it fail like a
   * handler that failed after its retries.
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
  /** Calls the decorated handler with `event` and returns what it emitted. */
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
  const handlerName = getHandlerNames(cls)[0];
  if (handlerName === undefined) throw new Error(`${cls.name} has no @Handler`);
  const controller = new AbortController();
  const deadline = new AbortController();
  const pushed: FlowEvent[] = [];
  const outputs: FlowEvent[] = [];

  const handle = async (event: FlowEvent): Promise<FlowEvent[]> => {
    const method = (task as Record<string | symbol, unknown>)[handlerName] as (
      e: FlowEvent,
      c: TaskContext<C>,
    ) => unknown;
    const result: unknown = await method.call(task, event, ctx);
    return toEvents(result, event);
  };
  const defaultPush = async (event: FlowEvent): Promise<readonly FlowEvent[]> => {
    pushed.push(event);
    const out = await handle(event);
    outputs.push(...out);
    return out;
  };
  const ctx: TaskContext<C> = {
    name,
    id,
    type,
    config,
    // as the runtime does: the task's logger carries its name and id
    logger: (options.logger ?? createLogger({ level: 'silent', format: 'json' })).child({
      task: name,
      task_id: id,
    }),
    signal: controller.signal,
    deadline: deadline.signal,
    push: (event) =>
      options.push === undefined ? defaultPush(event) : options.push(event, defaultPush),
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

/* What the runtime does with a handler's return value. */
function toEvents(result: unknown, input: FlowEvent): FlowEvent[] {
  if (result === undefined || result === null) return [];
  const items = Array.isArray(result) ? (result as unknown[]) : [result];
  return items
    .filter((item) => item !== undefined && item !== null)
    .map((item) => (item instanceof FlowEvent ? item : input.withData(item)));
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
