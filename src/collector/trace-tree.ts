import { formatAttributeValue as show } from './format-attribute';
import type { ReceivedSpan, ReceivedSpanEvent } from './received-types';

/** Options of {@link renderTraces}. */
export interface RenderTracesOptions {
  /** Width of the waterfall column in characters; default 40. */
  width?: number;
  /** Colour with ANSI escapes (errors red, attributes dim); default false. */
  color?: boolean;
}

/** Nesting levels drawn with indentation; deeper spans are listed at this indentation. */
export const MAX_INDENT_DEPTH = 32;

/** The span attributes the design's span contract puts on task spans, shown on each line. */
const TASK_ATTRIBUTES = ['task', 'task_id', 'task_type'] as const;

const ANSI = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  cyan: '\x1b[36m',
} as const;

type Style = keyof typeof ANSI;

interface Node {
  readonly span: ReceivedSpan;
  readonly order: number;
  readonly children: Node[];
  /** The parent span ID when that parent is not among the received spans. */
  readonly missingParent?: string;
}

/** One output line before column alignment: the label and what follows the bar. */
interface Row {
  /** Tree prefix + name + task attributes, unstyled (its length sets the column width). */
  readonly label: string;
  readonly styledLabel: string;
  readonly span?: ReceivedSpan;
  /** Text after the bar (error marker); for event rows, the whole row after the label. */
  readonly suffix: string;
}

function paint(text: string, style: Style, color: boolean): string {
  return color && text !== '' ? `${ANSI[style]}${text}${ANSI.reset}` : text;
}

function formatMs(ms: number): string {
  return `${ms.toFixed(2)} ms`;
}

function compareNodes(a: Node, b: Node): number {
  const byStart = a.span.startTimeUnixNano - b.span.startTimeUnixNano;
  return byStart < 0n ? -1 : byStart > 0n ? 1 : a.order - b.order;
}

/**
 * Spans whose parents form a cycle (A under B under A) hang under no root and
 * would never print: each cycle is cut at its earliest span, which becomes a
 * root. Iterative, linear in the spans.
 */
function breakCycles(nodes: Map<string, Node>, roots: Node[]): void {
  const seen = new Set<Node>();
  const visit = (from: Node): void => {
    const stack = [from];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (seen.has(node)) continue;
      seen.add(node);
      for (const child of node.children) stack.push(child);
    }
  };
  for (const root of roots) visit(root);
  if (seen.size === nodes.size) return;
  const unreached = [...nodes.values()].filter((n) => !seen.has(n)).sort(compareNodes);
  for (const node of unreached) {
    if (seen.has(node)) continue;
    const parent =
      node.span.parentSpanId !== undefined ? nodes.get(node.span.parentSpanId) : undefined;
    if (parent) parent.children.splice(parent.children.indexOf(node), 1);
    roots.push(node);
    visit(node);
  }
}

