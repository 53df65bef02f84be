import { FlowgenError } from '../errors/flowgen-error';

/** `bindTask` was given a name or id that a flow would reject. */
export class TaskIdentityError extends FlowgenError {
  constructor(message: string) {
    super('FLOWGEN_TASK_IDENTITY_INVALID', message);
  }
}
