import type { Channel } from './channel';
import { ShutdownDeadlineError } from './shutdown-deadline-error';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * Makes a task's waits end when the shutdown deadline passes, whether or not
 * the awaited work ever settles: a handler that ignores `ctx.deadline`, a
 * send to a full channel nobody reads any more, a receive on a channel whose
 * upstream is stuck. The abandoned work goes on in the background (a
 * promise cannot be cancelled); the CLI exits the process after the report.
 *
 * One abort listener per gate (not per wait), and no `Promise.race` against a
 * long-lived promise, whose reactions would pile up on every event.
 */
export class DeadlineGate {
  private readonly waiting = new Set<(error: Error) => void>();

  constructor(
    private readonly deadline: AbortSignal,
    private readonly task: string,
  ) {
    deadline.addEventListener(
      'abort',
      () => {
        const rejects = [...this.waiting];
        this.waiting.clear();
        for (const reject of rejects) reject(new ShutdownDeadlineError(this.task));
      },
      { once: true },
    );
  }

  /** Whether the deadline passed. */
  get passed(): boolean {
    return this.deadline.aborted;
  }

  /** `work`'s outcome, or a {@link ShutdownDeadlineError} once the deadline passes first. */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.deadline.aborted) {
      work.catch(() => undefined); // abandoned: its late failure is nobody's
      return Promise.reject(new ShutdownDeadlineError(this.task));
    }
    return new Promise<T>((resolve, reject) => {
      this.waiting.add(reject);
      work.then(
        (value) => {
          this.waiting.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          this.waiting.delete(reject);
          // The work's own reason, passed on unchanged (a handler may throw anything).
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          reject(error);
        },
      );
    });
  }

  /**
   * The channel's next item, or `done` once the deadline passed (also with
   * items still buffered: they are lost, and counted so by the worker).
   */
  receive<T>(channel: Channel<T>): Promise<IteratorResult<T, undefined>> {
    if (this.deadline.aborted) return Promise.resolve(DONE);
    const now = channel.tryReceive();
    if (now !== undefined) return Promise.resolve(now);
    return this.race(channel.receive()).catch(() => DONE);
  }

  /** Sends without waiting when there is room; else waits at most until the deadline. */
  send<T>(channel: Channel<T>, item: T): Promise<void> {
    if (this.deadline.aborted) return Promise.reject(new ShutdownDeadlineError(this.task));
    if (channel.trySend(item)) return Promise.resolve();
    return this.race(channel.send(item));
  }
}
