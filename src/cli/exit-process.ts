/** How long the exit waits for stderr to take the last lines. */
const FLUSH_WAIT_MS = 500;

/**
 * Ends the process with `code` once stderr has taken what was written
 * (the logger writes synchronously; this covers plain `process.stderr`
 * writes to a slow pipe), without waiting for anything else that still
 * holds the event loop: a handler that ignored the deadline, an export
 * to a collector that never answers, a client socket. Called after the
 * end-of-run report, so nothing runs after it.
 */
export function exitAfterFlush(code: number): void {
  const stderr = process.stderr;
  if (stderr.writableLength === 0) {
    process.exit(code);
  }
  const timer = setTimeout(() => process.exit(code), FLUSH_WAIT_MS);
  stderr.write('', () => {
    clearTimeout(timer);
    process.exit(code);
  });
}
