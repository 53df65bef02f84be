import 'reflect-metadata';

// Errors
export { FlowgenError } from './errors/flowgen-error';

// Context
export { activeContext, activeSpan } from './telemetry/context-manager';
