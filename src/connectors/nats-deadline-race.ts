/**
 * Races many pieces of work against one shutdown deadline with a single
 * abort listener: a source with hundreds of events in flight neither adds a
 * listener per event (Node warns past 10) nor keeps a reaction per event on
 * a promise that may never settle.
 *
 * @example
 * ```ts
 * const race = new DeadlineRace(ctx.deadline);
 * const result = await race.run(completion.settled); // undefined at the deadline
 * ```
 */
export class DeadlineRace {
  private readonly waiting = new Set<() => void>();

  constructor(private readonly deadline: AbortSignal | undefined) {
    deadline?.addEventListener(
      'abort',
      () => {
        for (const give of this.waiting) give();
        this.waiting.clear();
      },
      { once: true },
    );
  }

  /** `work`'s value, or undefined once the deadline passes first (at once if it has). */
  run<T>(work: Promise<T>): Promise<T | undefined> {
    if (this.deadline === undefined) return work;
    if (this.deadline.aborted) return Promise.resolve(undefined);
    return new Promise<T | undefined>((resolve, reject) => {
      const give = (): void => resolve(undefined);
      this.waiting.add(give);
      work.then(
        (value) => {
          this.waiting.delete(give);
          resolve(value);
        },
        (error: unknown) => {
          this.waiting.delete(give);
          reject(error as Error);
        },
      );
    });
  }
}
