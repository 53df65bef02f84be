import { FlowgenError } from '../errors/flowgen-error';

/** A flow's wiring cannot run (a source with input, a task that can never get an event). */
export class FlowPlanError extends FlowgenError {
  constructor(message: string) {
    super('FLOWGEN_FLOW_INVALID', message);
  }
}
