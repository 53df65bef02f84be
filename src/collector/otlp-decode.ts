import type {
  AttributeType,
  AttributeTypes,
  AttributeValue,
  Attributes,
  ReceivedMetricPoint,
  ReceivedScope,
  ReceivedSpan,
  ReceivedSpanEvent,
  ReceivedSpanLink,
  Temporality,
} from './received-types';
import { MAX_VALUE_DEPTH, setOwn } from './wire-attributes';
import { WireFormatError } from './wire-reader';

// The shapes below are what proto-loader produces with the options in
// otlp-proto.ts (camelCase, int64 as decimal strings, bytes as Buffer, absent
// fields left out, `value`/`data` naming the set oneof member). Everything is
// optional because proto3 omits defaults on the wire.

interface PbAnyValue {
  value?: string;
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: PbAnyValue[] };
  kvlistValue?: { values?: PbKeyValue[] };
  bytesValue?: Buffer;
}

interface PbKeyValue {
  key?: string;
  value?: PbAnyValue;
}

interface PbScope {
  name?: string;
  version?: string;
}

interface PbResource {
  attributes?: PbKeyValue[];
}

interface PbSpan {
  traceId?: Buffer;
  spanId?: Buffer;
  traceState?: string;
  parentSpanId?: Buffer;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: PbKeyValue[];
  events?: { timeUnixNano?: string; name?: string; attributes?: PbKeyValue[] }[];
  links?: { traceId?: Buffer; spanId?: Buffer; attributes?: PbKeyValue[] }[];
  status?: { message?: string; code?: number };
}

interface PbTraceRequest {
  resourceSpans?: {
    resource?: PbResource;
    scopeSpans?: { scope?: PbScope; spans?: PbSpan[] }[];
  }[];
}

interface PbNumberPoint {
  attributes?: PbKeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  value?: 'asDouble' | 'asInt';
  asDouble?: number;
  asInt?: string;
}

interface PbHistogramPoint {
  attributes?: PbKeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  count?: string;
  sum?: number;
  bucketCounts?: string[];
  explicitBounds?: number[];
  min?: number;
  max?: number;
}

interface PbSummaryPoint {
  attributes?: PbKeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  count?: string;
  sum?: number;
}

interface PbMetric {
  name?: string;
  description?: string;
  unit?: string;
  data?: 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';
  gauge?: { dataPoints?: PbNumberPoint[] };
  sum?: { dataPoints?: PbNumberPoint[]; aggregationTemporality?: number; isMonotonic?: boolean };
  histogram?: { dataPoints?: PbHistogramPoint[]; aggregationTemporality?: number };
  exponentialHistogram?: { dataPoints?: PbHistogramPoint[]; aggregationTemporality?: number };
  summary?: { dataPoints?: PbSummaryPoint[] };
}

interface PbMetricsRequest {
  resourceMetrics?: {
    resource?: PbResource;
    scopeMetrics?: { scope?: PbScope; metrics?: PbMetric[] }[];
  }[];
}

/** Attributes together with the wire type of each one. */
interface DecodedAttributes {
  readonly attributes: Attributes;
  readonly attributeTypes: AttributeTypes;
}

/** Lowercase hex of an ID; `''` when absent. */
function hex(bytes: Buffer | undefined): string {
  return bytes ? bytes.toString('hex') : '';
}

function nanos(value: string | undefined): bigint {
  return value === undefined || value === '' ? 0n : BigInt(value);
}

/** int64 as a number when exact, else bigint: specs compare `task_id` with `0`, not `0n`. */
function int64(value: string | undefined): number | bigint {
  const big = nanos(value);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(big)
    : big;
}

/** Counts are unsigned and never near 2^53 in practice; a number keeps assertions simple. */
function count(value: string | undefined): number {
  return value === undefined || value === '' ? 0 : Number(value);
}

