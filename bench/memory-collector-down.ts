import { childMain } from './child-process';
import type { FlowResult, FlowScenario } from './flow-scenario';
import { runFlowScenario } from './flow-scenario';

/** Memory growth allowed over the run, MiB. */
export const MEMORY_TARGET_MIB = 50;

/**
 * The flow with telemetry on and its OTLP endpoint on a closed port: every
 * export fails, so spans must be dropped, not kept. RSS is taken after a
 * warm-up flow (and a GC) and again after the measured flow (after a GC).
 */
export function memoryScenario(quick: boolean, uncapped = false): FlowScenario {
  return {
    label: 'collector unreachable',
    telemetry: 'closed-port',
    events: quick ? 100_000 : 1_000_000,
    warmupEvents: quick ? 2_000 : 10_000,
    yieldEvery: 64,
    // Keeps the whole bench inside its time budget on a slow or busy machine
    // (`--uncapped` lifts it: all the events, however long that takes).
    ...(uncapped ? {} : { maxMs: quick ? 10_000 : 70_000 }),
  };
}

/** RSS growth over the measured flow, MiB (after GC, so what stays). */
export function memoryGrowthMiB(result: FlowResult): number {
  return result.rssAfterMiB - result.rssBeforeMiB;
}

/*
 * `node --expose-gc dist/bench/memory-collector-down.js --child '<FlowScenario JSON>'`
 * (run.ts passes memoryScenario()).
 */
childMain(module, runFlowScenario);
