import type { FlowEvent } from './event';

/** How a tracked source event ended: every branch handled, or the first failure. */
export type CompletionResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: unknown };

/*
 * Which completion an event in flight belongs to. A WeakMap, not a field on
 * FlowEvent: events stay plain values, an untracked event costs one lookup,
 * and a dropped event frees its entry with it.
 */
const owners = new WeakMap<FlowEvent, EventCompletion>();

/**
 * Tells a source when one event it pushed has been handled by every task
 * downstream, through fan-out and fan-in: a message source acks only then.
 *
 * A reference count: one hold for the source's own handling, one more for
 * every event sent to a downstream task (the runtime calls
 * {@link EventCompletion.forward}), each released when that task's handler is
 * done with it. At zero the completion settles; the first failure of any
 * branch is what it settles with (the other branches still run to the end).
 *
 * @example
 * ```ts
 * const completion = EventCompletion.track(event);
 * await ctx.push(event);
 * const result = await completion.settled;
 * if (result.ok) msg.ack(); else msg.nak(delayMs);
 * ```
 */
export class EventCompletion {
  /** Resolves (never rejects) once every handler the event reached is done. */
  readonly settled: Promise<CompletionResult>;
  private holds = 1;
  private failure: { error: unknown } | undefined;
  private resolve!: (result: CompletionResult) => void;

  private constructor() {
    this.settled = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  /** Starts tracking `event` (before `ctx.push`): the first hold is its own handling. */
  static track(event: FlowEvent): EventCompletion {
    const completion = new EventCompletion();
    owners.set(event, completion);
    return completion;
  }

  /** The completion `event` belongs to, if a source tracks it. */
  static of(event: FlowEvent): EventCompletion | undefined {
    return owners.get(event);
  }

  /** The runtime sends `next` downstream on behalf of this completion: one more hold. */
  forward(next: FlowEvent): void {
    owners.set(next, this);
    this.holds++;
  }

  /** One handler that got the event is done with it. */
  release(): void {
    if (--this.holds !== 0) return;
    this.resolve(
      this.failure === undefined ? { ok: true } : { ok: false, error: this.failure.error },
    );
  }

  /** One handler failed (after its retries), or a send never arrived: releases its hold. */
  fail(error: unknown): void {
    this.failure ??= { error };
    this.release();
  }
}
