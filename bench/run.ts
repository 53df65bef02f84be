/**
 * `npm run bench [-- --quick] [-- --profile] [-- --uncapped]`: the handler cost of the
 * decorators against hand-written OpenTelemetry (and peer decorators when
 * installed), the throughput of a three-task flow with telemetry off, on with
 * a no-op exporter and on over OTLP/gRPC to a receiver in another process,
 * and memory with the collector unreachable. Prints tables, writes
 * bench/results/bench-<time>.json. Never fails on a number.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { ChildFlags } from './child-process';
import { runChild } from './child-process';
import type { FlowResult, FlowScenario } from './flow-scenario';
import type { HandlerCostOptions, HandlerCostResult, Shape } from './handler-cost';
import { HANDLER_ON_PRODUCER } from './handler-cost';
import { MEMORY_TARGET_MIB, memoryGrowthMiB, memoryScenario } from './memory-collector-down';
import type { ReceiverDecodeResult } from './receiver-decode';
import type { ScriptCostOptions, ScriptCostResult } from './script-cost';
import { natsSection } from './nats-report';
import { fixed, table, verdict, whole } from './stats';

const RESULTS_DIR = join(__dirname, '..', '..', 'bench', 'results');
const TARGET_RATE_TO_NOOP = 0.8;
const TARGET_MAIN_CPU_TO_NOOP = 1.2;
const TARGET_DISABLED_NS = 100;

function handlerOptions(quick: boolean): HandlerCostOptions {
  return quick
    ? { rounds: 5, warmupRounds: 1, calls: { async: 2_000, sync: 2_000, asyncGenerator: 500 } }
    : {
        rounds: 20,
        warmupRounds: 3,
        calls: { async: 20_000, sync: 20_000, asyncGenerator: 5_000 },
      };
}

function flowScenarios(quick: boolean): FlowScenario[] {
  const events = quick ? 4_000 : 20_000;
  const base = { events, warmupEvents: quick ? 500 : 2_000, yieldEvery: 64 };
  const over = (label: string, telemetry: FlowScenario['telemetry']): FlowScenario => ({
    ...base,
    label,
    telemetry,
    batch: {},
  });
  const all: FlowScenario[] = [
    { ...base, label: 'telemetry off', telemetry: 'off' },
    over('no-op span exporter (BatchSpanProcessor)', 'noop'),
    over(LEAN_DEFAULTS, 'grpc-lean'),
    over(BUILT_IN_DEFAULTS, 'grpc'),
    over('gRPC lean, stock BatchSpanProcessor + OTLPTraceExporter', 'grpc-stock'),
    { ...over('gRPC lean, source never yields', 'grpc-lean'), yieldEvery: 0 },
    { ...base, label: 'telemetry off, script timeout 1s', telemetry: 'off', scriptTimeout: '1s' },
    { ...over('gRPC lean, script timeout 1s', 'grpc-lean'), scriptTimeout: '1s' },
  ];
  return quick ? all.filter((_, i) => i < 5) : all;
}

/** Rounds of every flow scenario in a full run (each a fresh process). */
const FLOW_ROUNDS = 3;

