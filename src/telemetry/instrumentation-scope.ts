/** Instrumentation scope name of every tracer and meter the toolkit makes. */
export const INSTRUMENTATION_SCOPE = 'flowgen-ts';
/** Instrumentation scope version. */
export const INSTRUMENTATION_VERSION = '0.1.0';
