import { FlowgenError } from '../errors/flowgen-error';

/** One task that stopped with an error (its `init`, `run` or `close` threw). */
export interface TaskFailure {
  /** The task's name. */
  readonly task: string;
  /** What it threw. */
  readonly error: unknown;
}

/**
 * A flow ran to its end (or was stopped) but some tasks stopped with an error
 * rather than finishing: a script that does not compile, a port already taken,
 * a `close()` that threw. Thrown by `runFlow` after a graceful shutdown; the
 * `flowgen` command exits 1 on it.
 */
export class TaskFailedError extends FlowgenError {
  constructor(public readonly failures: readonly TaskFailure[]) {
    super(
      'FLOWGEN_TASK_FAILED',
      `${failures.length} task(s) stopped with an error:\n` +
        failures
          .map(
            ({ task, error }) =>
              `  - ${task}: ${error instanceof Error ? error.message : String(error)}`,
          )
          .join('\n'),
    );
  }
}