/* The round whose sustained rate is the median: one real run, not a mix of several. */
function medianRound(results: readonly FlowResult[]): FlowResult {
  const sorted = [...results].sort((a, b) => a.sustainedPerSec - b.sustainedPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

const LEAN_DEFAULTS = 'gRPC lean receiver, defaults';
const BUILT_IN_DEFAULTS = 'gRPC built-in receiver, defaults';

const SHAPE_TITLES: Readonly<Record<Shape, string>> = {
  async: 'async handler',
  sync: 'sync handler',
  asyncGenerator: 'async-generator handler (3 yields)',
};

/* Per event, as a ratio to a reference scenario of the same run. */
function times(value: number, reference: number | undefined): string {
  return reference === undefined || !(reference > 0) ? '-' : fixed(value / reference, 2);
}

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const flags: ChildFlags = args.includes('--profile')
    ? { cpuProfDir: join(RESULTS_DIR, 'profiles') }
    : {};
  const started = Date.now();
  const machine = {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadavgAtStart: loadavg(),
  };
  out(
    `flowgen-ts bench (${quick ? 'quick' : 'full'}) on Node ${machine.node}, ${machine.cpus} x ${machine.cpuModel}, ` +
      `load average ${machine.loadavgAtStart.map((l) => l.toFixed(2)).join(' ')}\n`,
  );

  // 1. Handler cost
  const hc = await runChild<HandlerCostResult>('handler-cost', handlerOptions(quick), flags);
  out(
    `## 1. Cost per handler call (median of ${hc.options.rounds} alternated rounds; ` +
      `${hc.options.calls.async} calls per round for async/sync, ${hc.options.calls.asyncGenerator} for generators)\n`,
  );
  for (const shape of Object.keys(SHAPE_TITLES) as Shape[]) {
    out(`### ${SHAPE_TITLES[shape]}\n`);
    out(
      table(
        ['variant', 'ns/call', 'p25..p75', 'x hand-written', 'over bare (ns)'],
        hc.shapes[shape].map((v) => [
          v.variant,
          whole(v.nsPerCall),
          `${whole(v.p25)}..${whole(v.p75)}`,
          fixed(v.ratioToHandWritten, 2),
          whole(v.overBareNs),
        ]),
      ),
    );
    out('');
  }
  for (const s of hc.skipped) out(`skipped: ${s.variant}: ${s.reason}`);
  if (hc.skipped.length > 0) out('');

  // 2. Flow throughput: every scenario in alternated rounds, the median round kept
  const scenarios = flowScenarios(quick);
  const rounds = quick ? 1 : FLOW_ROUNDS;
  const byScenario: FlowResult[][] = scenarios.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < scenarios.length; k++) {
      // the starting scenario rotates each round, so none always runs first
      const i = (k + round) % scenarios.length;
      byScenario[i]!.push(await runChild<FlowResult>('flow-throughput', scenarios[i]!, flags));
    }
  }
  const flows = byScenario.map(medianRound);
  out(
    `## 2. Flow throughput: source -> script -> sink, ${flows[0]?.events ?? 0} events ` +
      `(per scenario the median of ${rounds} alternated round(s), by events/s incl. drain; ` +
      `the CPU columns are that round's)\n`,
  );
  const off = flows.find((f) => f.telemetry === 'off');
  const noop = flows.find((f) => f.telemetry === 'noop');
  out(
    table(
      [
        'scenario',
        'events/s',
        'ev/s incl. drain',
        'x off',
        'x no-op',
        'main CPU µs/ev',
        'x off',
        'x no-op',
        'process CPU µs/ev',
        'x off',
        'x no-op',
      ],
      flows.map((f) => [
        f.label,
        whole(f.eventsPerSec),
        whole(f.sustainedPerSec),
        times(f.sustainedPerSec, off?.sustainedPerSec),
        times(f.sustainedPerSec, noop?.sustainedPerSec),
        fixed(f.mainCpuUsPerEvent, 1),
        times(f.mainCpuUsPerEvent, off?.mainCpuUsPerEvent),
        times(f.mainCpuUsPerEvent, noop?.mainCpuUsPerEvent),
        fixed(f.processCpuUsPerEvent, 1),
        times(f.processCpuUsPerEvent, off?.processCpuUsPerEvent),
        times(f.processCpuUsPerEvent, noop?.processCpuUsPerEvent),
      ]),
    ),
  );
  out('');
  out(
    table(
      [
        'scenario',
        'spans ended',
        'exported',
        'lost',
        'of which queue full',
        'export calls',
        'peak queued KiB',
        'peak RSS MiB',
        'drain ms',
      ],
      flows.map((f) => [
        f.label,
        whole(f.spansEnded),
        whole(f.spansExported),
        whole(f.spansLost),
        whole(f.droppedByBytes + f.droppedByQueue),
        whole(f.exportCalls),
        whole(f.peakQueuedBytes / 1024),
        fixed(f.peakRssMiB, 0),
        whole(f.shutdownMs),
      ]),
    ),
  );
  out('');

  // 3. Memory with the collector down
  const mem = await runChild<FlowResult>(
    'memory-collector-down',
    memoryScenario(quick, args.includes('--uncapped')),
    flags,
  );
  const growth = memoryGrowthMiB(mem);
  out(`## 3. Memory, collector unreachable (${whole(mem.events)} events)\n`);
  out(
    table(
      [
        'events',
        'events/s',
        'RSS before',
        'RSS at last event',
        'RSS after',
        'growth',
        'peak RSS',
        'heap before/after',
        'spans ended',
        'lost',
        'peak queued KiB',
      ],
      [
        [
          whole(mem.events) +
            (mem.cappedAtMs !== undefined ? ` (time cap ${mem.cappedAtMs / 1000}s)` : ''),
          whole(mem.eventsPerSec),
          fixed(mem.rssBeforeMiB, 1),
          fixed(mem.rssAtEndMiB, 1),
          fixed(mem.rssAfterMiB, 1),
          fixed(growth, 1),
          fixed(mem.peakRssMiB, 1),
          `${fixed(mem.heapBeforeMiB, 1)}/${fixed(mem.heapAfterMiB, 1)}`,
          whole(mem.spansEnded),
          whole(mem.spansLost),
          whole(mem.peakQueuedBytes / 1024),
        ],
      ],
    ),
  );
  out(`RSS every ~10% of events (MiB): ${mem.rssSamplesMiB.map((r) => r.toFixed(0)).join(' ')}\n`);

  // 4. The built-in receiver's CPU per span
  const rd = await runChild<ReceiverDecodeResult>(
    'receiver-decode',
    { requests: quick ? 50 : 200, rounds: quick ? 5 : 15 },
    flags,
  );
  out(
    `## 4. Built-in receiver CPU per span (${rd.requests} requests of ${rd.spansPerRequest} SDK spans, ` +
      `${whole(rd.requestBytes)} B each)\n`,
  );
  out(
    table(
      ['trace decoding', 'decode only ns/span', 'receiver process us/span (gRPC included)'],
      rd.modes.map((m) => [
        {
          protobufjs: 'protobufjs + plain objects (before)',
          wire: 'wire decode on arrival (collector, listeners)',
          scan: 'scan and count, decode when read (no listener)',
        }[m.mode],
        whole(m.decodeNsPerSpan),
        fixed(m.receiverUsPerSpan, 2),
      ]),
    ),
  );
  out('');

  // 5. Script step cost
  const scriptCost = await runChild<ScriptCostResult>(
    'script-cost',
    (quick
      ? { events: 500, rounds: 3, warmupEvents: 200 }
      : { events: 2_000, rounds: 7, warmupEvents: 500 }) satisfies ScriptCostOptions,
    flags,
  );
  const costOf = (variant: string): number =>
    scriptCost.variants.find((v) => v.variant === variant)?.usPerEvent ?? Number.NaN;
  const stepOf = (variant: string): number =>
    scriptCost.variants.find((v) => v.variant === variant)?.stepUs ?? Number.NaN;
  out(
    `## 5. Script step cost per event: source -> script -> sink, telemetry off ` +
      `(median of ${scriptCost.options.rounds} alternated rounds of ${whole(scriptCost.options.events)} events)\n`,
  );
  out(
    table(
      ['variant', 'µs/event', 'p25..p75', 'script step µs', 'x no script', 'step x trusted (none)'],
      scriptCost.variants.map((v) => [
        v.variant,
        fixed(v.usPerEvent, 1),
        `${fixed(v.p25, 1)}..${fixed(v.p75, 1)}`,
        fixed(v.stepUs, 1),
        fixed(v.usPerEvent / costOf('no script'), 2),
        v.variant === 'no script' ? '-' : fixed(v.stepUs / stepOf('trusted, timeout none'), 1),
      ]),
    ),
  );
  out('');

  // 6. publish -> subscribe across two worker processes (needs nats-server)
  const nats = await natsSection(quick, flags, out);

  // Targets
  const pick = (shape: Shape, variant: string): number =>
    hc.shapes[shape].find((v) => v.variant === variant)?.nsPerCall ?? Number.NaN;
  const ratio = (shape: Shape): number =>
    pick(shape, '@Handler, telemetry on') / pick(shape, 'hand-written OTel');
  const over = (shape: Shape): number =>
    pick(shape, '@Handler, telemetry off') - pick(shape, 'bare method');
  const lean = flows.find((f) => f.label === LEAN_DEFAULTS);
  const builtIn = flows.find((f) => f.label === BUILT_IN_DEFAULTS);
  const rate = (f: FlowResult | undefined): number =>
    f === undefined || noop === undefined ? Number.NaN : f.sustainedPerSec / noop.sustainedPerSec;
  const mainCpu = (f: FlowResult | undefined): number =>
    f === undefined || noop === undefined
      ? Number.NaN
      : f.mainCpuUsPerEvent / noop.mainCpuUsPerEvent;
  const traced = (shape: Shape, variant = '@Handler, telemetry on'): number =>
    pick(shape, variant) / pick(shape, '@fullstackhouse @Traced');
  const targets = [
    [
      '@Handler on / hand-written (async)',
      '<= 1.00',
      fixed(ratio('async'), 2),
      verdict(ratio('async') <= 1),
    ],
    [
      '@Handler on / hand-written (sync)',
      '<= 1.00',
      fixed(ratio('sync'), 2),
      verdict(ratio('sync') <= 1),
    ],
    [
      '@Handler on / hand-written (async gen)',
      '<= 1.00',
      fixed(ratio('asyncGenerator'), 2),
      verdict(ratio('asyncGenerator') <= 1),
    ],
    [
      '@Handler off - bare (async)',
      `<= ${TARGET_DISABLED_NS} ns`,
      `${whole(over('async'))} ns`,
      verdict(over('async') <= TARGET_DISABLED_NS),
    ],
    [
      '@Handler off - bare (sync)',
      `<= ${TARGET_DISABLED_NS} ns`,
      `${whole(over('sync'))} ns`,
      verdict(over('sync') <= TARGET_DISABLED_NS),
    ],
    [
      '@Handler on / @Traced (async)',
      '<= 1.00',
      fixed(traced('async'), 2),
      verdict(traced('async') <= 1),
    ],
    [
      '@Handler on / @Traced (sync)',
      '<= 1.00',
      fixed(traced('sync'), 2),
      verdict(traced('sync') <= 1),
    ],
    ...(['async', 'sync'] as const).map((shape) => [
      `@Handler on, duration producer / @Traced (${shape})`,
      '<= 1.00',
      fixed(traced(shape, HANDLER_ON_PRODUCER), 2),
      verdict(traced(shape, HANDLER_ON_PRODUCER) <= 1),
    ]),
    [
      'defaults, lean receiver: spans lost',
      '0',
      whole(lean?.spansLost ?? Number.NaN),
      verdict(lean?.spansLost === 0),
    ],
    [
      'defaults, lean receiver: ev/s incl. drain / no-op',
      `>= ${fixed(TARGET_RATE_TO_NOOP, 2)}`,
      fixed(rate(lean), 2),
      verdict(rate(lean) >= TARGET_RATE_TO_NOOP),
    ],
    [
      'defaults, lean receiver: main CPU per event / no-op',
      `<= ${fixed(TARGET_MAIN_CPU_TO_NOOP, 2)}`,
      fixed(mainCpu(lean), 2),
      verdict(mainCpu(lean) <= TARGET_MAIN_CPU_TO_NOOP),
    ],
    [
      'defaults, built-in receiver: spans lost',
      '0',
      whole(builtIn?.spansLost ?? Number.NaN),
      verdict(builtIn?.spansLost === 0),
    ],
    [
      `memory growth, collector down (${whole(mem.events)} events)`,
      `< ${MEMORY_TARGET_MIB} MiB`,
      `${fixed(growth, 1)} MiB`,
      verdict(growth < MEMORY_TARGET_MIB),
    ],
  ];
  out('## Targets\n');
  out(table(['target', 'wanted', 'measured', 'verdict'], targets));
  const seconds = (Date.now() - started) / 1000;
  out(
    `\nfinished in ${seconds.toFixed(1)} s; load average now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(
    RESULTS_DIR,
    `bench-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(
    file,
    `${JSON.stringify({ mode: quick ? 'quick' : 'full', machine, seconds, handlerCost: hc, flows, memory: { ...mem, growthMiB: growth }, receiverDecode: rd, scriptCost, nats, targets }, null, 2)}\n`,
  );
  out(`results: ${file}`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