/** Builds the forest of one trace: children under parents, orphans (parent not received) as roots. */
function buildForest(spans: readonly ReceivedSpan[], order: Map<ReceivedSpan, number>): Node[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const nodes = new Map<string, Node>();
  for (const span of spans) {
    const present = span.parentSpanId !== undefined && ids.has(span.parentSpanId);
    nodes.set(span.spanId, {
      span,
      order: order.get(span) ?? 0,
      children: [],
      ...(span.parentSpanId !== undefined && !present ? { missingParent: span.parentSpanId } : {}),
    });
  }
  const roots: Node[] = [];
  for (const node of nodes.values()) {
    const parent =
      node.span.parentSpanId !== undefined ? nodes.get(node.span.parentSpanId) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  breakCycles(nodes, roots);
  // A loop, not recursion: a parent chain thousands deep is one request away.
  roots.sort(compareNodes);
  for (const node of nodes.values()) node.children.sort(compareNodes);
  return roots;
}

function eventText(event: ReceivedSpanEvent): { text: string; isException: boolean } {
  if (event.name === 'exception') {
    const type = event.attributes['exception.type'];
    const message = event.attributes['exception.message'];
    const detail = [type, message]
      .filter((v) => v !== undefined)
      .map(show)
      .join(': ');
    return { text: `⚠ exception${detail ? ` ${detail}` : ''}`, isException: true };
  }
  const attrs = Object.entries(event.attributes)
    .map(([k, v]) => `${k}=${show(v)}`)
    .join(' ');
  return { text: `· ${event.name}${attrs ? ` ${attrs}` : ''}`, isException: false };
}

/** One level of the depth-first walk in {@link rowsOf}. */
interface Frame {
  readonly nodes: readonly Node[];
  index: number;
  readonly prefix: string;
  readonly isRoot: boolean;
  readonly depth: number;
}

function spanRow(node: Node, prefix: string, branch: string, color: boolean): Row {
  const { span } = node;
  const taskAttrs = TASK_ATTRIBUTES.filter((k) => span.attributes[k] !== undefined)
    .map((k) => `${k}=${show(span.attributes[k])}`)
    .join(' ');
  const orphan = node.missingParent
    ? `(parent ${node.missingParent.slice(0, 8)}… not received)`
    : '';
  const plainParts = [span.name, taskAttrs, orphan].filter((p) => p !== '');
  const styledParts = [
    paint(span.name, span.status.code === 2 ? 'red' : 'bold', color),
    paint(taskAttrs, 'dim', color),
    paint(orphan, 'dim', color),
  ].filter((p) => p !== '');
  const error =
    span.status.code === 2
      ? paint(`✗ ERROR${span.status.message ? `: ${span.status.message}` : ''}`, 'red', color)
      : '';
  return {
    label: `${prefix}${branch}${plainParts.join(' ')}`,
    styledLabel: `${prefix}${branch}${styledParts.join(' ')}`,
    span,
    suffix: error,
  };
}

/**
 * The rows of a forest, depth first. An explicit stack instead of recursion,
 * and indentation that stops growing below {@link MAX_INDENT_DEPTH}: a hostile
 * 3,000-deep parent chain must neither overflow the stack nor print lines
 * whose length grows with the depth (output quadratic in the input).
 */
function rowsOf(roots: readonly Node[], color: boolean): Row[] {
  const rows: Row[] = [];
  const stack: Frame[] = [{ nodes: roots, index: 0, prefix: '', isRoot: true, depth: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.index >= frame.nodes.length) {
      stack.pop();
      continue;
    }
    const { prefix, isRoot, depth } = frame;
    const index = frame.index++;
    const node = frame.nodes[index]!;
    const last = index === frame.nodes.length - 1;
    const branch = isRoot ? '' : last ? '└─ ' : '├─ ';
    const continuation = isRoot ? '' : last ? '   ' : '│  ';
    rows.push(spanRow(node, prefix, branch, color));
    // Events sit under their span, indented like its children would be.
    const eventPrefix = `${prefix}${continuation}${node.children.length > 0 ? '│  ' : '   '}`;
    for (const event of node.span.events) {
      const { text, isException } = eventText(event);
      rows.push({
        label: '',
        styledLabel: '',
        suffix: `${eventPrefix}${paint(text, isException ? 'red' : 'dim', color)}`,
      });
    }
    if (node.children.length === 0) continue;
    const capped = depth >= MAX_INDENT_DEPTH;
    if (depth === MAX_INDENT_DEPTH) {
      rows.push({
        label: '',
        styledLabel: '',
        suffix: `${prefix}${continuation}${paint(`⋮ deeper than ${MAX_INDENT_DEPTH} levels: indentation stops here`, 'dim', color)}`,
      });
    }
    stack.push({
      nodes: node.children,
      index: 0,
      // Below the cap every level keeps its parent's prefix.
      prefix: capped ? prefix : `${prefix}${continuation}`,
      isRoot: capped && isRoot,
      depth: depth + 1,
    });
  }
  return rows;
}

function bar(span: ReceivedSpan, t0: bigint, total: bigint, width: number): string {
  if (total <= 0n) return '█'.padEnd(width, ' ');
  const scale = width / Number(total);
  const from = Math.min(
    width - 1,
    Math.max(0, Math.floor(Number(span.startTimeUnixNano - t0) * scale)),
  );
  const to = Math.min(width, Math.ceil(Number(span.endTimeUnixNano - t0) * scale));
  const length = Math.max(1, to - from);
  return ' '.repeat(from) + '█'.repeat(length) + ' '.repeat(Math.max(0, width - from - length));
}

function renderTrace(
  traceId: string,
  spans: readonly ReceivedSpan[],
  order: Map<ReceivedSpan, number>,
  width: number,
  color: boolean,
): string {
  let t0 = spans[0]?.startTimeUnixNano ?? 0n;
  let t1 = spans[0]?.endTimeUnixNano ?? 0n;
  for (const s of spans) {
    if (s.startTimeUnixNano < t0) t0 = s.startTimeUnixNano;
    if (s.endTimeUnixNano > t1) t1 = s.endTimeUnixNano;
  }
  const total = t1 - t0;
  const roots = buildForest(spans, order);
  const service = roots[0]?.span.resource['service.name'];
  const errors = spans.filter((s) => s.status.code === 2).length;
  const header = [
    `trace ${traceId}`,
    service !== undefined ? show(service) : undefined,
    `${spans.length} span${spans.length === 1 ? '' : 's'}`,
    formatMs(Number(total) / 1e6),
    errors > 0 ? paint(`${errors} error${errors === 1 ? '' : 's'}`, 'red', color) : undefined,
  ]
    .filter((p) => p !== undefined)
    .join(' · ');

  const rows = rowsOf(roots, color);
  // Loops rather than Math.max(...list): spreading 100k rows would overflow the stack.
  let labelWidth = 0;
  for (const r of rows) labelWidth = Math.max(labelWidth, [...r.label].length);
  const durations = rows.map((r) => (r.span ? formatMs(r.span.durationMs) : ''));
  let durationWidth = 0;
  for (const d of durations) durationWidth = Math.max(durationWidth, d.length);
  const lines = rows.map((row, i) => {
    if (!row.span) return row.suffix;
    const pad = ' '.repeat(labelWidth - [...row.label].length);
    const duration = (durations[i] ?? '').padStart(durationWidth, ' ');
    const waterfall = `│${paint(bar(row.span, t0, total, width), row.span.status.code === 2 ? 'red' : 'cyan', color)}│`;
    return [`${row.styledLabel}${pad}`, duration, waterfall, row.suffix]
      .filter((p) => p !== '')
      .join('  ');
  });
  return [paint(header, 'bold', color), ...lines].join('\n');
}

/**
 * Renders finished spans as one tree per trace: traces ordered by start, children
 * nested under their parent and ordered by start, each line with the span name,
 * its `task` / `task_id` / `task_type`, its duration and a waterfall bar placing
 * it within the trace. Errored spans are marked `✗ ERROR: message`, and span
 * events (`⚠ exception …` for recorded exceptions) are listed under their span.
 *
 * @example
 * ```ts
 * process.stdout.write(renderTraces(receiver.spans(), { color: true }) + '\n');
 * ```
 */
export function renderTraces(
  spans: readonly ReceivedSpan[],
  options: RenderTracesOptions = {},
): string {
  const width = Math.max(1, Math.floor(options.width ?? 40));
  const color = options.color ?? false;
  const order = new Map<ReceivedSpan, number>(spans.map((s, i) => [s, i]));
  const byTrace = new Map<string, ReceivedSpan[]>();
  for (const span of spans) {
    const list = byTrace.get(span.traceId);
    if (list) list.push(span);
    else byTrace.set(span.traceId, [span]);
  }
  const traces = [...byTrace.entries()].map(([traceId, list]) => ({
    traceId,
    list,
    start: list.reduce(
      (min, s) => (s.startTimeUnixNano < min ? s.startTimeUnixNano : min),
      list[0]?.startTimeUnixNano ?? 0n,
    ),
  }));
  traces.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  return traces
    .map(({ traceId, list }) => renderTrace(traceId, list, order, width, color))
    .join('\n\n');
}
