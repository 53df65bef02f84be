import vm from 'node:vm';
import { Handler } from '../decorators/handler.decorator';
import { Task } from '../decorators/task.decorator';
import type { EventMetadata, FlowEvent } from '../runtime/event';
import type { TaskContext, TaskLifecycle } from '../runtime/task-context';
import { setSpanAttributes } from '../telemetry/task-spans';
import { ScriptConfig } from './script-config';
import { ScriptError } from './script-error';

/** What a script sees as `event`. */
export interface ScriptEvent {
  /** The event id. */
  readonly id: string;
  /** A copy of the event's data: changing it never changes the input event. */
  data: unknown;
  /** A copy of the event's metadata. */
  readonly metadata: EventMetadata;
}

/** Kind of a script's output, recorded as `script.result_type`. */
export type ScriptResultType =
  | 'dropped'
  | 'object'
  | 'array'
  | 'string'
  | 'number'
  | 'boolean'
  | 'null'
  | 'undefined';

const RESULT_TYPE_ATTR = 'script.result_type';

/**
 * `script` task: runs `code` for each event in a `node:vm` context made once
 * per task, with `event` = `{ id, data, metadata }` (copies). The value of the
 * script's last expression decides the output:
 *
 * | script value | output |
 * |---|---|
 * | `event`, or any object with a `data` key | its `data` |
 * | `undefined` (e.g. the script ends with a declaration or `undefined`; note that `a.b = 1` has the value 1) | `event.data`, as the script left it |
 * | `null` | nothing: the event is dropped |
 * | anything else | that value as the data |
 *
 * The output keeps the event's id and metadata. The script is compiled once in
 * `init` (a syntax error fails the task there, naming the line); a throw or a
 * run longer than `timeout` is a {@link ScriptError}, retried like any handler
 * error. The script is synchronous: a Promise result is an error, and the
 * timeout does not cover promise callbacks it queues. Globals a script sets
 * persist between events of the same task; `eval` and `new Function` are off.
 * `node:vm` is not a security boundary: run only code you trust.
 *
 * Span attributes on `task.handle`: `script.result_type` (`object`, `array`,
 * `string`, `number`, `boolean`, `dropped`).
 *
 * @example
 * ```yaml
 * - { name: double, type: script, config: { code: "event.data.total = event.data.n * 2; event" } }
 * ```
 */
@Task({ type: 'script', config: ScriptConfig })
export class ScriptTask implements TaskLifecycle<ScriptConfig> {
  private script: vm.Script | undefined;
  private sandbox: vm.Context | undefined;
  private timeoutMs: number | undefined = 1000;
  private taskName = 'script';

  /** Compiles the code and makes the sandbox; a syntax error names the task and line. */
  init(ctx: TaskContext<ScriptConfig>): void {
    this.taskName = ctx.name;
    this.timeoutMs = ctx.config.timeoutMs;
    const filename = `script:${ctx.name}`;
    try {
      this.script = new vm.Script(ctx.config.code, { filename });
    } catch (error) {
      const line = syntaxErrorLine(error, filename);
      const where = line === undefined ? '' : ` at line ${line}`;
      throw new ScriptError(
        'syntax',
        ctx.name,
        `script task "${ctx.name}": syntax error${where} of config.code: ${messageOf(error)}`,
        { cause: error },
      );
    }
    // Not `microtaskMode: 'afterEvaluate'`, though it would bring promise
    // jobs under the timeout: on Node 20, a timeout that fires while those
    // jobs drain, called from an async continuation with AsyncLocalStorage on
    // (always, here), aborts the whole process (callback.cc assertion
    // `execution_async_id() == 0`). Scripts are synchronous transforms.
    this.sandbox = vm.createContext(Object.create(null) as object, {
      name: filename,
      codeGeneration: { strings: false, wasm: false },
    });
  }

