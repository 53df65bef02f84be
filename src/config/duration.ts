import { FlowgenError } from '../errors/flowgen-error';

/**
 * What a duration may look like, phrased for error messages.
 *
 * @example
 * ```ts
 * `metrics_export_interval must be ${DURATION_HELP}`
 * ```
 */
export const DURATION_HELP = 'a number followed by a unit ms, s, m or h, e.g. 500ms, 30s, 1m30s';

/**
 * The longest duration accepted, in milliseconds: 2^31 - 1 (about 24.8 days).
 *
 * Every duration in the config ends up in a Node timer (`setTimeout`,
 * `setInterval`) and Node silently turns a longer delay into 1 ms, so a larger
 * value would not mean "very long" but "immediately".
 */
export const MAX_DURATION_MS = 2_147_483_647;

/** Outcome of {@link tryParseDuration}: milliseconds, or why the text is not a duration. */
export type DurationParseResult = { ok: true; ms: number } | { ok: false; reason: string };

const UNIT_MS: Readonly<Record<string, bigint>> = { h: 3_600_000n, m: 60_000n, s: 1_000n, ms: 1n };
const UNIT_ORDER: readonly string[] = ['h', 'm', 's', 'ms'];
// One group: digits, an optional fraction, a unit. `ms` is tried before `m`.
const GROUP = /(\d+)(?:\.(\d+))?(ms|h|m|s)/y;

/**
 * Parses a duration without throwing.
 *
 * Grammar (deliberately small and strict): one or more groups `<number><unit>`
 * with no spaces, units `h`, `m`, `s`, `ms`, each used at most once and from
 * largest to smallest (`1h30m`, `1m30s`, `1s500ms`). A number may have a
 * fraction (`1.5s`, `0.5h`) as long as the total is a whole number of
 * milliseconds. The total must be greater than zero and at most
 * {@link MAX_DURATION_MS}.
 *
 * Why not the `ms` package alone: it rejects compound forms (`1m30s`), accepts
 * things a config should not (bare numbers meaning milliseconds, negatives,
 * `5 minutes`, days and years), and computes with floating point (`1.1s` is
 * 1100.0000000000002). The arithmetic here is exact (BigInt), so the result is
 * always an integer and overflow is detected instead of rounded away.
 *
 * @example
 * ```ts
 * tryParseDuration('1m30s'); // { ok: true, ms: 90000 }
 * tryParseDuration('60');    // { ok: false, reason: 'a bare number has no unit; ...' }
 * ```
 */
export function tryParseDuration(text: unknown): DurationParseResult {
  if (typeof text !== 'string') {
    if (typeof text === 'number') {
      return fail(
        `a bare number has no unit; write it as a quoted string with a unit, e.g. "${text}s" or "${text}ms"`,
      );
    }
    if (text === null) return fail('is empty (null); write a duration or remove the key');
    return fail('must be a string');
  }
  if (text.length === 0) return fail('is empty');
  if (text.trim() !== text || /\s/.test(text)) return fail('must not contain spaces');
  if (/^-/.test(text))
    return fail('must be greater than zero (negative durations are not allowed)');
  if (/^\d+(\.\d+)?$/.test(text)) {
    return fail(`a bare number has no unit; add one, e.g. ${text}s or ${text}ms`);
  }

  let total = 0n;
  let position = 0;
  let lastUnitIndex = -1;
  GROUP.lastIndex = 0;
  while (position < text.length) {
    GROUP.lastIndex = position;
    const match = GROUP.exec(text);
    if (match === null) return fail('is not a duration');
    const [, whole = '', fraction = '', unit = ''] = match;
    const unitIndex = UNIT_ORDER.indexOf(unit);
    if (unitIndex <= lastUnitIndex) {
      return fail('units must go from largest to smallest, each at most once (e.g. 1h30m, 1m30s)');
    }
    lastUnitIndex = unitIndex;
    const factor = UNIT_MS[unit] ?? 1n;
    const scale = 10n ** BigInt(fraction.length);
    const scaled = (BigInt(whole) * scale + BigInt(fraction === '' ? '0' : fraction)) * factor;
    if (scaled % scale !== 0n) return fail('must be a whole number of milliseconds');
    total += scaled / scale;
    position = GROUP.lastIndex;
  }
  if (total === 0n) return fail('must be greater than zero');
  if (total > BigInt(MAX_DURATION_MS)) {
    return fail(`is too long; the maximum is ${formatDuration(MAX_DURATION_MS)} (about 24.8 days)`);
  }
  return { ok: true, ms: Number(total) };
}

/**
 * Parses a human-readable duration into milliseconds (see {@link tryParseDuration}
 * for the grammar).
 *
 * @throws FlowgenError with code `FLOWGEN_DURATION_INVALID` whose message says
 *   what is wrong and what is allowed.
 * @example
 * ```ts
 * parseDuration('500ms'); // 500
 * parseDuration('1m30s'); // 90000
 * parseDuration('1.5s');  // 1500
 * parseDuration('2h');    // 7200000
 * ```
 */
export function parseDuration(text: string): number {
  const result = tryParseDuration(text);
  if (result.ok) return result.ms;
  throw new FlowgenError(
    'FLOWGEN_DURATION_INVALID',
    `Invalid duration ${JSON.stringify(text)}: ${result.reason}. Expected ${DURATION_HELP}.`,
  );
}

/**
 * Formats milliseconds as the compact duration {@link parseDuration} reads
 * back: `90000` → `1m30s`, `1500` → `1s500ms`, `0` → `0ms`. Fractions are
 * rounded to the nearest millisecond; negative values get a leading `-` (for
 * display only: the parser rejects them).
 *
 * @throws RangeError for NaN or an infinite value.
 * @example
 * ```ts
 * formatDuration(5400000); // '1h30m'
 * ```
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`formatDuration: not a finite number: ${ms}`);
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return '0ms';
  let out = ms < 0 ? '-' : '';
  for (const unit of UNIT_ORDER) {
    const size = Number(UNIT_MS[unit] ?? 1n);
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}

function fail(reason: string): DurationParseResult {
  return { ok: false, reason };
}
