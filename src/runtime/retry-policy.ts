/** The numbers a {@link RetryPolicy} is built from (already validated durations, in ms). */
export interface RetryPolicyOptions {
  /** Total attempts, the first included: 1 means no retry. A positive integer. */
  readonly maxAttempts: number;
  /** Backoff base after the first failure, in ms (>= 0). */
  readonly initialBackoffMs: number;
  /** Upper bound of any backoff, in ms (>= initialBackoffMs). */
  readonly maxBackoffMs: number;
}

/** Callbacks and injectables for one {@link RetryPolicy.run}. */
export interface RetryHooks {
  /**
   * Called after every failed attempt, before any backoff. `delayMs` is the
   * backoff about to be awaited (0 when `willRetry` is false). An exception
   * thrown here ends the run with that exception.
   */
  onAttemptFailed?: (attempt: number, error: unknown, willRetry: boolean, delayMs: number) => void;
  /** Aborting stops retrying: the backoff ends early and the last error is rethrown. */
  signal?: AbortSignal;
  /** Replaces the timer (specs); receives the signal so it can end early. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Replaces Math.random for the jitter (specs). */
  random?: () => number;
}

/**
 * Calls a function until it succeeds or the attempts run out, waiting an
 * exponential backoff with "equal" jitter between attempts.
 *
 * Equal jitter (half fixed, half random) rather than full jitter: it still
 * spreads retries of many workers apart, but never retries at once, so a
 * downstream service that just failed always gets at least half the backoff.
 *
 * @example
 * ```ts
 * const policy = new RetryPolicy({ maxAttempts: 3, initialBackoffMs: 100, maxBackoffMs: 2000 });
 * const body = await policy.run(() => fetchOrder(id), {
 *   onAttemptFailed: (n, err, willRetry) => log.warn({ n, err, willRetry }, 'attempt failed'),
 * });
 * ```
 */
export class RetryPolicy {
  /** Total attempts, the first included. */
  public readonly maxAttempts: number;
  /** Backoff base after the first failure, in ms. */
  public readonly initialBackoffMs: number;
  /** Upper bound of any backoff, in ms. */
  public readonly maxBackoffMs: number;

  constructor(options: RetryPolicyOptions) {
    const { maxAttempts, initialBackoffMs, maxBackoffMs } = options;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new RangeError(`maxAttempts must be a positive integer, got ${String(maxAttempts)}`);
    }
    if (!Number.isFinite(initialBackoffMs) || initialBackoffMs < 0) {
      throw new RangeError(`initialBackoffMs must be >= 0, got ${String(initialBackoffMs)}`);
    }
    if (!Number.isFinite(maxBackoffMs) || maxBackoffMs < initialBackoffMs) {
      throw new RangeError(
        `maxBackoffMs must be >= initialBackoffMs (${initialBackoffMs}), got ${String(maxBackoffMs)}`,
      );
    }
    this.maxAttempts = maxAttempts;
    this.initialBackoffMs = initialBackoffMs;
    this.maxBackoffMs = maxBackoffMs;
  }

  /**
   * The backoff to wait after attempt number `attempt` (1-based) failed:
   * `base = min(max, initial * 2^(attempt-1))`, then `base/2 + random() * base/2`.
   * Always within [base/2, base], so never above `maxBackoffMs`.
   *
   * @param random - a source in [0, 1); injectable for deterministic specs.
   */
  delayFor(attempt: number, random: () => number = Math.random): number {
    if (!Number.isInteger(attempt) || attempt < 1) {
      throw new RangeError(`attempt must be a positive integer, got ${String(attempt)}`);
    }
    if (this.initialBackoffMs === 0) return 0; // also avoids 0 * Infinity for huge attempts
    const base = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (attempt - 1));
    const half = base / 2;
    return Math.min(base, half + random() * half);
  }

  /**
   * Runs `fn(attempt)` (attempt 1, 2, ...) until it returns, at most
   * `maxAttempts` times. Throwing synchronously and rejecting count alike.
   * Only a real `Promise` is awaited: any other value, a thenable included, is
   * returned as is. After the last attempt, or when `signal` is aborted, the
   * last error is rethrown unchanged (the same object). The signal governs
   * retries only: the first attempt always runs.
   */
  async run<T>(fn: (attempt: number) => Promise<T> | T, hooks: RetryHooks = {}): Promise<T> {
    const { signal, onAttemptFailed } = hooks;
    const sleep = hooks.sleep ?? abortableSleep;
    const random = hooks.random ?? Math.random;
    for (let attempt = 1; ; attempt++) {
      try {
        const result = fn(attempt);
        return result instanceof Promise ? await result : result;
      } catch (error) {
        const willRetry = attempt < this.maxAttempts && !isAborted(signal);
        const delayMs = willRetry ? this.delayFor(attempt, random) : 0;
        onAttemptFailed?.(attempt, error, willRetry, delayMs);
        if (!willRetry) throw error;
        await sleep(delayMs, signal);
        if (isAborted(signal)) throw error;
      }
    }
  }
}

// A function, not an inline check: TypeScript would otherwise keep `aborted`
// narrowed to false across the await, though an abort can happen during it.
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** setTimeout as a promise that resolves early (not rejects) on abort: the caller rethrows. */
function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
