import 'reflect-metadata';
import { loadWorkerConfig, parseFlow, runFlow } from '../src';
import { childMain } from './child-process';
import { FastSourceTask, SinkTask, flowClock } from './flow-tasks';
import { median, quantile } from './stats';

/*
 * `node dist/bench/script-cost.js --child '<ScriptCostOptions JSON>'`: what
 * the `script` step costs per event, measured through runFlow (telemetry
 * off) as bench_source -> [script] -> bench_sink, for the QuickJS sandbox
 * (the default), the trusted node:vm path with and without its timeout, and
 * no script at all. Variants alternate within each round (the starting one
 * rotates), so machine load hits them alike; the result is the median.
 */

/** The variants, in table order. */
export const SCRIPT_VARIANTS = [
  'no script',
  'trusted, timeout none',
  'trusted, timeout 1s',
  'sandbox (default), timeout 1s',
] as const;

/** One of {@link SCRIPT_VARIANTS}. */
export type ScriptVariant = (typeof SCRIPT_VARIANTS)[number];

/** How much to run. */
export interface ScriptCostOptions {
  /** Events per flow run. */
  readonly events: number;
  /** Measured rounds; each runs every variant once. */
  readonly rounds: number;
  /** Events of one unmeasured run of each variant first (JIT, WebAssembly compile). */
  readonly warmupEvents: number;
}

/** One variant's numbers. */
export interface ScriptVariantCost {
  readonly variant: ScriptVariant;
  /** Median over rounds of the flow's time per event, µs. */
  readonly usPerEvent: number;
  readonly p25: number;
  readonly p75: number;
  /** `usPerEvent` minus that of `no script`: the script step alone, µs. */
  readonly stepUs: number;
}

/** What {@link runScriptCost} measured. */
export interface ScriptCostResult {
  readonly options: ScriptCostOptions;
  readonly variants: ScriptVariantCost[];
}

const CODE = 'event.data.total = event.data.n * 2; event';

const SCRIPT_LINES: Readonly<Record<ScriptVariant, string | undefined>> = {
  'no script': undefined,
  'trusted, timeout none': `{ name: double, mode: trusted, timeout: none, code: '${CODE}' }`,
  'trusted, timeout 1s': `{ name: double, mode: trusted, timeout: 1s, code: '${CODE}' }`,
  'sandbox (default), timeout 1s': `{ name: double, code: '${CODE}' }`,
};

function flowYaml(variant: ScriptVariant, events: number): string {
  const script = SCRIPT_LINES[variant];
  return [
    'flow:',
    '  name: script-cost',
    '  tasks:',
    `    - bench_source: { name: source, count: ${events}, window: 1, yield_every: 64, max_ms: 0 }`,
    ...(script === undefined ? [] : [`    - script: ${script}`]),
    '    - bench_sink: { name: sink }',
    '',
  ].join('\n');
}

/** Runs `variant` once over `events` events; returns µs per event, source start to the sink's last event. */
async function runVariant(variant: ScriptVariant, events: number): Promise<number> {
  flowClock.sinkReceived = 0;
  flowClock.sinkDone = 0;
  flowClock.onDone = () => undefined;
  await runFlow({
    flow: parseFlow(flowYaml(variant, events), 'script-cost.yaml'),
    worker: loadWorkerConfig({}),
    taskClasses: [FastSourceTask, SinkTask],
  });
  if (flowClock.sinkReceived !== events) {
    throw new Error(`${variant}: the sink saw ${flowClock.sinkReceived} of ${events} events`);
  }
  return ((flowClock.sinkDone - flowClock.sourceStart) * 1000) / events;
}

/** Runs every variant for `options.rounds` alternated rounds, in this process (a bench child). */
export async function runScriptCost(options: ScriptCostOptions): Promise<ScriptCostResult> {
  for (const variant of SCRIPT_VARIANTS) await runVariant(variant, options.warmupEvents);
  const samples = new Map<ScriptVariant, number[]>(SCRIPT_VARIANTS.map((v) => [v, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < SCRIPT_VARIANTS.length; i++) {
      const variant = SCRIPT_VARIANTS[(round + i) % SCRIPT_VARIANTS.length]!;
      (globalThis as { gc?: () => void }).gc?.();
      samples.get(variant)!.push(await runVariant(variant, options.events));
    }
  }
  const floor = median(samples.get('no script')!);
  return {
    options,
    variants: SCRIPT_VARIANTS.map((variant) => {
      const values = samples.get(variant)!;
      const usPerEvent = median(values);
      return {
        variant,
        usPerEvent,
        p25: quantile(values, 0.25),
        p75: quantile(values, 0.75),
        stepUs: usPerEvent - floor,
      };
    }),
  };
}

childMain(module, runScriptCost);
