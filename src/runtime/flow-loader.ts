import { readFileSync } from 'node:fs';
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node as YamlNode } from 'yaml';
import { ConfigError } from '../config/config-error';
import type { ConfigIssue, ConfigIssueKind } from '../config/config-error';
import { formatConfigPath } from '../config/config-path';
import { suggestKey } from '../config/did-you-mean';
import {
  assertConfigFileSize,
  parseYamlDocument,
  yamlToValue,
} from '../config/parse-yaml-document';
import type { FlowDefinition, TaskDefinition } from './flow-definition';
import { TASK_NAME_PATTERN } from './task-name';

/** Keys allowed directly under `flow`. */
const FLOW_KEYS = ['name', 'tasks'] as const;
/** Keys of a task body that the loader consumes; the rest is the task's config. */
const RESERVED_TASK_KEYS = new Set(['name', 'depends_on', 'retry']);
const TASK_EXAMPLE = '`- log: { name: out, level: info }`';

type Segment = string | number;

/** A list entry that passed the per-entry checks (its name may still be bad). */
interface Entry {
  id: number;
  type: string;
  body: Record<string, unknown>;
  name: string | undefined;
  line: number | undefined;
}

/**
 * Reads and parses a flow file. See {@link parseFlow}.
 *
 * @throws ConfigError when the file cannot be read or the flow is invalid.
 */
export function loadFlowFile(path: string): FlowDefinition {
  assertConfigFileSize(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ConfigError([
      {
        path: '',
        value: path,
        kind: 'file',
        file: path,
        message: `cannot read the flow file: ${reason}`,
      },
    ]);
  }
  return parseFlow(text, path);
}

/**
 * Parses and structurally validates a flow. Every problem is collected and
 * reported at once in one {@link ConfigError}, each issue with its path (e.g.
 * `flow.tasks[2].log.depends_on[0]`), value, line and what is allowed. YAML
 * syntax errors have the path `''`. Task-type-specific keys are not checked
 * here (the type registry does that) and neither are the fields of `retry`.
 *
 * A task may only depend on tasks listed before it: forward references are
 * rejected, which also makes cycles impossible, and list order is a valid
 * topological order. Keys beside `flow` at the top level are left alone (other
 * blocks, such as `telemetry`, may share the file).
 *
 * @example
 * ```ts
 * const def = parseFlow('flow:\n  name: demo\n  tasks:\n    - generate: { name: tick }\n');
 * def.tasks[0]; // { id: 0, type: 'generate', name: 'tick', config: {}, dependsOn: [], line: 4 }
 * ```
 * @throws ConfigError listing every issue found.
 */
export function parseFlow(text: string, file?: string): FlowDefinition {
  // Size, nesting and alias limits: hostile text is a ConfigError, never a stack overflow.
  const { doc, lineCounter } = parseYamlDocument(text, file);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e): ConfigIssue => {
        const pos = e.linePos?.[0];
        // The library appends "at line L, column C:" and an excerpt; line and column are fields here.
        const reason = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        return {
          path: '',
          value: undefined,
          kind: 'syntax',
          ...(file === undefined ? {} : { file }),
          ...(pos === undefined ? {} : { line: pos.line, column: pos.col }),
          message: `YAML syntax error: ${reason}; allowed: well-formed YAML (check indentation, quotes and brackets)`,
        };
      }),
    );
  }
  return new FlowChecker(doc, lineCounter, file).check();
}

/** Walks the parsed document once, collecting issues with their lines. */
class FlowChecker {
  private readonly issues: ConfigIssue[] = [];

  constructor(
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
    private readonly file: string | undefined,
  ) {}

