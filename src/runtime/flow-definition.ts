/**
 * One task of a flow, as written in YAML and structurally validated by
 * {@link parseFlow}. Task-type-specific keys are left to the type registry.
 *
 * @example
 * ```ts
 * // - log: { name: out, level: info, depends_on: [enrich] }   (third in the list)
 * { id: 2, type: 'log', name: 'out', config: { level: 'info' }, dependsOn: ['enrich'], line: 6 }
 * ```
 */
export interface TaskDefinition {
  /** The task's 0-based index in the flow's task list (the `task_id`). */
  readonly id: number;
  /** The task type: the single key of the list entry (`log`, `script`, ...). */
  readonly type: string;
  /** The unique task name, made of `[A-Za-z0-9_.-]`. */
  readonly name: string;
  /** The task's own keys, without `name`, `depends_on` and `retry`. */
  readonly config: Record<string, unknown>;
  /**
   * Names of the upstream tasks, all listed before this one: the explicit
   * `depends_on`, else the previous task in list order; none for the first.
   */
  readonly dependsOn: string[];
  /** The raw `retry` object, if given; its fields are validated by `RetryConfig`. */
  readonly retry?: Record<string, unknown>;
  /** 1-based line of the task entry in its file, when parsed from YAML. */
  readonly line?: number;
}

/**
 * A flow: a name and its tasks in list order (which is also a topological
 * order, since a task may only depend on tasks listed before it).
 */
export interface FlowDefinition {
  /** The flow's name (`flow.name`). */
  readonly name: string;
  /** The file it was loaded from, when known. */
  readonly file?: string;
  /** The tasks, indexed by their `id`. */
  readonly tasks: TaskDefinition[];
}
