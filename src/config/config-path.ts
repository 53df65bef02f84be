/**
 * Joins a path prefix and key segments into the dotted form used in config
 * issues: numeric segments become indexes.
 *
 * @example
 * ```ts
 * formatConfigPath('telemetry', ['batch', 'max_queue_size']); // 'telemetry.batch.max_queue_size'
 * formatConfigPath('', ['tasks', 2, 'config']);                 // 'tasks[2].config'
 * ```
 */
export function formatConfigPath(prefix: string, segments: readonly (string | number)[]): string {
  let out = prefix;
  for (const segment of segments) {
    const text = String(segment);
    if (/^\d+$/.test(text)) out += `[${text}]`;
    else out += out === '' ? text : `.${text}`;
  }
  return out;
}
