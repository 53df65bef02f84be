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
import { MEMORY_TARGET_MIB, memoryGrowthMiB, memoryScenario } from './memory-collector-down';
import type { ReceiverDecodeResult } from './receiver-decode';
import type { ScriptCostOptions, ScriptCostResult } from './script-cost';
import { natsSection } from './nats-report';
import { fixed, table, verdict, whole } from './stats';

const RESULTS_DIR = join(__dirname, '..', '..', 'bench', 'results');
const TARGET_EVENTS_PER_SEC = 20_000;
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
  const grpc = (label: string, batch: FlowScenario['batch']): FlowScenario => ({
    ...base,
    label,
    telemetry: 'grpc',
    batch,
  });
  const all: FlowScenario[] = [
    { ...base, label: 'telemetry off', telemetry: 'off' },
    { ...base, label: 'no-op span exporter', telemetry: 'noop' },
    grpc('gRPC, default batch', {}),
    grpc('gRPC, queue 8192', {
      max_queue_size: 8192,
      max_export_batch_size: 512,
      scheduled_delay: '1s',
    }),
    grpc('gRPC, queue 16384 / batch 2048', {
      max_queue_size: 16384,
      max_export_batch_size: 2048,
      scheduled_delay: '1s',
    }),
    grpc('gRPC, queue 32768 / batch 4096', {
      max_queue_size: 32768,
      max_export_batch_size: 4096,
      scheduled_delay: '500ms',
    }),
    { ...grpc('gRPC, default batch, source never yields', {}), yieldEvery: 0 },
    { ...base, label: 'telemetry off, script timeout 1s', telemetry: 'off', scriptTimeout: '1s' },
    {
      ...grpc('gRPC, queue 8192, script timeout 1s', {
        max_queue_size: 8192,
        max_export_batch_size: 512,
        scheduled_delay: '1s',
      }),
      scriptTimeout: '1s',
    },
  ];
  return quick ? all.filter((_, i) => i < 3 || i === all.length - 1) : all;
}

const SHAPE_TITLES: Readonly<Record<Shape, string>> = {
  async: 'async handler',
  sync: 'sync handler',
  asyncGenerator: 'async-generator handler (3 yields)',
};

function batchText(b: FlowScenario['batch']): string {
  const q = b?.max_queue_size ?? 2048;
  const n = b?.max_export_batch_size ?? 512;
  const d = b?.scheduled_delay ?? '5s';
  return `${q}/${n}/${d}`;
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

  // 2. Flow throughput
  const flows: FlowResult[] = [];
  for (const scenario of flowScenarios(quick)) {
    flows.push(await runChild<FlowResult>('flow-throughput', scenario, flags));
  }
  out(`## 2. Flow throughput: source -> script -> sink, ${flows[0]?.events ?? 0} events\n`);
  out(
    table(
      [
        'scenario',
        'batch q/n/delay',
        'events/s',
        'spans ended',
        'exported',
        'lost',
        'export calls',
        'peak RSS MiB',
        'shutdown ms',
      ],
      flows.map((f) => [
        f.label,
        f.telemetry === 'off' ? '-' : batchText(f.batch),
        whole(f.eventsPerSec),
        whole(f.spansEnded),
        whole(f.spansExported),
        whole(f.spansLost),
        whole(f.exportCalls),
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
  const clean = flows.filter((f) => f.telemetry === 'grpc' && f.spansLost === 0);
  const best = clean.sort((a, b) => b.eventsPerSec - a.eventsPerSec)[0];
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
      'flow over gRPC, zero spans lost',
      `>= ${whole(TARGET_EVENTS_PER_SEC)} ev/s`,
      best === undefined
        ? 'no gRPC run without loss'
        : `${whole(best.eventsPerSec)} ev/s (${best.label})`,
      verdict(best !== undefined && best.eventsPerSec >= TARGET_EVENTS_PER_SEC),
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