  /** Runs the script on one event; see the class doc for how the result becomes the output. */
  @Handler()
  handle(event: FlowEvent): FlowEvent | null {
    const script = this.script;
    const sandbox = this.sandbox;
    if (script === undefined || sandbox === undefined) {
      throw new ScriptError(
        'runtime',
        this.taskName,
        `script task "${this.taskName}" was called before init()`,
      );
    }
    const input: ScriptEvent = {
      id: event.id,
      data: structuredClone(event.data),
      metadata: { ...event.metadata },
    };
    (sandbox as Record<string, unknown>).event = input;
    let value: unknown;
    try {
      value =
        this.timeoutMs === undefined
          ? script.runInContext(sandbox, { breakOnSigint: false })
          : script.runInContext(sandbox, { timeout: this.timeoutMs, breakOnSigint: false });
    } catch (error) {
      throw this.runError(error);
    } finally {
      // Not kept between events: the next script run must not see this event.
      (sandbox as Record<string, unknown>).event = undefined;
    }

    if (value === null) {
      setSpanAttributes({ [RESULT_TYPE_ATTR]: 'dropped' });
      return null;
    }
    const raw = value === undefined ? input.data : hasDataKey(value) ? value.data : value;
    const data = this.copyOut(raw);
    setSpanAttributes({ [RESULT_TYPE_ATTR]: resultType(data) });
    return event.withData(data);
  }

  /** Drops the sandbox. */
  close(): void {
    this.script = undefined;
    this.sandbox = undefined;
  }

  private runError(error: unknown): ScriptError {
    if (isTimeout(error)) {
      return new ScriptError(
        'timeout',
        this.taskName,
        `script task "${this.taskName}" timed out: it ran longer than its timeout of ${this.timeoutMs} ms`,
        { cause: error },
      );
    }
    return new ScriptError(
      'runtime',
      this.taskName,
      `script task "${this.taskName}" threw: ${messageOf(error)}`,
      { cause: error },
    );
  }

  /*
   * Values made in the sandbox belong to another realm: their prototypes are
   * not this realm's Object/Array, so `instanceof` and deep-equal checks
   * downstream would fail. A structured clone rebuilds them here (and rejects
   * what cannot be data, such as functions or promises).
   */
  private copyOut(value: unknown): unknown {
    if (isThenable(value)) {
      throw new ScriptError(
        'result',
        this.taskName,
        `script task "${this.taskName}" returned a Promise; scripts run synchronously: end with the value itself`,
      );
    }
    try {
      return structuredClone(value);
    } catch (error) {
      throw new ScriptError(
        'result',
        this.taskName,
        `script task "${this.taskName}" returned a value that is not plain data (functions, promises and class instances cannot leave the script): ${messageOf(error)}`,
        { cause: error },
      );
    }
  }
}

function hasDataKey(value: unknown): value is { data: unknown } {
  return typeof value === 'object' && value !== null && 'data' in value;
}

function isThenable(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function resultType(data: unknown): ScriptResultType {
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'array';
  switch (typeof data) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return typeof data as ScriptResultType;
    default:
      return 'object';
  }
}

function isTimeout(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT'
  );
}

/*
 * Errors thrown inside the sandbox are instances of the sandbox's Error, so
 * `instanceof Error` is false for them; read the message structurally. A
 * script may also throw a non-error value (`throw "nope"`).
 */
function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const message = (error as { message?: unknown }).message;
    const name = (error as { name?: unknown }).name;
    if (typeof message === 'string') {
      return typeof name === 'string' && name !== 'Error' ? `${name}: ${message}` : message;
    }
  }
  try {
    return String(error);
  } catch {
    return 'a value that cannot be shown';
  }
}

/** The 1-based line of a SyntaxError in `filename`, read from its stack (`filename:LINE`). */
function syntaxErrorLine(error: unknown, filename: string): number | undefined {
  const stack = (error as { stack?: unknown } | null)?.stack;
  if (typeof stack !== 'string') return undefined;
  const escaped = filename.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}:(\\d+)`).exec(stack);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
