import { FlowgenError } from '../errors/flowgen-error';

/** A source pushed an event after the worker stopped taking new ones. */
export class WorkerStoppingError extends FlowgenError {
  constructor(task: string) {
    super(
      'FLOWGEN_WORKER_STOPPING',
      `task "${task}" pushed an event while the worker is shutting down; sources should stop when ctx.signal aborts.`,
    );
  }
}
