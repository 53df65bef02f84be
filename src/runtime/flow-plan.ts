import type { DependencyContainer } from 'tsyringe';
import { ConfigError } from '../config/config-error';
import type { ConfigIssue } from '../config/config-error';
import type { ConfigClass } from '../config/config-keys';
import { parseDuration, tryParseDuration, DURATION_HELP } from '../config/duration';
import { RetryConfig } from '../config/retry-config';
import { collectConfigIssues } from '../config/validate-object';
import type { WorkerConfig } from '../config/worker-config';
import type { FlowDefinition, TaskDefinition } from './flow-definition';
import type { FlowGraph } from './flow-graph';
import { buildFlowGraph } from './flow-graph';
import { RetryPolicy } from './retry-policy';
import type { TaskType } from './task-registry';
import { taskTypesOf } from './task-registry';

/** Task key, beside the task's own config, that bounds one handler attempt. */
export const HANDLER_TIMEOUT_KEY = 'handler_timeout';

/** One task of a flow, checked and ready to run. */
export interface PlannedTask {
  /** The task as the flow file defines it. */
  readonly definition: TaskDefinition;
  /** Its registered class and `@Task` options. */
  readonly type: TaskType;
  /** Its own config, validated against its config class (`{}` when it has none). */
  readonly config: object;
  /** Its retry policy: the task's `retry`, else the worker's. */
  readonly retry: RetryPolicy;
  /** Bound of one handler attempt in ms, if any. */
  readonly handlerTimeoutMs: number | undefined;
}

/** A flow checked against the registered task types and the worker config. */
export interface FlowPlan {
  /** The flow's name. */
  readonly name: string;
  /** The wiring. */
  readonly graph: FlowGraph;
  /** The tasks, by id. */
  readonly tasks: readonly PlannedTask[];
}

/**
 * Checks every task of a flow before anything starts: its type is registered,
 * its config is valid for its class, its `retry` and `handler_timeout` are
 * valid. Every problem of every task is reported at once in one ConfigError
 * naming the file, the path, the line and what is allowed.
 */
export function planFlow(
  def: FlowDefinition,
  container: DependencyContainer,
  worker: WorkerConfig,
): FlowPlan {
  const types = taskTypesOf(container);
  const issues: ConfigIssue[] = [];
  const tasks: PlannedTask[] = [];
  for (const task of def.tasks) {
    const planned = planTask(task, def.file, types, worker, issues);
    if (planned !== undefined) tasks.push(planned);
  }
  const graph = buildFlowGraph(def);
  for (const task of tasks) checkPlacement(task, graph, def.file, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return { name: def.name, graph, tasks };
}

/** Whether instances of a task type produce their own events (they have `run`). */
export function isSourceType(type: TaskType): boolean {
  return type.options.source ?? typeof (type.cls.prototype as { run?: unknown }).run === 'function';
}

/*
 * A source produces events and takes none; any other task needs an upstream,
 * or it would never get an event. Both are wiring mistakes worth stopping at.
 */
function checkPlacement(
  task: PlannedTask,
  graph: FlowGraph,
  file: string | undefined,
  issues: ConfigIssue[],
): void {
  const { definition, type } = task;
  const upstream = graph.nodes[definition.id]?.upstream ?? [];
  const source = isSourceType(type);
  const at = {
    path: `flow.tasks[${definition.id}].${definition.type}`,
    kind: 'invalid' as const,
    ...defined({ file, line: definition.line }),
  };
  if (source && upstream.length > 0) {
    issues.push({
      ...at,
      value: definition.dependsOn,
      message: `\`${definition.name}\` is a source (type ${type.options.type} produces events) and takes no input, but it would get events from ${definition.dependsOn.join(', ')}; list it first or give it \`depends_on: []\``,
    });
  } else if (!source && upstream.length === 0) {
    issues.push({
      ...at,
      value: definition.name,
      message: `\`${definition.name}\` has no upstream task and type ${type.options.type} is not a source, so it would never get an event; put a source (generate, http_endpoint) before it or name one in depends_on`,
    });
  }
}

function planTask(
  task: TaskDefinition,
  file: string | undefined,
  types: ReadonlyMap<string, TaskType>,
  worker: WorkerConfig,
  issues: ConfigIssue[],
): PlannedTask | undefined {
  const at = `flow.tasks[${task.id}].${task.type}`;
  const where = { file, line: task.line };
  const type = types.get(task.type);
  if (type === undefined) {
    const known = [...types.keys()].sort().join(', ');
    issues.push({
      path: `flow.tasks[${task.id}]`,
      value: task.type,
      kind: 'invalid',
      message: `unknown task type \`${task.type}\`; known types: ${known}. Register your own @Task class: list its module under \`modules:\` in the worker config (flowgen run), or pass it to runFlow({ taskClasses: [...] }) or registerTaskClasses(container, [...])`,
      ...defined(where),
    });
    return undefined;
  }
  const { [HANDLER_TIMEOUT_KEY]: timeoutRaw, ...own } = task.config;
  const options = { path: at, file, lineOf: () => task.line };
  const configClass = type.options.config as ConfigClass<object> | undefined;
  const config = configClass === undefined ? own : collect(configClass, own, options, issues);
  const retryRaw = task.retry ?? undefined;
  const retry =
    retryRaw === undefined
      ? worker.retry
      : collect(
          RetryConfig,
          { ...plainRetry(worker.retry), ...retryRaw },
          { ...options, path: `${at}.retry` },
          issues,
        );
  let handlerTimeoutMs = worker.handlerTimeoutMs;
  if (timeoutRaw !== undefined) {
    const parsed = tryParseDuration(timeoutRaw);
    if (parsed.ok) handlerTimeoutMs = parsed.ms;
    else
      issues.push({
        path: `${at}.${HANDLER_TIMEOUT_KEY}`,
        value: timeoutRaw,
        kind: 'invalid',
        message: `${parsed.reason}; expected ${DURATION_HELP}`,
        ...defined(where),
      });
  }
  if (config === undefined || retry === undefined) return undefined;
  return {
    definition: task,
    type,
    config,
    retry: new RetryPolicy({
      maxAttempts: retry.max_attempts,
      initialBackoffMs: parseDuration(retry.initial_backoff),
      maxBackoffMs: parseDuration(retry.max_backoff),
    }),
    handlerTimeoutMs,
  };
}

function collect<T extends object>(
  cls: ConfigClass<T>,
  raw: unknown,
  options: { path: string; file?: string; lineOf: () => number | undefined },
  issues: ConfigIssue[],
): T | undefined {
  const result = collectConfigIssues(cls, raw, options);
  issues.push(...result.issues);
  return result.issues.length === 0 ? result.value : undefined;
}

function plainRetry(retry: RetryConfig): Record<string, unknown> {
  return {
    max_attempts: retry.max_attempts,
    initial_backoff: retry.initial_backoff,
    max_backoff: retry.max_backoff,
  };
}

function defined(where: { file?: string; line?: number }): { file?: string; line?: number } {
  const out: { file?: string; line?: number } = {};
  if (where.file !== undefined) out.file = where.file;
  if (where.line !== undefined) out.line = where.line;
  return out;
}
