/** The most of `shutdown_timeout` kept for the final telemetry flush. */
export const TELEMETRY_RESERVE_MAX_MS = 2_000;

/**
 * After the events' deadline, how long the worker still waits for its tasks
 * to unwind (close what they opened); taken from the events' part, so the
 * whole stop stays within `shutdown_timeout`.
 */
export const SETTLE_AFTER_DEADLINE_MS = 200;

/**
 * How one shutdown spends its `shutdown_timeout`, measured from the moment it
 * starts: in-flight events get the first part; the final telemetry flush gets
 * whatever is left, and at least a reserve (a quarter of the timeout, at most
 * {@link TELEMETRY_RESERVE_MAX_MS}) when telemetry is on. Everything ends by
 * {@link ShutdownBudget.endsAt}.
 *
 * @example
 * ```ts
 * const budget = new ShutdownBudget(3_000, true); // events: 2250 ms, flush: the rest
 * await worker.shutdown(budget.forEventsMs());
 * await bounded(() => telemetry.shutdown(), budget.remainingMs(), 'telemetry shutdown');
 * ```
 */
export class ShutdownBudget {
  /** When everything must be done (`Date.now()` scale). */
  readonly endsAt: number;
  private readonly reserveMs: number;

  constructor(
    /** `shutdown_timeout` in ms. */
    totalMs: number,
    /** Whether a telemetry flush follows the events. */
    telemetry: boolean,
    now = Date.now(),
  ) {
    this.endsAt = now + totalMs;
    this.reserveMs = telemetry ? Math.min(TELEMETRY_RESERVE_MAX_MS, Math.floor(totalMs / 4)) : 0;
  }

  /** How long in-flight events may still run (the unwinding after their deadline excluded). */
  forEventsMs(now = Date.now()): number {
    const settle = Math.min(SETTLE_AFTER_DEADLINE_MS, Math.floor((this.endsAt - now) / 10));
    return Math.max(0, this.endsAt - this.reserveMs - settle - now);
  }

  /** What is left of the whole budget (for the final telemetry flush). */
  remainingMs(now = Date.now()): number {
    return Math.max(0, this.endsAt - now);
  }
}

/** Whether `work` settled (either way) within `ms`; never rejects. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    work.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return settled;
}
