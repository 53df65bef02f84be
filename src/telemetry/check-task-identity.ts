import { TASK_NAME_PATTERN } from '../runtime/task-name';
import { TaskIdentityError } from './task-identity-error';

/**
 * Checks what `bindTask` is given the way a flow checks its tasks, so an
 * instance bound by hand cannot carry a name or id that no flow could give it
 * (and collide with a real task's series).
 *
 * @throws TaskIdentityError naming the field, the value and what is allowed.
 */
export function checkTaskIdentity(identity: {
  readonly name: unknown;
  readonly id: unknown;
}): void {
  const { name, id } = identity;
  if (typeof name !== 'string' || !TASK_NAME_PATTERN.test(name)) {
    throw new TaskIdentityError(
      `bindTask: name ${JSON.stringify(name)} is not a task name; use letters, digits, _, . and - as in a flow, e.g. "inventory_check".`,
    );
  }
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
    throw new TaskIdentityError(
      `bindTask: id ${String(id)} of task "${name}" is not a task id; use the task's 0-based index in the flow's task list (a whole number >= 0).`,
    );
  }
}
