import type {
  DisposableResult,
  Intrinsics,
  QuickJSContext,
  QuickJSHandle,
  QuickJSRuntime,
  QuickJSWASMModule,
} from 'quickjs-emscripten-core';
import { errorLine, syntaxMessage } from './script-error-text';
import { ScriptError } from './script-error';
import type { ScriptFailure } from './script-error';
import { loadQuickJs } from './script-sandbox-module';
import { SANDBOX_PRELUDE, decodeOutcome } from './script-sandbox-prelude';
import type {
  ScriptEvent,
  ScriptOutcome,
  ScriptRunner,
  ScriptRunnerOptions,
} from './script-runner';
import { scriptFilename } from './script-runner';

/** Options of {@link SandboxScriptRunner}: a time bound is required here. */
export interface SandboxRunnerOptions extends ScriptRunnerOptions {
  readonly timeoutMs: number;
  /**
   * Memory a script may use for one event, in bytes: the task's interpreter
   * memory is bounded to its base (16 MiB) plus this, and freed after each event.
   */
  readonly memoryLimitBytes: number;
}

/*
 * QuickJS checks its own stack against this bound (a clean, catchable
 * "stack overflow" in the script). Deep native recursion (JSON.parse of
 * 100k nested arrays) can still exhaust V8's stack first: that surfaces here
 * as a host RangeError, handled by throwing the whole WebAssembly module away.
 */
const INTERPRETER_STACK_BYTES = 256 * 1024;
/** Promise jobs run per call between two checks of the deadline on the host side. */
const JOBS_PER_BATCH = 1024;
const SOURCE = '<flowgen-prelude>';
/*
 * The language a script gets: QuickJS's defaults without typed arrays
 * (ArrayBuffer, DataView, SharedArrayBuffer, Atomics). Data comes in and out
 * as JSON, which has no binary type, and a context without them starts in
 * about half the time (context creation is most of the per-event cost).
 */
const SANDBOX_INTRINSICS: Intrinsics = {
  BaseObjects: true,
  Date: true,
  Eval: true,
  StringNormalize: true,
  RegExp: true,
  JSON: true,
  Proxy: true,
  MapSet: true,
  Promise: true,
};

/**
 * `mode: sandbox` (the default): runs the script in QuickJS compiled to
 * WebAssembly (quickjs-emscripten), a JavaScript engine apart from the
 * host's V8. Per event it starts a fresh QuickJS runtime and context with
 * the task's memory limit and a deadline checked by QuickJS's interrupt
 * handler; it runs the script, then the promise jobs it queued, then reads
 * the result, all under that deadline; then it frees the runtime. So:
 *
 * - nothing of the host exists in the sandbox (no `process`, `require`,
 *   `import()`, timers, console, network or files); the event goes in and
 *   the result comes out as JSON strings, never as objects;
 * - each event starts from a clean global object and lexical scope: nothing
 *   a script does survives to the next event;
 * - a timeout, an allocation over the limit or a deep recursion fails the
 *   event with a {@link ScriptError}; the task goes on.
 *
 * The WebAssembly module (one per task) is loaded in {@link create}; if it
 * ever fails on the host side (V8's stack exhausted inside it), it is
 * dropped and a new one is loaded for the next event.
 */
export class SandboxScriptRunner implements ScriptRunner {
  private module: QuickJSWASMModule | undefined;
  private readonly filename: string;

  private constructor(private readonly options: SandboxRunnerOptions) {
    this.filename = scriptFilename(options.task);
  }

  /** Loads the interpreter and compiles the script once; a syntax error names the task and line. */
  static async create(options: SandboxRunnerOptions): Promise<SandboxScriptRunner> {
    const runner = new SandboxScriptRunner(options);
    runner.module = await loadQuickJs(options.memoryLimitBytes);
    runner.checkSyntax(runner.module);
    return runner;
  }

  /** Runs the script on a copy of the event in a fresh interpreter. */
  async run(event: ScriptEvent): Promise<ScriptOutcome> {
    const module = this.module ?? (this.module = await loadQuickJs(this.options.memoryLimitBytes));
    try {
      return this.runIn(module, event);
    } catch (error) {
      if (error instanceof ScriptError) throw error;
      // The module failed mid-call (V8 stack exhausted inside WebAssembly):
      // its memory may be inconsistent, so it is never used again.
      this.module = undefined;
      throw this.hostFailure(error);
    }
  }