  check(): FlowDefinition {
    const root: unknown = yamlToValue(this.doc, this.file);
    const flow = isRecord(root) ? root['flow'] : undefined;
    if (!isRecord(flow)) {
      if (!isRecord(root) || !('flow' in root)) {
        const message =
          'missing: a flow file needs a top-level `flow:` map with `name` and `tasks`';
        this.report(['flow'], undefined, message, 'missing');
      } else {
        this.report(['flow'], flow, 'must be a map; allowed keys: name, tasks');
      }
      throw this.error();
    }
    for (const key of Object.keys(flow)) {
      if (!(FLOW_KEYS as readonly string[]).includes(key)) {
        const hint = suggestKey(key, FLOW_KEYS);
        this.report(
          ['flow', key],
          flow[key],
          `unknown key;${hint === undefined ? '' : ` did you mean "${hint}"?`} allowed keys under flow: ${FLOW_KEYS.join(', ')}`,
          'unknown-key',
        );
      }
    }
    const name = flow['name'];
    if (!('name' in flow)) {
      const message = 'missing: the flow needs a `name`, a non-empty string';
      this.report(['flow', 'name'], undefined, message, 'missing');
    } else if (typeof name !== 'string' || name.trim() === '') {
      this.report(['flow', 'name'], name, 'must be a non-empty string');
    }
    const entries = this.checkTasks(flow);
    if (this.issues.length > 0) throw this.error();
    return {
      name: name as string,
      ...(this.file === undefined ? {} : { file: this.file }),
      tasks: entries.map((e) => toTaskDefinition(e, entries)),
    };
  }

  private checkTasks(flow: Record<string, unknown>): Entry[] {
    const tasks = flow['tasks'];
    if (!Array.isArray(tasks) || tasks.length === 0) {
      const present = 'tasks' in flow;
      const message = `${present ? 'must be' : 'missing: the flow needs'} a non-empty list of tasks, e.g. ${TASK_EXAMPLE}`;
      this.report(['flow', 'tasks'], tasks, message, present ? 'invalid' : 'missing');
      return [];
    }
    const entries: Entry[] = [];
    const firstByName = new Map<string, number>();
    tasks.forEach((raw: unknown, id) => {
      const entry = this.checkEntry(raw, id);
      if (entry === undefined) return;
      entries.push(entry);
      if (entry.name === undefined) return;
      const first = firstByName.get(entry.name);
      if (first === undefined) {
        firstByName.set(entry.name, id);
      } else {
        this.report(
          ['flow', 'tasks', id, entry.type, 'name'],
          entry.name,
          `duplicate task name \`${entry.name}\`, already used by flow.tasks[${first}] (line ${this.lineOf(['flow', 'tasks', first]) ?? '?'}); task names must be unique`,
        );
      }
    });
    for (const entry of entries) this.checkDependsOn(entry, entries, firstByName);
    return entries;
  }

  private checkEntry(raw: unknown, id: number): Entry | undefined {
    const at: Segment[] = ['flow', 'tasks', id];
    const keys = isRecord(raw) ? Object.keys(raw) : [];
    const type = keys[0];
    if (!isRecord(raw) || keys.length !== 1 || type === undefined) {
      this.report(
        at,
        raw,
        `must be a map with exactly one key, the task type${keys.length > 1 ? ` (got ${keys.join(', ')})` : ''}; e.g. ${TASK_EXAMPLE}`,
      );
      return undefined;
    }
    const body = raw[type];
    const path = [...at, type];
    if (!isRecord(body)) {
      this.report(
        path,
        body,
        `must be a map of the task's settings with at least \`name\`, e.g. ${TASK_EXAMPLE}`,
      );
      return undefined;
    }
    const name = body['name'];
    let validName: string | undefined;
    if (!('name' in body)) {
      const message = 'missing: every task needs a unique `name` made of [A-Za-z0-9_.-]';
      this.report([...path, 'name'], undefined, message, 'missing');
    } else if (typeof name !== 'string' || name === '') {
      this.report([...path, 'name'], name, 'must be a non-empty string made of [A-Za-z0-9_.-]');
    } else if (!TASK_NAME_PATTERN.test(name)) {
      this.report(
        [...path, 'name'],
        name,
        'must contain only letters, digits, `_`, `.` and `-` ([A-Za-z0-9_.-])',
      );
    } else {
      validName = name;
    }
    if ('retry' in body && !isRecord(body['retry'])) {
      this.report(
        [...path, 'retry'],
        body['retry'],
        'must be a map, e.g. `retry: { max_attempts: 3, initial_backoff: 1s }`',
      );
    }
    return { id, type, body, name: validName, line: this.lineOf(at) };
  }

