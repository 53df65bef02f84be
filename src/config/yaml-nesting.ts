/** Where {@link findDeepNesting} found nesting past its limit. */
export interface DeepNesting {
  /** 1-based line. */
  line: number;
  /** The nesting counted on that line. */
  depth: number;
}

/** A whitespace-separated token that opens one more level on its line (`-`, `? `, `: `, `&a`, `!t`). */
const INDICATOR = /^(?:[-?:]|[!&]\S*)$/;
/** A block scalar header (`|`, `>-`, `|+2`) at the end of a line. */
const BLOCK_SCALAR_HEADER = /(?:^|\s)[|>][-+1-9]*$/;
/** Quoted scalars on one line; both alternatives are disjoint, so matching is linear. */
const QUOTED = /"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'/g;
const COMMENT = /(?:^|\s)#.*$/;

/**
 * The first line of YAML `text` nested deeper than `limit`, or undefined.
 *
 * One pass over the lines with no recursion, so it is safe on any input
 * (the `yaml` library itself recurses once per level and overflows the stack
 * near 10,000 levels). The count is an upper bound of the real nesting: each
 * enclosing block indentation level, each `-`/`?`/`:`/anchor/tag indicator in
 * a row on the line, and each open `[`/`{` count one. Quoted scalars on one
 * line, comments and block scalar (`|`, `>`) bodies are skipped, so brackets in
 * strings and scripts do not count.
 *
 * @example
 * ```ts
 * findDeepNesting('a: ' + '['.repeat(100) + ']'.repeat(100), 64); // { line: 1, depth: 101 }
 * findDeepNesting('a:\n  b: [1, 2]\n', 64);                        // undefined
 * ```
 */
export function findDeepNesting(text: string, limit: number): DeepNesting | undefined {
  const lines = text.split(/\r?\n/);
  const indents: number[] = [];
  let flowDepth = 0;
  let blockScalarIndent: number | undefined;
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index] ?? '';
    const content = raw.trim();
    const indent = raw.length - raw.trimStart().length;
    if (blockScalarIndent !== undefined) {
      if (content === '' || indent > blockScalarIndent) continue;
      blockScalarIndent = undefined;
    }
    const code = content.replace(QUOTED, '""').replace(COMMENT, '');
    if (code === '') continue;
    if (flowDepth === 0) {
      while (indents.length > 0 && (indents[indents.length - 1] ?? 0) > indent) indents.pop();
      if (indents.length === 0 || (indents[indents.length - 1] ?? 0) < indent) indents.push(indent);
    }
    let run = 0;
    let longestRun = 0;
    for (const token of code.split(/\s+/)) {
      run = INDICATOR.test(token.replace(/^[[{,]+/, '')) ? run + 1 : 0;
      longestRun = Math.max(longestRun, run);
    }
    let peakFlow = flowDepth;
    for (const ch of code) {
      if (ch === '[' || ch === '{') peakFlow = Math.max(peakFlow, ++flowDepth);
      else if ((ch === ']' || ch === '}') && flowDepth > 0) flowDepth--;
    }
    const depth = indents.length + longestRun + peakFlow;
    if (depth > limit) return { line: index + 1, depth };
    if (flowDepth === 0 && BLOCK_SCALAR_HEADER.test(code)) blockScalarIndent = indent;
  }
  return undefined;
}
