/** How often the parent pid is checked: one cheap syscall per second. */
export const ORPHAN_POLL_MS = 1_000;

/**
 * Calls `onOrphaned` once when this process's parent changes, i.e. the
 * process that started it died and it was re-parented (to PID 1 or a
 * subreaper). That is what happens to a worker started by `npx flowgen run`
 * when npm is killed: npm does not forward the signal, and the orphan would
 * run on unnoticed. A process whose parent at start is PID 1 (or none) was
 * started by an init and is not watched. The timer never keeps the process
 * alive. Returns a function that stops watching.
 *
 * @example
 * ```ts
 * const stopWatching = watchForOrphaning((from, to) => stop.request(`orphaned (parent ${from} -> ${to})`));
 * ```
 */
export function watchForOrphaning(
  onOrphaned: (formerParent: number, parent: number) => void,
  intervalMs = ORPHAN_POLL_MS,
  parentPid: () => number = () => process.ppid,
): () => void {
  const initial = parentPid();
  if (initial <= 1) return () => undefined;
  const timer = setInterval(() => {
    const now = parentPid();
    if (now === initial) return;
    clearInterval(timer);
    onOrphaned(initial, now);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
