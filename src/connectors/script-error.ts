import { FlowgenError } from '../errors/flowgen-error';

/** What went wrong in a `script` task. */
export type ScriptFailure = 'syntax' | 'runtime' | 'timeout' | 'memory' | 'input' | 'result';

const CODES: Readonly<Record<ScriptFailure, string>> = {
  syntax: 'FLOWGEN_SCRIPT_SYNTAX',
  runtime: 'FLOWGEN_SCRIPT_RUNTIME',
  timeout: 'FLOWGEN_SCRIPT_TIMEOUT',
  memory: 'FLOWGEN_SCRIPT_MEMORY',
  input: 'FLOWGEN_SCRIPT_INPUT',
  result: 'FLOWGEN_SCRIPT_RESULT',
};

/**
 * A `script` task failed: its code does not compile (thrown from `init`), it
 * threw, it ran past its timeout, it went over its memory (or stack) limit,
 * the event could not enter the sandbox as plain data, or its result cannot
 * leave it. The message names the task; `failure` says which case it is.
 * Every case but `syntax` fails one event, which is retried and counted like
 * any handler error; the task goes on with the next event.
 *
 * @example
 * ```ts
 * if (err instanceof ScriptError && err.failure === 'timeout') alertSlowScript(err.task);
 * ```
 */
export class ScriptError extends FlowgenError {
  constructor(
    /** Which case it is; also encoded in `code` (`FLOWGEN_SCRIPT_TIMEOUT`, ...). */
    public readonly failure: ScriptFailure,
    /** The task's name. */
    public readonly task: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(CODES[failure], message, options);
  }
}
