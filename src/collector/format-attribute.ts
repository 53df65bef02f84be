import type { AttributeValue } from './received-types';

/**
 * Short text of an attribute value for human-facing output (trees, tables, error
 * messages): strings as they are, bytes as hex, arrays and kvlists as JSON.
 */
export function formatAttributeValue(value: AttributeValue | undefined): string {
  if (value === undefined) return '';
  if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'object' && value !== null) {
    return JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`;
      return v;
    });
  }
  return String(value);
}
