import type { ScriptOutcome } from './script-runner';

/*
 * The code the sandbox runs around a script, inside the sandbox: it parses
 * the event from a JSON string and makes it the global `event`, and returns
 * the function that turns the script's value into the outcome, as one
 * string. Doing this inside the sandbox is what keeps the timeout and the
 * memory limit over getters, proxies and `toJSON` of the result: the host
 * never touches a sandbox object, it reads one string.
 *
 * The outcome string: `D` (drop), `J<json>` (`{"d": data}`; no `d` key when
 * data is undefined) or `E<why>` (the value cannot be data). Built-ins are
 * taken before the script runs, so a script that replaces `JSON.stringify`
 * changes nothing here.
 */
export const SANDBOX_PRELUDE = `(function (input) {
  "use strict";
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const PromiseCtor = Promise;
  const event = parse(input);
  globalThis.event = event;
  return function (value) {
    if (value === null) return "D";
    let data = value;
    if (value === undefined) data = event.data;
    else if (typeof value === "object" && "data" in value) data = value.data;
    if (data instanceof PromiseCtor) {
      return "Ereturned a Promise; scripts run synchronously: end with the value itself";
    }
    const kind = typeof data;
    if (kind === "function" || kind === "symbol" || kind === "bigint") {
      return "Ereturned a " + kind + ", which is not plain data: end with a JSON-like value";
    }
    return "J" + stringify({ d: data });
  };
})`;

/** What the prelude's outcome string says: an outcome, or why the value cannot be data. */
export type DecodedOutcome = ScriptOutcome | { readonly kind: 'invalid'; readonly reason: string };

/** Reads the prelude's outcome string (see {@link SANDBOX_PRELUDE}). */
export function decodeOutcome(text: string): DecodedOutcome {
  switch (text[0]) {
    case 'D':
      return { kind: 'drop' };
    case 'J':
      return { kind: 'data', data: (JSON.parse(text.slice(1)) as { d?: unknown }).d };
    default:
      return { kind: 'invalid', reason: text.slice(1) };
  }
}