/** Decodes one `AnyValue` into a JS value and its wire type; refuses nesting deeper than {@link MAX_VALUE_DEPTH}. */
function decodeAnyValue(v: PbAnyValue | undefined, depth = 1): [AttributeValue, AttributeType] {
  if (depth > MAX_VALUE_DEPTH) {
    throw new WireFormatError(`an attribute value nests deeper than ${MAX_VALUE_DEPTH} levels`);
  }
  switch (v?.value) {
    case 'stringValue':
      return [v.stringValue ?? '', 'string'];
    case 'boolValue':
      return [v.boolValue ?? false, 'bool'];
    case 'intValue':
      return [int64(v.intValue), 'int'];
    case 'doubleValue':
      return [v.doubleValue ?? 0, 'double'];
    case 'bytesValue':
      return [new Uint8Array(v.bytesValue ?? []), 'bytes'];
    case 'arrayValue':
      return [
        (v.arrayValue?.values ?? []).map((item) => decodeAnyValue(item, depth + 1)[0]),
        'array',
      ];
    case 'kvlistValue':
      return [decodeAttributes(v.kvlistValue?.values, depth + 1).attributes, 'kvlist'];
    default:
      return [null, 'empty'];
  }
}

/** Decodes a `repeated KeyValue` into attributes and their wire types. */
function decodeAttributes(kvs: PbKeyValue[] | undefined, depth = 1): DecodedAttributes {
  const attributes: Attributes = {};
  const attributeTypes: AttributeTypes = {};
  for (const kv of kvs ?? []) {
    const key = kv.key ?? '';
    const [value, type] = decodeAnyValue(kv.value, depth);
    setOwn(attributes, key, value);
    setOwn(attributeTypes, key, type);
  }
  return { attributes, attributeTypes };
}

function decodeScope(scope: PbScope | undefined): ReceivedScope {
  return scope?.version
    ? { name: scope.name ?? '', version: scope.version }
    : { name: scope?.name ?? '' };
}

function statusCode(code: number | undefined): 0 | 1 | 2 {
  return code === 1 || code === 2 ? code : 0;
}

function decodeSpan(span: PbSpan, resource: Attributes, scope: ReceivedScope): ReceivedSpan {
  const start = nanos(span.startTimeUnixNano);
  const end = nanos(span.endTimeUnixNano);
  const { attributes, attributeTypes } = decodeAttributes(span.attributes);
  const events: ReceivedSpanEvent[] = (span.events ?? []).map((e) => ({
    name: e.name ?? '',
    ...decodeAttributes(e.attributes),
    timeUnixNano: nanos(e.timeUnixNano),
  }));
  const links: ReceivedSpanLink[] = (span.links ?? []).map((l) => ({
    traceId: hex(l.traceId),
    spanId: hex(l.spanId),
    attributes: decodeAttributes(l.attributes).attributes,
  }));
  const parent = hex(span.parentSpanId);
  const message = span.status?.message;
  const out: ReceivedSpan = {
    traceId: hex(span.traceId),
    spanId: hex(span.spanId),
    name: span.name ?? '',
    kind: span.kind ?? 0,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    // Subtract as bigint first: converting two ~1.7e18 values to number loses the sub-µs part.
    durationMs: Number(end - start) / 1e6,
    attributes,
    attributeTypes,
    status: message
      ? { code: statusCode(span.status?.code), message }
      : { code: statusCode(span.status?.code) },
    events,
    links,
    resource,
    scope,
  };
  if (parent !== '') out.parentSpanId = parent;
  if (span.traceState) out.traceState = span.traceState;
  return out;
}

/** Flattens a decoded `ExportTraceServiceRequest` into spans, resource and scope attached to each. */
export function decodeTraceRequest(decoded: unknown): ReceivedSpan[] {
  const request = decoded as PbTraceRequest;
  const spans: ReceivedSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = decodeAttributes(rs.resource?.attributes).attributes;
    for (const ss of rs.scopeSpans ?? []) {
      const scope = decodeScope(ss.scope);
      for (const span of ss.spans ?? []) spans.push(decodeSpan(span, resource, scope));
    }
  }
  return spans;
}

function temporality(value: number | undefined): Temporality {
  return value === 1 ? 'delta' : value === 2 ? 'cumulative' : 'unspecified';
}

type PointCommon = Pick<
  ReceivedMetricPoint,
  'name' | 'unit' | 'description' | 'resource' | 'scope'