  /** Drops the interpreter. */
  close(): void {
    this.module = undefined;
  }

  private checkSyntax(module: QuickJSWASMModule): void {
    const runtime = module.newRuntime({ memoryLimitBytes: this.options.memoryLimitBytes });
    const context = runtime.newContext({ intrinsics: SANDBOX_INTRINSICS });
    try {
      const compiled = context.evalCode(this.options.code, this.filename, { compileOnly: true });
      if (compiled.error === undefined) {
        compiled.value.dispose();
        return;
      }
      const { name, message, stack } = readError(context, compiled.error);
      compiled.error.dispose();
      const line = errorLine(stack, this.filename);
      const detail = name === undefined ? message : `${name}: ${message}`;
      throw new ScriptError(
        'syntax',
        this.options.task,
        syntaxMessage(this.options.task, line, detail),
      );
    } finally {
      context.dispose();
      runtime.dispose();
    }
  }

  private runIn(module: QuickJSWASMModule, event: ScriptEvent): ScriptOutcome {
    const input = this.inputJson(event);
    let timedOut = false;
    const deadline = Date.now() + this.options.timeoutMs;
    const runtime = module.newRuntime({
      memoryLimitBytes: this.options.memoryLimitBytes,
      maxStackSizeBytes: INTERPRETER_STACK_BYTES,
      // Once past the deadline it keeps saying stop, so nothing (a job, a
      // getter) runs on after an interruption.
      interruptHandler: () => (timedOut ||= Date.now() > deadline),
    });
    const context = runtime.newContext({ intrinsics: SANDBOX_INTRINSICS });
    const handles: QuickJSHandle[] = [];
    let hostFailed = false;
    try {
      const step = (
        result: DisposableResult<QuickJSHandle, QuickJSHandle>,
        failure: ScriptFailure,
      ): QuickJSHandle => {
        if (result.error !== undefined) {
          handles.push(result.error);
          throw this.scriptFailure(context, result.error, failure, timedOut);
        }
        handles.push(result.value);
        if (timedOut) throw this.timeout();
        return result.value;
      };
      const prelude = step(context.evalCode(SANDBOX_PRELUDE, SOURCE), 'runtime');
      const inputHandle = context.newString(input);
      handles.push(inputHandle);
      const finish = step(context.callFunction(prelude, context.undefined, inputHandle), 'input');
      const value = step(context.evalCode(this.options.code, this.filename), 'runtime');
      this.drainJobs(runtime, context, handles, () => timedOut);
      const outcome = step(context.callFunction(finish, context.undefined, value), 'result');
      const decoded = decodeOutcome(context.getString(outcome));
      if (decoded.kind === 'invalid') {
        throw this.error(
          'result',
          `returned a value that cannot leave the sandbox: ${decoded.reason}`,
        );
      }
      return decoded;
    } catch (error) {
      hostFailed = !(error instanceof ScriptError);
      throw error;
    } finally {
      // After a host-side failure the module is dropped whole; freeing into
      // it could fail again and hide the first error.
      if (!hostFailed) free(handles, context, runtime, () => (this.module = undefined));
    }
  }

  /*
   * Promise jobs (`.then` callbacks, async functions) run after the script,
   * still under the deadline. QuickJS turns an interruption inside a job
   * into a rejected promise and carries on, so the deadline flag, not the
   * result, says whether time ran out.
   */
  private drainJobs(
    runtime: QuickJSRuntime,
    context: QuickJSContext,
    handles: QuickJSHandle[],
    timedOut: () => boolean,
  ): void {
    while (runtime.hasPendingJob()) {
      const result = runtime.executePendingJobs(JOBS_PER_BATCH);
      if (result.error !== undefined) {
        handles.push(result.error);
        throw this.scriptFailure(context, result.error, 'runtime', timedOut());
      }
      if (timedOut()) throw this.timeout();
    }
    if (timedOut()) throw this.timeout();
  }

