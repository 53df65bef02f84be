import * as fs from 'node:fs';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Whether process `pid` has a handler for `signal` now, read from the
 * `SigCgt` mask of /proc/<pid>/status (Linux). A process without one is
 * killed by the signal; with one, the signal is its to handle.
 */
export function catchesSignal(pid: number, signal: NodeJS.Signals): boolean {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return false;
  }
  const mask = /^SigCgt:\s*([0-9a-f]+)$/im.exec(status)?.[1];
  if (mask === undefined) return false;
  const bit = BigInt(constants.signals[signal] - 1);
  return ((BigInt(`0x${mask}`) >> bit) & 1n) === 1n;
}

/**
 * Polls (every millisecond) until `pid` handles `signal`; rejects after
 * `timeoutMs`. Lets a spec send a signal at the first moment the process can
 * take it, without guessing how long Node takes to boot on a busy machine.
 *
 * Wait for SIGHUP, not SIGTERM or SIGINT: Node itself catches those two from
 * its first instant (to restore the terminal, then die by the signal), so
 * their bits say nothing about the program's own handlers.
 */
export async function untilCatches(
  pid: number,
  signal: NodeJS.Signals,
  timeoutMs: number,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!catchesSignal(pid, signal)) {
    if (Date.now() > end) {
      throw new Error(`process ${pid} installed no ${signal} handler within ${timeoutMs} ms`);
    }
    await sleep(1);
  }
}
