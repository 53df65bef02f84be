/**
 * The KV key of the lease of task `task` in flow `flow`: `<flow>.<task>`,
 * characters KV keys cannot hold replaced by `_`.
 */
export function leaseKey(flow: string, task: string): string {
  const clean = (part: string): string => part.replace(/[^A-Za-z0-9_=-]/g, '_');
  return `${clean(flow)}.${clean(task)}`;
}
