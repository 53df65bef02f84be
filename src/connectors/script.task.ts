import { Handler } from '../decorators/handler.decorator';
import { Task } from '../decorators/task.decorator';
import type { FlowEvent } from '../runtime/event';
import type { TaskContext, TaskLifecycle } from '../runtime/task-context';
import { setSpanAttributes } from '../telemetry/task-spans';
import { parseDuration } from '../config/duration';
import { DEFAULT_SCRIPT_TIMEOUT, ScriptConfig } from './script-config';
import { ScriptError } from './script-error';
import type { ScriptOutcome, ScriptRunner } from './script-runner';
import { SandboxScriptRunner } from './script-sandbox';
import { TrustedScriptRunner } from './script-trusted';

export type { ScriptEvent } from './script-runner';

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
 * `script` task: runs `code` for each event with `event` = `{ id, data,
 * metadata }` (copies). The value of the script's last expression decides
 * the output:
 *
 * | script value | output |
 * |---|---|
 * | `event`, or any object with a `data` key | its `data` |
 * | `undefined` (e.g. the script ends with a declaration or `undefined`; note that `a.b = 1` has the value 1) | `event.data`, as the script left it |
 * | `null` | nothing: the event is dropped |
 * | anything else | that value as the data |
 *
 * The output keeps the event's id and metadata. The script is compiled once
 * in `init` (a syntax error fails the task there, naming the line); a throw,
 * a run longer than `timeout` or, in the sandbox, going over
 * `memory_limit_mib` is a {@link ScriptError} that fails the event, retried
 * and counted like any handler error. Scripts are synchronous: a Promise
 * result is an error.
 *
 * `mode: sandbox` (default) runs the code in a fresh QuickJS interpreter per
 * event ({@link SandboxScriptRunner}): nothing of the host reachable, data in
 * and out as JSON, nothing kept between events. `mode: trusted` runs it in
 * this process through `node:vm` ({@link TrustedScriptRunner}): full access
 * to the host; only for code you trust. See docs/script-sandbox.md.
 *
 * Span attributes on `task.handle`: `script.result_type` (`object`, `array`,
 * `string`, `number`, `boolean`, `null`, `undefined`, `dropped`).
 *
 * @example
 * ```yaml
 * - { name: double, type: script, config: { code: "event.data.total = event.data.n * 2; event" } }
 * ```
 */
@Task({ type: 'script', config: ScriptConfig })
export class ScriptTask implements TaskLifecycle<ScriptConfig> {
  private runner: ScriptRunner | undefined;
  private taskName = 'script';

  /** Loads the runner of the configured mode and compiles the code; a syntax error names the task and line. */
  async init(ctx: TaskContext<ScriptConfig>): Promise<void> {
    this.taskName = ctx.name;
    const { code, mode, timeoutMs, memoryLimitBytes } = ctx.config;
    const base = { task: ctx.name, code, timeoutMs };
    if (mode === 'trusted') {
      this.runner = new TrustedScriptRunner(base);
      return;
    }
    // The config refuses `timeout: none` with the sandbox; this is the guard
    // for a config built in code without validation.
    this.runner = await SandboxScriptRunner.create({
      ...base,
      timeoutMs: timeoutMs ?? parseDuration(DEFAULT_SCRIPT_TIMEOUT),
      memoryLimitBytes,
    });
  }

  /** Runs the script on one event; see the class doc for how the result becomes the output. */
  @Handler()
  async handle(event: FlowEvent): Promise<FlowEvent | null> {
    const runner = this.runner;
    if (runner === undefined) {
      throw new ScriptError(
        'runtime',
        this.taskName,
        `script task "${this.taskName}" was called before init()`,
      );
    }
    const outcome: ScriptOutcome = await runner.run({
      id: event.id,
      data: event.data,
      metadata: event.metadata,
    });
    if (outcome.kind === 'drop') {
      setSpanAttributes({ [RESULT_TYPE_ATTR]: 'dropped' });
      return null;
    }
    setSpanAttributes({ [RESULT_TYPE_ATTR]: resultType(outcome.data) });
    return event.withData(outcome.data);
  }

  /** Frees the runner. */
  close(): void {
    this.runner?.close();
    this.runner = undefined;
  }
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
