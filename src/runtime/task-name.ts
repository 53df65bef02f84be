/**
 * What a task name may be, in a flow and in `bindTask`: letters, digits, `_`,
 * `.` and `-` (it is a span attribute and a key of the run stats).
 */
export const TASK_NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;
