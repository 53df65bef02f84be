import vm from 'node:vm';
import { describeThrown, errorLine, syntaxMessage } from './script-error-text';
import { ScriptError } from './script-error';
import type {
  ScriptEvent,
  ScriptOutcome,
  ScriptRunner,
  ScriptRunnerOptions,
} from './script-runner';
import { scriptFilename } from './script-runner';

/**
 * `mode: trusted`: runs the script in this process through `node:vm`, one
 * context per task. **Not a sandbox**: a script reaches the host in one line
 * (`event.constructor.constructor('return process')()`), its timeout covers
 * only its own synchronous code (not promise jobs it queues, nor getters of
 * its result), and its memory is the process's. What it buys is speed: no
 * interpreter to start per event. Only for code you trust.
 *
 * The code is wrapped in a block, so top-level `const`/`let`/`class` are
 * fresh for every event; globals the script sets (`globalThis.x = ...`)
 * persist between events of the task.
 */
export class TrustedScriptRunner implements ScriptRunner {
  private readonly script: vm.Script;
  private context: vm.Context | undefined;

  constructor(private readonly options: ScriptRunnerOptions) {
    const filename = scriptFilename(options.task);
    try {
      // The block gives each run its own lexical scope; its completion value
      // is the value of the script's last expression, as without it. The
      // newline keeps a trailing `// comment` from swallowing the brace, and
      // `lineOffset` keeps line numbers those of `code`.
      this.script = new vm.Script(`{\n${options.code}\n}`, { filename, lineOffset: -1 });
    } catch (error) {
      const line = errorLine((error as { stack?: unknown } | null)?.stack, filename);
      throw new ScriptError(
        'syntax',
        options.task,
        syntaxMessage(options.task, line, describeThrown(error)),
        {
          cause: error,
        },
      );
    }
    // Not `microtaskMode: 'afterEvaluate'`, though it would bring promise
    // jobs under the timeout: on Node 20, a timeout that fires while those
    // jobs drain, called from an async continuation with AsyncLocalStorage on
    // (always, here), aborts the whole process (callback.cc assertion
    // `execution_async_id() == 0`).
    this.context = vm.createContext(Object.create(null) as object, {
      name: filename,
      codeGeneration: { strings: false, wasm: false },
    });
  }

  /** Runs the script with `event` set in its context; see `ScriptTask` for the result rules. */
  run(event: ScriptEvent): ScriptOutcome {
    const context = this.context;
    if (context === undefined) {
      throw new ScriptError(
        'runtime',
        this.options.task,
        `script task "${this.options.task}" is closed`,
      );
    }
    const input: ScriptEvent = {
      id: event.id,
      data: structuredClone(event.data),
      metadata: { ...event.metadata },
    };
    (context as Record<string, unknown>).event = input;
    let value: unknown;
    try {
      const timeout = this.options.timeoutMs;
      value =
        timeout === undefined
          ? this.script.runInContext(context, { breakOnSigint: false })
          : this.script.runInContext(context, { timeout, breakOnSigint: false });
    } catch (error) {
      throw this.runError(error);
    } finally {
      // Not kept between events: the next run must not see this event.
      (context as Record<string, unknown>).event = undefined;
    }
    if (value === null) return { kind: 'drop' };
    const raw = value === undefined ? input.data : hasDataKey(value) ? value.data : value;
    return { kind: 'data', data: this.copyOut(raw) };
  }

  /** Drops the context. */
  close(): void {
    this.context = undefined;
  }

  private runError(error: unknown): ScriptError {
    const task = this.options.task;
    if ((error as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      return new ScriptError(
        'timeout',
        task,
        `script task "${task}" timed out: it ran longer than its timeout of ${this.options.timeoutMs} ms`,
        { cause: error },
      );
    }
    return new ScriptError(
      'runtime',
      task,
      `script task "${task}" threw: ${describeThrown(error)}`,
      {
        cause: error,
      },
    );
  }

  /*
   * Values made in the context belong to another realm: their prototypes are
   * not this realm's Object/Array, so `instanceof` and deep-equal checks
   * downstream would fail. A structured clone rebuilds them here (and rejects
   * what cannot be data, such as functions or promises).
   */
  private copyOut(value: unknown): unknown {
    const task = this.options.task;
    if (isThenable(value)) {
      throw new ScriptError(
        'result',
        task,
        `script task "${task}" returned a Promise; scripts run synchronously: end with the value itself`,
      );
    }
    try {
      return structuredClone(value);
    } catch (error) {
      throw new ScriptError(
        'result',
        task,
        `script task "${task}" returned a value that is not plain data (functions, promises and class instances cannot leave the script): ${describeThrown(error)}`,
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
