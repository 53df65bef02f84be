/*
 * Everything the runtime uses of tracing, in one narrow interface: the
 * runtime (`src/runtime`) imports tracing only from here (and logs through
 * `logger.ts`), so an event's path reads in one direction:
 * connector -> FlowEvent -> TaskNode -> invokeHandler -> runInSpan.
 */

export { invokeHandler } from './invoke-handler';
export type { HandlerPolicy } from './invoke-handler';
export { traceTaskRun } from './task-spans';
export { bindTask } from './task-binding';
export { activeSpan, spanForNewEvents } from './context-manager';
export { CARRIED_CONTEXT, parseTraceparent } from './trace-propagation';
export type { CarriesTraceContext } from './trace-propagation';
