/** Longest string shown verbatim in an error message; longer ones are cut. */
export const MAX_SHOWN_STRING_LENGTH = 60;

const SECRET_PATH =
  /(header|token|secret|passw(or)?d|pwd|authori[sz]ation|auth|api[-_]?key|credential|cookie|private[-_]?key|signature)/i;
const SECRET_VALUE = /^\s*(bearer|basic|token|apikey)\s+\S/i;

/**
 * Renders a config value for an error message: strings quoted (so `"true"` is
 * visibly not `true`), long strings truncated with their length, lists and
 * mappings summarised, and anything that may be a secret withheld: values
 * under a path that names a header, token, password, key or credential;
 * strings that look like an `Authorization` value; passwords, queries and
 * fragments in URLs.
 *
 * @param path - the dotted config path of the value, used to spot secrets.
 * @example
 * ```ts
 * describeValue('true');                              // '"true"'
 * describeValue('abc', 'headers.authorization');      // '<redacted>'
 * describeValue('https://u:p@host:4317');             // '"https://u:***@host:4317"'
 * describeValue({ a: 1, b: 2 });                      // 'a mapping with keys a, b'
 * ```
 */
export function describeValue(value: unknown, path = ''): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (path !== '' && SECRET_PATH.test(path) && typeof value !== 'boolean') return '<redacted>';
  switch (typeof value) {
    case 'string':
      return describeString(value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
      }
      if (value instanceof Date)
        return `a date (${value.toISOString()}); quote it to make it a string`;
      const keys = Object.keys(value);
      if (keys.length === 0) return 'an empty mapping';
      const shown = keys.slice(0, 5).join(', ') + (keys.length > 5 ? ', …' : '');
      return `a mapping with keys ${shown}`;
    }
    default:
      return `a ${typeof value}`;
  }
}

function describeString(text: string): string {
  if (SECRET_VALUE.test(text)) return '<redacted>';
  const withoutPassword = text
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*):[^/@\s]*@/i, '$1:***@')
    // A URL's query and fragment often carry tokens (?api_key=...): never shown.
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^?#\s]*)[?#]\S*/i, '$1?***');
  if (withoutPassword.length <= MAX_SHOWN_STRING_LENGTH) return JSON.stringify(withoutPassword);
  const cut = withoutPassword.slice(0, MAX_SHOWN_STRING_LENGTH - 1);
  return `${JSON.stringify(cut + '…')} (${text.length} characters)`;
}
