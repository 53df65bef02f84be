import type { EventMetadata } from '../runtime/event';

/** What a body template can refer to. */
export interface TemplateScope {
  /** The event id: `{{id}}`. */
  readonly id: string;
  /** The event data: `{{data.a.b}}`. */
  readonly data: unknown;
  /** The event metadata: `{{metadata.content-type}}`. */
  readonly metadata: EventMetadata;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_$][\w$-]*(?:\.[\w$-]+)*)\s*\}\}/g;

/**
 * Fills a body template: each `{{path}}` (`data.a.b`, `id`, `metadata.key`;
 * spaces inside the braces allowed) is replaced by the value found there:
 * strings as they are, numbers and booleans as text, objects and arrays as
 * JSON, a missing value or `null` as nothing. Text outside placeholders is
 * kept as written.
 *
 * @example
 * ```ts
 * renderTemplate('{"order":"{{data.order.id}}","n":{{data.n}}}', { id: 'e1', data: { order: { id: 'A7' }, n: 2 }, metadata: {} });
 * // '{"order":"A7","n":2}'
 * ```
 */
export function renderTemplate(template: string, scope: TemplateScope): string {
  return template.replace(PLACEHOLDER, (_match, path: string) => stringify(lookup(scope, path)));
}

function lookup(scope: TemplateScope, path: string): unknown {
  let current: unknown = scope;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    // Own keys only: a template must not reach `constructor` or `__proto__`.
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}
