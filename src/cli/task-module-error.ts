import { FlowgenError } from '../errors/flowgen-error';

/** A task module listed in `modules:` or given with `--require` could not be used. */
export class TaskModuleError extends FlowgenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FLOWGEN_TASK_MODULE', message, options);
  }
}
