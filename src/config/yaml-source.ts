import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Pair, ParsedNode, YAMLMap } from 'yaml';

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

  // Key -> pair per mapping, built on first use: a scan per lookup made 40k issues quadratic.
  const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, key: string): Pair | undefined => {
    let index = indexes.get(map);
    if (index === undefined) {
      index = new Map();
      for (const item of map.items) {
        const text = keyText(item.key);
        if (text !== undefined && !index.has(text)) index.set(text, item);
      }
      indexes.set(map, index);
    }
    return index.get(key);
  };

  return (path) => {
    let node: unknown = doc.contents;
    let line = lineAt(startOf(node));
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = pairOf(node, String(segment));
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
