import { IsIn, IsInt, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import type { ValidationArguments } from 'class-validator';
import { DURATION_HELP, parseDuration, tryParseDuration } from '../config/duration';
import { IsDuration } from '../config/is-duration';
import type { ConfigRefinementIssue, RefinableConfig } from '../config/validate-object';

/** The `timeout` value that runs a script without a time bound (`mode: trusted` only). */
export const SCRIPT_NO_TIMEOUT = 'none';

/** Default `timeout`: 1 second per event. */
export const DEFAULT_SCRIPT_TIMEOUT = '1s';

/** How a `script` task runs its code: see {@link ScriptConfig.mode}. */
export type ScriptMode = 'sandbox' | 'trusted';

/** The modes, in the order error messages list them. */
export const SCRIPT_MODES: readonly ScriptMode[] = ['sandbox', 'trusted'];

/** Default `memory_limit_mib` of a sandboxed script: 32 MiB per event. */
export const DEFAULT_SCRIPT_MEMORY_MIB = 32;

/** Largest `memory_limit_mib`: 1 GiB (the sandbox is 32-bit WebAssembly). */
export const MAX_SCRIPT_MEMORY_MIB = 1024;

const MEMORY_HELP = `must be a whole number of MiB from 1 to ${MAX_SCRIPT_MEMORY_MIB}, e.g. ${DEFAULT_SCRIPT_MEMORY_MIB}`;

/**
 * Config of the `script` task: JavaScript run once per event. By default it
 * runs in a QuickJS sandbox (`mode: sandbox`): nothing of the host is
 * reachable, time and memory are bounded per event, and no state survives
 * from one event to the next. `mode: trusted` runs it in this process through
 * `node:vm` instead: faster, but with full access to the host; only for code
 * you trust. See docs/script-sandbox.md.
 *
 * @example
 * ```yaml
 * - script: { name: double, code: "event.data.total = event.data.n * 2; event", timeout: 100ms }
 * - script: { name: fast, mode: trusted, code: "event.data.seen = true; event", timeout: none }
 * ```
 */
export class ScriptConfig implements RefinableConfig {
  /** The script; its last expression is the result. Required, not blank. */
  @Matches(/\S/, { message: 'must not be empty: write the JavaScript to run for each event' })
  @IsString({ message: 'must be a string of JavaScript, e.g. "event.data.n * 2"' })
  code!: string;

  /**
   * `sandbox` (default): a fresh QuickJS interpreter per event, in
   * WebAssembly; `trusted`: `node:vm` in this process, full access to the
   * host; only for code you trust.
   */
  @IsIn(SCRIPT_MODES, {
    message: (args: ValidationArguments): string =>
      `must be sandbox (the default: isolated, bounded) or trusted (node:vm in this process: full access to the host; only for code you trust); got ${JSON.stringify(args.value)}`,
  })
  mode: ScriptMode = 'sandbox';

  /**
   * Longest run of the script for one event, as a duration. Default `1s`.
   * In the sandbox it covers everything the script does for the event: its
   * code, the promise jobs it queues, getters and proxies read from its
   * result. `none` (no bound) is allowed with `mode: trusted` only.
   */
  @ValidateIf((config: ScriptConfig) => config.timeout !== SCRIPT_NO_TIMEOUT)
  @IsDuration({
    message: (args: ValidationArguments): string => {
      const parsed = tryParseDuration(args.value);
      return `${parsed.ok ? 'is not a duration' : parsed.reason}; expected ${DURATION_HELP}, or none for no bound (mode: trusted only)`;
    },
  })
  timeout: string = DEFAULT_SCRIPT_TIMEOUT;

  /**
   * Memory a script may use for one event, in MiB (the event's data, as
   * JSON and parsed, counts). Default 32. The task's interpreter memory is
   * bounded to its 16 MiB base plus this; going over fails the event.
   * Sandbox only: `node:vm` cannot bound a script's memory.
   */
  // Not @IsOptional: that would let `null` through; only an omitted key means the default.
  @ValidateIf((config: ScriptConfig) => config.memory_limit_mib !== undefined)
  @Max(MAX_SCRIPT_MEMORY_MIB, { message: MEMORY_HELP })
  @Min(1, { message: MEMORY_HELP })
  @IsInt({ message: MEMORY_HELP })
  memory_limit_mib?: number;

  /** `timeout` in milliseconds; `undefined` for `none`. */
  get timeoutMs(): number | undefined {
    return this.timeout === SCRIPT_NO_TIMEOUT ? undefined : parseDuration(this.timeout);
  }

  /** The sandbox's memory limit in bytes (the default when `memory_limit_mib` is not set). */
  get memoryLimitBytes(): number {
    return (this.memory_limit_mib ?? DEFAULT_SCRIPT_MEMORY_MIB) * 1024 * 1024;
  }

  /** A sandboxed script always has a time bound; a memory limit needs the sandbox. */
  refineConfig(): ConfigRefinementIssue[] {
    const issues: ConfigRefinementIssue[] = [];
    if (this.mode === 'sandbox' && this.timeout === SCRIPT_NO_TIMEOUT) {
      issues.push({
        path: ['timeout'],
        value: this.timeout,
        message:
          'none is allowed with mode: trusted only: a sandboxed script always has a time bound; write a duration such as 1s',
      });
    }
    if (this.mode === 'trusted' && this.memory_limit_mib !== undefined) {
      issues.push({
        path: ['memory_limit_mib'],
        value: this.memory_limit_mib,
        message:
          'applies to mode: sandbox only (node:vm cannot bound the memory of a trusted script); remove it or use mode: sandbox',
      });
    }
    return issues;
  }
}
