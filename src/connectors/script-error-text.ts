/*
 * Reading errors that come from another realm (a node:vm context, the QuickJS
 * sandbox): they are not instances of this realm's Error, and a script may
 * throw any value (`throw "nope"`), so they are read structurally.
 */

/** `Name: message` of an error-like value (`message` alone for a plain `Error`), else its string form. */
export function describeThrown(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const message = (error as { message?: unknown }).message;
    const name = (error as { name?: unknown }).name;
    if (typeof message === 'string') {
      return typeof name === 'string' && name !== 'Error' ? `${name}: ${message}` : message;
    }
  }
  try {
    return String(error);
  } catch {
    return 'a value that cannot be shown';
  }
}

/** The 1-based line of an error in `filename`, read from its stack (`filename:LINE`). */
export function errorLine(stack: unknown, filename: string): number | undefined {
  if (typeof stack !== 'string') return undefined;
  const escaped = filename.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}:(\\d+)`).exec(stack);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** The `syntax` error message of a script that does not compile. */
export function syntaxMessage(task: string, line: number | undefined, detail: string): string {
  const where = line === undefined ? '' : ` at line ${line}`;
  return `script task "${task}": syntax error${where} of config.code: ${detail}`;
}
