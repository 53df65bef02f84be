import { FlowgenError } from '../errors/flowgen-error';

/** A handler attempt did not settle within its `handler_timeout`. */
export class HandlerTimeoutError extends FlowgenError {
  constructor(
    /** The task whose handler timed out. */
    public readonly task: string,
    /** The bound, in ms. */
    public readonly timeoutMs: number,
  ) {
    super(
      'FLOWGEN_HANDLER_TIMEOUT',
      `handler of task "${task}" did not settle within ${timeoutMs} ms (handler_timeout); it is counted as a failed attempt. Raise handler_timeout or make the handler settle.`,
    );
  }
}