>;

function pointTimes(p: {
  attributes?: PbKeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
}): Pick<
  ReceivedMetricPoint,
  'attributes' | 'attributeTypes' | 'startTimeUnixNano' | 'timeUnixNano'
> {
  return {
    ...decodeAttributes(p.attributes),
    startTimeUnixNano: nanos(p.startTimeUnixNano),
    timeUnixNano: nanos(p.timeUnixNano),
  };
}

function numberPoint(p: PbNumberPoint): Pick<ReceivedMetricPoint, 'value' | 'valueType'> {
  if (p.value === 'asInt') {
    const v = int64(p.asInt);
    return { value: Number(v), valueType: 'int' };
  }
  return { value: p.asDouble ?? 0, valueType: 'double' };
}

function histogramPoint(
  p: PbHistogramPoint,
  explicit: boolean,
): Pick<ReceivedMetricPoint, 'count' | 'sum' | 'min' | 'max' | 'bucketCounts' | 'explicitBounds'> {
  const out: Pick<
    ReceivedMetricPoint,
    'count' | 'sum' | 'min' | 'max' | 'bucketCounts' | 'explicitBounds'
  > = { count: count(p.count) };
  if (p.sum !== undefined) out.sum = p.sum;
  if (p.min !== undefined) out.min = p.min;
  if (p.max !== undefined) out.max = p.max;
  if (explicit) {
    out.bucketCounts = (p.bucketCounts ?? []).map((c) => count(c));
    out.explicitBounds = [...(p.explicitBounds ?? [])];
  }
  return out;
}

function decodeMetric(metric: PbMetric, common: PointCommon): ReceivedMetricPoint[] {
  switch (metric.data) {
    case 'sum': {
      const sum = metric.sum ?? {};
      return (sum.dataPoints ?? []).map((p) => ({
        ...common,
        type: 'sum',
        monotonic: sum.isMonotonic ?? false,
        temporality: temporality(sum.aggregationTemporality),
        ...pointTimes(p),
        ...numberPoint(p),
      }));
    }
    case 'gauge':
      return (metric.gauge?.dataPoints ?? []).map((p) => ({
        ...common,
        type: 'gauge',
        ...pointTimes(p),
        ...numberPoint(p),
      }));
    case 'histogram': {
      const h = metric.histogram ?? {};
      return (h.dataPoints ?? []).map((p) => ({
        ...common,
        type: 'histogram',
        temporality: temporality(h.aggregationTemporality),
        ...pointTimes(p),
        ...histogramPoint(p, true),
      }));
    }
    case 'exponentialHistogram': {
      const h = metric.exponentialHistogram ?? {};
      return (h.dataPoints ?? []).map((p) => ({
        ...common,
        type: 'exponential_histogram',
        temporality: temporality(h.aggregationTemporality),
        ...pointTimes(p),
        ...histogramPoint(p, false),
      }));
    }
    case 'summary':
      return (metric.summary?.dataPoints ?? []).map((p) => {
        const point: ReceivedMetricPoint = {
          ...common,
          type: 'summary',
          ...pointTimes(p),
          count: count(p.count),
        };
        if (p.sum !== undefined) point.sum = p.sum;
        return point;
      });
    default:
      return [];
  }
}

/** Flattens a decoded `ExportMetricsServiceRequest` into one entry per data point, in request order. */
export function decodeMetricsRequest(decoded: unknown): ReceivedMetricPoint[] {
  const request = decoded as PbMetricsRequest;
  const points: ReceivedMetricPoint[] = [];
  for (const rm of request.resourceMetrics ?? []) {
    const resource = decodeAttributes(rm.resource?.attributes).attributes;
    for (const sm of rm.scopeMetrics ?? []) {
      const scope = decodeScope(sm.scope);
      for (const metric of sm.metrics ?? []) {
        const common: PointCommon = {
          name: metric.name ?? '',
          unit: metric.unit ?? '',
          description: metric.description ?? '',
          resource,
          scope,
        };
        points.push(...decodeMetric(metric, common));
      }
    }
  }
  return points;
}
