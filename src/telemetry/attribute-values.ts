import type { AttributeValue, Attributes } from '@opentelemetry/api';

/** Longest string attribute value kept; longer ones are cut to this many characters. */
export const MAX_ATTRIBUTE_LENGTH = 4096;
/** Most entries kept in one array attribute value. */
export const MAX_ATTRIBUTE_ARRAY_LENGTH = 128;

/** A value a connector may put on its span: what OTel accepts as an attribute value. */
export type ConnectorAttributeValue = string | number | boolean | string[] | number[] | boolean[];

/** Connector-specific span attributes: request ids, query handles, offsets, byte counts. */
export type ConnectorAttributes = Readonly<
  Record<string, ConnectorAttributeValue | null | undefined>
>;

/**
 * Keeps what OTel can carry and never throws: strings are cut to
 * {@link MAX_ATTRIBUTE_LENGTH}, arrays must hold one primitive type, and
 * anything else (objects, functions, symbols, bigints, NaN) is dropped, so a
 * handler that passes a request body by mistake cannot leak it.
 */
export function sanitizeAttributes(attributes: Readonly<Record<string, unknown>>): Attributes {
  const clean: Attributes = {};
  for (const key of Object.keys(attributes)) {
    if (key === '') continue;
    const value = sanitizeValue(attributes[key]);
    if (value !== undefined) clean[key] = value;
  }
  return clean;
}

function sanitizeValue(value: unknown): AttributeValue | undefined {
  switch (typeof value) {
    case 'string':
      return value.length > MAX_ATTRIBUTE_LENGTH ? value.slice(0, MAX_ATTRIBUTE_LENGTH) : value;
    case 'number':
      return Number.isFinite(value) ? value : undefined;
    case 'boolean':
      return value;
    case 'object':
      return Array.isArray(value) ? sanitizeArray(value) : undefined;
    default:
      return undefined;
  }
}

function sanitizeArray(values: readonly unknown[]): AttributeValue | undefined {
  const first = values.find((v) => v !== null && v !== undefined);
  const type = typeof first;
  if (first !== undefined && type !== 'string' && type !== 'number' && type !== 'boolean') {
    return undefined;
  }
  const kept: unknown[] = [];
  for (const v of values.slice(0, MAX_ATTRIBUTE_ARRAY_LENGTH)) {
    if (v === null || v === undefined) kept.push(null);
    else if (typeof v !== type) return undefined;
    else kept.push(typeof v === 'string' ? (sanitizeValue(v) as string) : v);
  }
  return kept as AttributeValue;
}
