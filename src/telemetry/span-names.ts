/**
 * The span names and attribute keys of the span contract (shared/DESIGN.md).
 * One place, so specs, the runtime and the collector's printer agree.
 */

/** A task's lifecycle: init + event loop, one per task per worker tenure. */
export const SPAN_TASK_RUN = 'task.run';
/** One handler invocation: all retry attempts of one event in one task. */
export const SPAN_TASK_HANDLE = 'task.handle';
/** Worker-level task manager start-up. */
export const SPAN_TASK_MANAGER_START = 'task_manager.start';
/** One task registered with the task manager. */
export const SPAN_TASK_MANAGER_REGISTER = 'task_manager.register';
/** Graceful shutdown of the task manager. */
export const SPAN_TASK_MANAGER_SHUTDOWN = 'task_manager.shutdown';

/** Task name, from the flow's YAML (string). */
export const ATTR_TASK = 'task';
/** Index of the task in the flow's task list (int). */
export const ATTR_TASK_ID = 'task_id';
/** Task type, such as `script` or `http_request` (string). */
export const ATTR_TASK_TYPE = 'task_type';

/** Span event recorded on `task.handle` for each failed attempt (attempt number, error, whether it is retried). */
export const EVENT_ATTEMPT_FAILED = 'attempt.failed';
/** Attribute on the `task.handle` span: how many attempts the invocation took (int). */
export const ATTR_ATTEMPTS = 'flowgen.attempts';

/** Suffix of the duration histogram derived from every span name (seconds). */
export const METRIC_DURATION_SUFFIX = '.duration';
/** Suffix of the invocation counter derived from every span name. */
export const METRIC_COUNT_SUFFIX = '.count';
/** Suffix of the failed-invocation counter derived from every span name. */
export const METRIC_ERRORS_SUFFIX = '.errors';

/** Attribute on a failed span: the `code` of the error, when it has one (e.g. `FLOWGEN_HANDLER_TIMEOUT`). */
export const ATTR_ERROR_CODE = 'flowgen.error_code';
