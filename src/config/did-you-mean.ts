/**
 * Edit distance between two strings (optimal string alignment: insertions,
 * deletions, substitutions and swaps of two adjacent characters each cost 1),
 * so the typo `otlp_endpiont` is at distance 1 from `otlp_endpoint`.
 *
 * @example
 * ```ts
 * editDistance('otlp_endpiont', 'otlp_endpoint'); // 1
 * ```
 */
export function editDistance(a: string, b: string): number {
  // Three rolling rows (the swap looks two rows back): O(|a|·|b|) time, O(|b|) memory.
  let older = new Uint32Array(b.length + 1);
  let previous = Uint32Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (older[j - 2] ?? 0) + 1);
      }
      current[j] = best;
    }
    [older, previous, current] = [previous, current, older];
  }
  return previous[b.length] ?? 0;
}

/**
 * The allowed key that the unknown `key` was most likely meant to be, or
 * undefined when none is close. Case, `-`/`_` and camelCase differences count
 * as an exact match (`serviceName` → `service_name`); otherwise the closest key
 * within an edit distance of about a third of its length wins, and failing
 * that a key that starts with it (or that it starts with), like `max_queue` →
 * `max_queue_size`.
 *
 * @example
 * ```ts
 * suggestKey('otlp_endpiont', ['enabled', 'otlp_endpoint']); // 'otlp_endpoint'
 * suggestKey('colour', ['enabled']);                         // undefined
 * ```
 */
export function suggestKey(key: string, allowed: readonly string[]): string | undefined {
  const squash = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');
  const exact = allowed.find((candidate) => squash(candidate) === squash(key));
  if (exact !== undefined) return exact;
  // A truncated or extended key (`max_queue` for `max_queue_size`).
  const lowered = key.toLowerCase();
  const prefixed = allowed
    .filter((candidate) => {
      const c = candidate.toLowerCase();
      return (
        Math.min(c.length, lowered.length) >= 4 && (c.startsWith(lowered) || lowered.startsWith(c))
      );
    })
    .sort((a, b) => Math.abs(a.length - key.length) - Math.abs(b.length - key.length))[0];
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of allowed) {
    const limit = Math.max(1, Math.floor(Math.max(key.length, candidate.length) / 3));
    // The distance is at least the length difference: skip what cannot be close.
    if (Math.abs(key.length - candidate.length) > limit) continue;
    const distance = editDistance(lowered, candidate.toLowerCase());
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best ?? prefixed;
}
