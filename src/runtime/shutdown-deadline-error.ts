import { FlowgenError } from '../errors/flowgen-error';

/**
 * The shutdown deadline (`shutdown_timeout`) passed while a task was still
 * working on an event: the runtime stopped waiting for it and counts the
 * event as lost. Handlers and connectors see the same moment as
 * `ctx.deadline` aborting.
 *
 * @example
 * ```ts
 * if (error instanceof ShutdownDeadlineError) log.warn('abandoned at shutdown');
 * ```
 */
export class ShutdownDeadlineError extends FlowgenError {
  constructor(
    /** The task whose work was abandoned. */
    public readonly task: string,
  ) {
    super(
      'FLOWGEN_SHUTDOWN_DEADLINE',
      `task "${task}" was still working when the shutdown deadline passed; its event is counted as lost. Raise shutdown_timeout, or make the handler stop when ctx.deadline aborts.`,
    );
  }
}