  /** The event as one JSON string, refused up front when it cannot fit the memory limit. */
  private inputJson(event: ScriptEvent): string {
    let text: string;
    try {
      text = JSON.stringify({ id: event.id, data: event.data, metadata: event.metadata });
    } catch (error) {
      throw this.error(
        'input',
        `cannot pass the event to the sandbox: its data is not JSON-like (${String(error)})`,
        error,
      );
    }
    // QuickJS keeps the string (up to 2 bytes a character) and then the parsed value.
    if (text.length * 2 >= this.options.memoryLimitBytes) {
      throw this.error(
        'memory',
        `cannot pass the event to the sandbox: its data (${text.length} characters as JSON) does not fit memory_limit_mib (${this.options.memoryLimitBytes / 1024 / 1024} MiB)`,
      );
    }
    return text;
  }

  private scriptFailure(
    context: QuickJSContext,
    handle: QuickJSHandle,
    failure: ScriptFailure,
    timedOut: boolean,
  ): ScriptError {
    if (timedOut) return this.timeout();
    const { name, message } = readError(context, handle);
    if (name === 'InternalError' && message === 'out of memory') {
      return this.error(
        'memory',
        `went over its memory limit of ${this.options.memoryLimitBytes / 1024 / 1024} MiB`,
      );
    }
    const detail = name === undefined || name === 'Error' ? message : `${name}: ${message}`;
    switch (failure) {
      case 'input':
        return this.error('input', `could not read the event in the sandbox: ${detail}`);
      case 'result':
        return this.error('result', `returned a value that cannot leave the sandbox: ${detail}`);
      default:
        return this.error('runtime', `threw: ${detail}`);
    }
  }

  private hostFailure(error: unknown): ScriptError {
    if (error instanceof RangeError) {
      return this.error(
        'memory',
        'ran out of stack in the sandbox (recursion or nesting too deep); the interpreter is reloaded for the next event',
        error,
      );
    }
    return this.error(
      'runtime',
      `failed in the sandbox (${String(error)}); the interpreter is reloaded for the next event`,
      error,
    );
  }

  private timeout(): ScriptError {
    return this.error(
      'timeout',
      `timed out: it ran longer than its timeout of ${this.options.timeoutMs} ms`,
    );
  }

  private error(failure: ScriptFailure, what: string, cause?: unknown): ScriptError {
    const task = this.options.task;
    return new ScriptError(
      failure,
      task,
      `script task "${task}" ${what}`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** Frees handles, then the context, then the runtime; a failure drops the module. */
function free(
  handles: QuickJSHandle[],
  context: QuickJSContext,
  runtime: QuickJSRuntime,
  dropModule: () => void,
): void {
  try {
    for (const handle of handles.reverse()) if (handle.alive) handle.dispose();
    context.dispose();
    runtime.dispose();
  } catch {
    dropModule();
  }
}

/** What a thrown sandbox value says: name, message and stack when it is error-like, else its string form. */
function readError(
  context: QuickJSContext,
  handle: QuickJSHandle,
): { name: string | undefined; message: string; stack: string | undefined } {
  try {
    if (context.typeof(handle) !== 'object')
      return { name: undefined, message: dumpText(context, handle), stack: undefined };
    const name = stringProp(context, handle, 'name');
    const message = stringProp(context, handle, 'message');
    const stack = stringProp(context, handle, 'stack');
    return message === undefined
      ? { name: undefined, message: dumpText(context, handle), stack }
      : { name, message, stack };
  } catch {
    return { name: undefined, message: 'a value that cannot be shown', stack: undefined };
  }
}

function stringProp(
  context: QuickJSContext,
  handle: QuickJSHandle,
  key: string,
): string | undefined {
  const prop = context.getProp(handle, key);
  try {
    return context.typeof(prop) === 'string' ? context.getString(prop) : undefined;
  } finally {
    prop.dispose();
  }
}

function dumpText(context: QuickJSContext, handle: QuickJSHandle): string {
  const type = context.typeof(handle);
  if (type === 'string') return context.getString(handle);
  if (type === 'number') return String(context.getNumber(handle));
  return `a thrown ${type}`;
}
