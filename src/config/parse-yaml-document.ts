import { statSync } from 'node:fs';
import { LineCounter, YAMLParseError, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { ConfigError } from './config-error';
import type { ConfigIssue } from './config-error';
import { MAX_CONFIG_FILE_BYTES, MAX_YAML_ALIAS_COUNT, MAX_YAML_DEPTH } from './yaml-limits';
import { findDeepNesting } from './yaml-nesting';

/** A parsed YAML document with the line counter of its text. */
export interface ParsedYaml {
  /** The document; its `errors` hold every syntax error, duplicate keys included. */
  doc: Document;
  /** Offsets to lines and columns. */
  lineCounter: LineCounter;
}

/**
 * Parses untrusted YAML config text within {@link MAX_CONFIG_FILE_BYTES} and
 * {@link MAX_YAML_DEPTH}; past either bound it throws a {@link ConfigError}
 * naming the file (and the line for depth) instead of letting the parser
 * overflow the stack. Duplicate keys are found here in one linear pass (the
 * library's own check compares each key with every earlier one: 40k keys took
 * 30 s) and added to `doc.errors` as the library words them.
 *
 * @example
 * ```ts
 * const { doc, lineCounter } = parseYamlDocument(text, 'flows/orders.yaml');
 * if (doc.errors.length > 0) report(doc.errors);
 * const value = yamlToValue(doc, 'flows/orders.yaml');
 * ```
 * @throws ConfigError when the text is too large or nested too deeply.
 */
export function parseYamlDocument(text: string, file?: string): ParsedYaml {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_CONFIG_FILE_BYTES) throw tooLarge(size, file);
  const deep = findDeepNesting(text, MAX_YAML_DEPTH);
  if (deep !== undefined) {
    throw limitError(
      file,
      `YAML nested ${deep.depth} levels deep; at most ${MAX_YAML_DEPTH} levels are allowed; flatten the structure`,
      deep.line,
    );
  }
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: false });
  } catch (error) {
    // Backstop for a shape the depth scan does not foresee: never a stack trace.
    throw limitError(file, `YAML cannot be parsed: ${messageOf(error)}`, undefined, error);
  }
  for (const duplicate of findDuplicateKeys(doc)) {
    const error = new YAMLParseError(
      [duplicate, duplicate + 1],
      'DUPLICATE_KEY',
      'Map keys must be unique',
    );
    error.linePos = [lineCounter.linePos(duplicate)];
    doc.errors.push(error);
  }
  return { doc, lineCounter };
}

/**
 * The document as plain values, with at most {@link MAX_YAML_ALIAS_COUNT}
 * alias expansions: an alias bomb is a {@link ConfigError} naming the file.
 *
 * @throws ConfigError
 */
export function yamlToValue(doc: Document, file?: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (error) {
    const reason = /alias/i.test(messageOf(error))
      ? `YAML aliases expand too much (more than ${MAX_YAML_ALIAS_COUNT} alias uses, as in an alias bomb); write the values out or use fewer aliases`
      : `YAML cannot be read: ${messageOf(error)}`;
    throw limitError(file, reason, undefined, error);
  }
}

/**
 * Rejects a file over {@link MAX_CONFIG_FILE_BYTES} before it is read into
 * memory. A file that cannot be stat'ed passes: the read that follows reports it.
 *
 * @throws ConfigError
 */
export function assertConfigFileSize(path: string): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return;
  }
  if (size > MAX_CONFIG_FILE_BYTES) throw tooLarge(size, path);
}

function tooLarge(size: number, file: string | undefined): ConfigError {
  return limitError(
    file,
    `the file is ${size} bytes; at most ${MAX_CONFIG_FILE_BYTES} bytes are allowed for a config or flow file; split it or move large data out of it`,
  );
}

function limitError(
  file: string | undefined,
  message: string,
  line?: number,
  cause?: unknown,
): ConfigError {
  const issue: ConfigIssue = { path: '', value: undefined, kind: 'syntax', message };
  if (file !== undefined) issue.file = file;
  if (line !== undefined) issue.line = line;
  return new ConfigError([issue], cause === undefined ? undefined : { cause });
}

/** Offsets of every repeated scalar key, in one pass (explicit stack: no recursion). */
function findDuplicateKeys(doc: Document): number[] {
  const offsets: number[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          if (seen.has(pair.key.value)) offsets.push(pair.key.range?.[0] ?? 0);
          seen.add(pair.key.value);
        }
        stack.push(pair.key, pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(isPair(item) ? item.value : item);
    }
  }
  return offsets.sort((a, b) => a - b);
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? text).replace(/[.:]\s*$/, '');
}