  private checkDependsOn(entry: Entry, entries: Entry[], firstByName: Map<string, number>): void {
    if (!('depends_on' in entry.body)) return;
    const deps = entry.body['depends_on'];
    const path: Segment[] = ['flow', 'tasks', entry.id, entry.type, 'depends_on'];
    const earlier = entries.filter((e) => e.id < entry.id && e.name !== undefined);
    const allowed =
      entry.id === 0
        ? 'none: the first task has no upstream, remove depends_on'
        : earlier.length === 0
          ? 'tasks listed before this one, and none of them has a valid name yet'
          : `tasks listed before this one: ${earlier.map((e) => e.name).join(', ')}`;
    if (!Array.isArray(deps)) {
      this.report(path, deps, `must be a list of task names, e.g. [enrich]; allowed: ${allowed}`);
      return;
    }
    const seen = new Set<string>();
    deps.forEach((dep: unknown, j) => {
      const at = [...path, j];
      if (typeof dep !== 'string' || dep === '') {
        this.report(at, dep, `must be a task name (a non-empty string); allowed: ${allowed}`);
      } else if (seen.has(dep)) {
        this.report(at, dep, `\`${dep}\` is listed twice; list each upstream task once`);
      } else if (dep === entry.name) {
        this.report(at, dep, `a task cannot depend on itself; allowed: ${allowed}`);
      } else {
        const target = firstByName.get(dep);
        if (target === undefined) {
          this.report(at, dep, `no task is named \`${dep}\`; allowed: ${allowed}`);
        } else if (target > entry.id) {
          this.report(
            at,
            dep,
            `\`${dep}\` is listed after this task (flow.tasks[${target}]); a task may only depend on tasks listed before it, which also rules out cycles; move it above this task. Allowed: ${allowed}`,
          );
        }
      }
      if (typeof dep === 'string') seen.add(dep);
    });
  }

  private report(
    path: Segment[],
    value: unknown,
    message: string,
    kind: ConfigIssueKind = 'invalid',
  ): void {
    const line = this.lineOf(path);
    this.issues.push({
      path: formatConfigPath('', path),
      value,
      message,
      kind,
      ...(this.file === undefined ? {} : { file: this.file }),
      ...(line === undefined ? {} : { line }),
    });
  }

  /** All issues in document order (checks run by topic, not by line); sort is stable. */
  private error(): ConfigError {
    return new ConfigError([...this.issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  }

  /**
   * 1-based line of the node at `path`, or of its deepest existing ancestor
   * when it is missing (a missing `name` points at its task). For a map entry
   * with an empty value the key's line is used: the value has no position of
   * its own.
   */
  private lineOf(path: readonly Segment[]): number | undefined {
    let node: unknown = this.doc.contents;
    if (node === null) return 1; // an empty document: point at its start
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(this.doc);
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (pair !== undefined) {
          const empty = pair.value === null || (isScalar(pair.value) && pair.value.source === '');
          next = empty ? pair.key : pair.value;
        }
      } else if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg];
      }
      if (next === undefined || next === null) break;
      node = next;
    }
    const range = (node as YamlNode | null | undefined)?.range;
    return range === undefined || range === null
      ? undefined
      : this.lineCounter.linePos(range[0]).line;
  }
}

function toTaskDefinition(entry: Entry, entries: Entry[]): TaskDefinition {
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry.body)) {
    if (!RESERVED_TASK_KEYS.has(key)) config[key] = value;
  }
  const explicit = entry.body['depends_on'] as string[] | undefined;
  // Only called when there were no issues, so every entry is valid and entries[i].id === i.
  const previous = entries[entry.id - 1]?.name;
  const retry = entry.body['retry'] as Record<string, unknown> | undefined;
  return {
    id: entry.id,
    type: entry.type,
    name: entry.name as string,
    config,
    dependsOn: explicit !== undefined ? [...explicit] : previous === undefined ? [] : [previous],
    ...(retry === undefined ? {} : { retry }),
    ...(entry.line === undefined ? {} : { line: entry.line }),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
