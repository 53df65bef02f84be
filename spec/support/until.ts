/**
 * Polls `check` every 20 ms until it holds; rejects after `timeoutMs` with
 * `what` in the message. For conditions on real servers and processes that
 * no event announces.
 */
export async function until(
  check: () => boolean,
  timeoutMs = 15_000,
  what = 'the condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
