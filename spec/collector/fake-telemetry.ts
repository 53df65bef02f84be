// Hand-built received spans and points for the printer specs: exact times, no network.
import type { ReceivedMetricPoint, ReceivedSpan } from '../../src/collector/received-types';

const T0 = 1_700_000_000_000_000_000n;

/** A received span starting `startMs` after a fixed epoch and lasting `durationMs`. */
export function fakeSpan(
  fields: Partial<ReceivedSpan> & {
    name: string;
    spanId: string;
    startMs: number;
    durationMs: number;
  },
): ReceivedSpan {
  const { startMs, durationMs, ...rest } = fields;
  const start = T0 + BigInt(Math.round(startMs * 1e6));
  return {
    traceId: 'a'.repeat(32),
    kind: 1,
    startTimeUnixNano: start,
    endTimeUnixNano: start + BigInt(Math.round(durationMs * 1e6)),
    durationMs,
    attributes: {},
    attributeTypes: {},
    status: { code: 0 },
    events: [],
    links: [],
    resource: { 'service.name': 'svc' },
    scope: { name: 'flowgen' },
    ...rest,
  };
}

/** A received metric point with sensible defaults. */
export function fakePoint(
  fields: Partial<ReceivedMetricPoint> & Pick<ReceivedMetricPoint, 'name' | 'type'>,
): ReceivedMetricPoint {
  return {
    unit: '',
    description: '',
    attributes: {},
    attributeTypes: {},
    resource: { 'service.name': 'svc' },
    scope: { name: 'flowgen' },
    startTimeUnixNano: T0,
    timeUnixNano: T0 + 1_000_000n,
    ...fields,
  };
}
