import { FlowgenError } from '../errors/flowgen-error';
import { describeValue } from './describe-value';

/** The `code` of every {@link ConfigError}. */
export const CONFIG_INVALID_CODE = 'FLOWGEN_CONFIG_INVALID';

/**
 * What kind of problem an issue is; decides how it is printed.
 * - `invalid`: the value is present but not allowed (the value is shown).
 * - `missing`: a required key is absent.
 * - `unknown-key`: a key that the config does not define (value not shown).
 * - `syntax`: the YAML text cannot be parsed.
 * - `file`: the file cannot be read.
 */
export type ConfigIssueKind = 'invalid' | 'missing' | 'unknown-key' | 'syntax' | 'file';

/**
 * One problem found in a config. `path` is the dotted path of the key from the
 * top of the file (`telemetry.metrics_export_interval`, `tasks[2].config.url`),
 * empty for the document itself; `message` says what is allowed or what to do.
 *
 * @example
 * ```ts
 * const issue: ConfigIssue = {
 *   path: 'telemetry.metrics_export_interval', value: 60, kind: 'invalid', line: 5,
 *   message: 'a bare number has no unit; write it as a quoted string with a unit, e.g. "60s"',
 * };
 * ```
 */
export interface ConfigIssue {
  /** Dotted path of the offending key; `''` for the whole document. */
  path: string;
  /** The offending value as read (never printed when it may be a secret). */
  value: unknown;
  /** What is wrong and what is allowed, e.g. `must be an http or https URL`. */
  message: string;
  /** Defaults to `invalid`. */
  kind?: ConfigIssueKind;
  /** The config file the value came from. */
  file?: string;
  /** 1-based line of the key (or value) in that file. */
  line?: number;
  /** 1-based column, for YAML syntax errors. */
  column?: number;
}

/**
 * Thrown when a config is rejected. It carries every problem found (not just
 * the first) in `issues`, and its message lists them one per line:
 *
 * ```text
 * Invalid config in worker.yaml:
 *   - telemetry.otlp_endpiont (line 4): unknown key; did you mean "otlp_endpoint"? Allowed keys: enabled, otlp_endpoint, service_name, metrics_export_interval, batch, tls
 *   - telemetry.metrics_export_interval (line 5): got 60; a bare number has no unit; ...
 * ```
 *
 * Values are printed through {@link describeValue}, so header values, tokens and
 * URL passwords never reach a log.
 *
 * @example
 * ```ts
 * try { loadWorkerConfigFile('worker.yaml'); } catch (e) {
 *   if (e instanceof ConfigError) for (const i of e.issues) console.error(i.path, i.line);
 * }
 * ```
 */
export class ConfigError extends FlowgenError {
  /** Every problem found, in document order where known. */
  public readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super(CONFIG_INVALID_CODE, formatConfigIssues(issues), options);
    this.issues = Object.freeze([...issues]);
  }
}

/**
 * The text of a {@link ConfigError}: a heading naming the file (when all issues
 * share one) and one `  - path (line N): message` line per issue.
 *
 * @example
 * ```ts
 * formatConfigIssues([{ path: 'retry.max_attempts', value: 0, message: 'must be at least 1' }]);
 * // 'Invalid config:\n  - retry.max_attempts: got 0; must be at least 1'
 * ```
 */
export function formatConfigIssues(issues: readonly ConfigIssue[]): string {
  const files = new Set(issues.map((issue) => issue.file));
  const onlyFile = files.size === 1 ? [...files][0] : undefined;
  const heading = onlyFile === undefined ? 'Invalid config:' : `Invalid config in ${onlyFile}:`;
  if (issues.length === 0) return `${heading}\n  - (no details)`;
  const lines = issues.map((issue) => `  - ${formatIssue(issue, onlyFile === undefined)}`);
  return [heading, ...lines].join('\n');
}

function formatIssue(issue: ConfigIssue, withFile: boolean): string {
  const where: string[] = [];
  if (withFile && issue.file !== undefined) where.push(issue.file);
  if (issue.line !== undefined) {
    where.push(
      issue.column !== undefined
        ? `line ${issue.line}, column ${issue.column}`
        : `line ${issue.line}`,
    );
  }
  const kind = issue.kind ?? 'invalid';
  const whole = issue.path === '' && (kind === 'syntax' || kind === 'file');
  const subject = whole ? '' : issue.path === '' ? '(document)' : issue.path;
  const location = where.length === 0 ? '' : whole ? where.join(' ') : ` (${where.join(' ')})`;
  const got =
    kind === 'invalid' && issue.value !== undefined
      ? `got ${describeValue(issue.value, issue.path)}; `
      : '';
  const head = `${subject}${location}`;
  return head === '' ? `${got}${issue.message}` : `${head}: ${got}${issue.message}`;
}
