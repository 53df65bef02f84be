import type { EventMetadata } from '../runtime/event';

/** What a script sees as `event`: copies, never the event itself. */
export interface ScriptEvent {
  /** The event id. */
  readonly id: string;
  /** A copy of the event's data: changing it never changes the input event. */
  data: unknown;
  /** A copy of the event's metadata. */
  readonly metadata: EventMetadata;
}

/**
 * What a script run decided: drop the event (the script's value was `null`),
 * or emit it with `data`, a plain value of this realm.
 */
export type ScriptOutcome =
  | { readonly kind: 'drop' }
  | { readonly kind: 'data'; readonly data: unknown };

/**
 * Runs one task's script for one event. Implementations throw a
 * `ScriptError` for every failure of the script; `close` frees what the
 * runner holds.
 */
export interface ScriptRunner {
  /** Runs the script on a copy of the event. */
  run(event: ScriptEvent): ScriptOutcome | Promise<ScriptOutcome>;
  /** Frees the runner; it is not used afterwards. */
  close(): void;
}

/** What every runner needs to know about its task. */
export interface ScriptRunnerOptions {
  /** The task's name, for error messages and the script's file name. */
  readonly task: string;
  /** The script. */
  readonly code: string;
  /** Longest run for one event in ms; `undefined`: no bound (trusted only). */
  readonly timeoutMs: number | undefined;
}

/** The file name scripts of `task` get in stacks and syntax errors. */
export function scriptFilename(task: string): string {
  return `script:${task}`;
}
