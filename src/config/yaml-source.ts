import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, ParsedNode } from 'yaml';

/**
 * Builds a function that finds the 1-based line of a key in a parsed YAML
 * document, for error messages. For a mapping key it returns the line of the
 * key; for a list item, the line of the item. When the path runs past what
 * the document contains (a required key that is missing), it returns the line
 * of the deepest ancestor that exists, so the issue still points at its block.
 *
 * @example
 * ```ts
 * const lineCounter = new LineCounter();
 * const doc = parseDocument(text, { lineCounter });
 * const lineOf = yamlLineLookup(doc, lineCounter);
 * lineOf(['telemetry', 'otlp_endpoint']); // 4
 * lineOf(['tasks', 2, 'config']);          // line of the third task's `config:`
 * ```
 */
export function yamlLineLookup(
  doc: Document,
  lineCounter: LineCounter,
): (path: readonly (string | number)[]) => number | undefined {
  const lineAt = (offset: number | undefined): number | undefined =>
    offset === undefined ? undefined : Math.max(1, lineCounter.linePos(offset).line);
  const startOf = (node: unknown): number | undefined => {
    const range = (node as Partial<ParsedNode> | null | undefined)?.range;
    return range?.[0];
  };

  return (path) => {
    let node: unknown = doc.contents;
    let line = lineAt(startOf(node));
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = node.items.find((item) => keyText(item.key) === String(segment));
        if (pair === undefined) return line;
        line = lineAt(startOf(pair.key)) ?? line;
        node = pair.value;
      } else if (isSeq(node)) {
        const item: unknown = node.items[Number(segment)];
        if (item === undefined || !/^\d+$/.test(String(segment))) return line;
        line = lineAt(startOf(item)) ?? line;
        node = item;
      } else {
        return line;
      }
    }
    return line;
  };
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  if (typeof key === 'string' || typeof key === 'number') return String(key);
  return undefined;
}
