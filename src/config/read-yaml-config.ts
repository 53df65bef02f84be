import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error';
import type { ConfigIssue } from './config-error';
import { assertConfigFileSize, parseYamlDocument, yamlToValue } from './parse-yaml-document';
import { yamlLineLookup } from './yaml-source';

/** A YAML config parsed to plain values, with the way back to its lines. */
export interface YamlConfigSource {
  /** The document as plain JS values (`null` for an empty document). */
  value: unknown;
  /** The file it came from, when read from one. */
  file?: string;
  /** Line of a key path from the top of the document (see {@link yamlLineLookup}). */
  lineOf: (path: readonly (string | number)[]) => number | undefined;
}

/**
 * Parses YAML config text, keeping positions. Any YAML error (bad indentation,
 * a duplicate key, several documents, an unquoted `:` …) becomes a
 * {@link ConfigError} issue with its line and column; all of them are reported
 * at once.
 *
 * YAML 1.2 core schema: `yes`/`on` are strings, not booleans, and are then
 * rejected where a boolean is expected. Text over the size, nesting or alias
 * limits of `yaml-limits.ts` is a ConfigError too, never a stack trace.
 *
 * @example
 * ```ts
 * const { value, lineOf } = parseYamlConfig('telemetry:\n  enabled: true\n', 'worker.yaml');
 * lineOf(['telemetry', 'enabled']); // 2
 * ```
 */
export function parseYamlConfig(text: string, file?: string): YamlConfigSource {
  const { doc, lineCounter } = parseYamlDocument(text, file);
  const issues: ConfigIssue[] = doc.errors.map((error) => {
    const issue: ConfigIssue = {
      path: '',
      value: undefined,
      kind: 'syntax',
      message: `YAML syntax error: ${firstLine(error.message)}; fix the YAML at this position`,
    };
    if (file !== undefined) issue.file = file;
    const position = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
    issue.line = Math.max(1, position.line);
    issue.column = Math.max(1, position.col);
    return issue;
  });
  if (issues.length > 0) throw new ConfigError(issues);
  const value = yamlToValue(doc, file);
  const source: YamlConfigSource = { value, lineOf: yamlLineLookup(doc, lineCounter) };
  if (file !== undefined) source.file = file;
  return source;
}

/**
 * Reads and parses a YAML config file (see {@link parseYamlConfig}). A file
 * that does not exist or cannot be read is a {@link ConfigError} too, saying
 * which path was tried.
 *
 * @example
 * ```ts
 * const { value, lineOf } = readYamlConfigFile('flows/orders.yaml');
 * ```
 */
export function readYamlConfigFile(path: string): YamlConfigSource {
  assertConfigFileSize(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `config file ${path} does not exist; check the path (relative paths are resolved from ${process.cwd()})`
        : code === 'EISDIR'
          ? `config file ${path} is a directory; give the path of a YAML file`
          : `config file ${path} cannot be read (${code ?? 'error'}); check its permissions`;
    throw new ConfigError([{ path: '', value: undefined, kind: 'file', file: path, message }], {
      cause: error,
    });
  }
  return parseYamlConfig(text, path);
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?\s*$/, '').replace(/[.:]\s*$/, '');
}
