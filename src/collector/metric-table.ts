import { quantileFromBuckets } from './bucket-quantile';
import { formatAttributeValue as show } from './format-attribute';
import type { Attributes, ReceivedMetricPoint } from './received-types';

/** Options of {@link renderMetrics}. */
export interface RenderMetricsOptions {
  /** Colour the header with ANSI escapes; default false. */
  color?: boolean;
}

const COLUMNS = [
  'METRIC',
  'UNIT',
  'ATTRIBUTES',
  'KIND',
  'VALUE',
  'COUNT',
  'SUM',
  'P50',
  'P90',
  'P99',
];

function attributesText(attributes: Attributes): string {
  return Object.keys(attributes)
    .sort()
    .map((k) => `${k}=${show(attributes[k])}`)
    .join(' ');
}

/** Short, stable number formatting: integers as they are, others to 4 significant digits. */
function formatNumber(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '';
  if (Number.isInteger(n)) return String(n);
  if (Math.abs(n) >= 1000) return n.toFixed(1);
  return String(Number(n.toPrecision(4)));
}

/**
 * Identifies a time series: metric name, point attributes and the resource that
 * sent it (two services exporting the same metric are two series).
 */
export function metricSeriesKey(point: ReceivedMetricPoint): string {
  return [point.name, attributesText(point.attributes), attributesText(point.resource)].join(
    '\u0000',
  );
}

/** Keeps the latest point of each series (by arrival order: later entries win). */
export function latestPerSeries(points: readonly ReceivedMetricPoint[]): ReceivedMetricPoint[] {
  const latest = new Map<string, ReceivedMetricPoint>();
  for (const p of points) latest.set(metricSeriesKey(p), p);
  return [...latest.values()];
}

function kind(p: ReceivedMetricPoint): string {
  if (p.type === 'sum') return p.monotonic ? 'counter' : 'updown';
  return p.type === 'exponential_histogram' ? 'exp_histogram' : p.type;
}

function cells(p: ReceivedMetricPoint, showService: boolean): string[] {
  const service = p.resource['service.name'];
  const attrs = attributesText(p.attributes);
  const attributes =
    showService && service !== undefined
      ? `${attrs}${attrs ? ' ' : ''}(service.name=${show(service)})`
      : attrs;
  const quantile = (q: number): string =>
    p.type === 'histogram' && p.bucketCounts && p.explicitBounds
      ? formatNumber(
          quantileFromBuckets(q, {
            bucketCounts: p.bucketCounts,
            explicitBounds: p.explicitBounds,
            ...(p.min !== undefined ? { min: p.min } : {}),
            ...(p.max !== undefined ? { max: p.max } : {}),
          }),
        )
      : '';
  return [
    p.name,
    p.unit,
    attributes,
    kind(p),
    formatNumber(p.value),
    formatNumber(p.count),
    formatNumber(p.sum),
    quantile(0.5),
    quantile(0.9),
    quantile(0.99),
  ];
}

/**
 * Renders the latest point of each metric series as a compact text table: the
 * value of sums and gauges; count, sum and p50/p90/p99 (estimated from the
 * buckets, see {@link quantileFromBuckets}) of histograms. Rows are sorted by
 * metric name, then attributes; empty columns are left out.
 *
 * @example
 * ```ts
 * console.log(renderMetrics(receiver.metricPoints()));
 * // METRIC                UNIT          ATTRIBUTES      KIND       VALUE  COUNT  SUM    P50    ...
 * // task.handle.count     {invocation}  task=a task_id=0 counter   3
 * ```
 */
export function renderMetrics(
  points: readonly ReceivedMetricPoint[],
  options: RenderMetricsOptions = {},
): string {
  const latest = latestPerSeries(points);
  if (latest.length === 0) return '(no metrics)';
  const services = new Set(latest.map((p) => show(p.resource['service.name'])));
  const rows = latest
    .map((p) => cells(p, services.size > 1))
    .sort(
      (a, b) => (a[0] ?? '').localeCompare(b[0] ?? '') || (a[2] ?? '').localeCompare(b[2] ?? ''),
    );
  // Drop columns no row uses (a counters-only table needs no P99).
  const used = COLUMNS.map((_, c) => c === 0 || rows.some((r) => (r[c] ?? '') !== ''));
  const keep = (row: readonly string[]): string[] => row.filter((_, c) => used[c]);
  const table = [keep(COLUMNS), ...rows.map(keep)];
  const widths =
    table[0]?.map((_, c) => Math.max(...table.map((r) => [...(r[c] ?? '')].length))) ?? [];
  const lines = table.map((row) =>
    row
      .map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c] ?? 0, ' ')))
      .join('  ')
      .trimEnd(),
  );
  if (options.color && lines[0] !== undefined) lines[0] = `\x1b[1m${lines[0]}\x1b[0m`;
  return lines.join('\n');
}
