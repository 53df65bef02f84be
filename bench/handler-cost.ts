import 'reflect-metadata';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { container as rootContainer } from 'tsyringe';
import { registerTelemetryProviders } from '../src';
import { benchProviders } from './bench-providers';
import { childMain } from './child-process';
import { decoratedWork } from './decorated-work';
import { HandWrittenWork } from './hand-written-work';
import { loadPeers } from './peer-decorators';
import { startReceiverProcess } from './receiver-process';
import { median, quantile } from './stats';
import type { WorkVariant } from './work';
import { BareWork } from './work';

/** The three handler shapes measured. */
export type Shape = 'async' | 'sync' | 'asyncGenerator';

/** Options of one handler-cost run. */
export interface HandlerCostOptions {
  /** Measured rounds per shape; every variant runs once per round. */
  readonly rounds: number;
  /** Unmeasured rounds first. */
  readonly warmupRounds: number;
  /** Calls per variant per round, by shape. */
  readonly calls: Readonly<Record<Shape, number>>;
  /**
   * `export` (default): spans go through the toolkit's export pipeline
   * (encoded as they end, sent from the worker thread to a lean receiver in
   * another process); `batch-noop`: the SDK's BatchSpanProcessor over a
   * no-op exporter.
   */
  readonly spans?: 'export' | 'batch-noop';
}

/** One variant's result for one shape. */
export interface VariantCost {
  readonly variant: string;
  /** Median over rounds of ns per call. */
  readonly nsPerCall: number;
  /** 25th and 75th percentile over rounds. */
  readonly p25: number;
  readonly p75: number;
  /** nsPerCall / hand-written nsPerCall. */
  readonly ratioToHandWritten: number;
  /** nsPerCall minus the bare method's. */
  readonly overBareNs: number;
}

/** What the handler-cost child reports. */
export interface HandlerCostResult {
  readonly options: HandlerCostOptions;
  readonly shapes: Readonly<Record<Shape, VariantCost[]>>;
  /** Peer libraries not measured, and why. */
  readonly skipped: { readonly variant: string; readonly reason: string }[];
}

/**
 * `@Handler`, telemetry on, with the toolkit's duration producer on the
 * metric reader (how `registerTelemetry` builds the providers): durations go
 * to the toolkit's own histogram cells instead of an SDK histogram.
 */
export const HANDLER_ON_PRODUCER = '@Handler, telemetry on, duration producer';

type Loop = (obj: WorkVariant, n: number) => Promise<number>;

const LOOP_BODIES: Readonly<Record<Shape, string>> = {
  async: 'let acc = 0; for (let i = 0; i < n; i++) acc += await obj.work(i); return acc;',
  sync: 'let acc = 0; for (let i = 0; i < n; i++) acc += obj.workSync(i); return acc;',
  asyncGenerator:
    'let acc = 0; for (let i = 0; i < n; i++) for await (const v of obj.workGen(i)) acc += v; return acc;',
};

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
  ...args: string[]
) => Loop;

/*
 * One loop function per variant and shape, compiled separately: closures of
 * one function literal share their inline caches, and a call site that saw
 * six receiver classes goes megamorphic and would slow every variant,
 * the bare floor most of all.
 */
function makeLoop(shape: Shape): Loop {
  return new AsyncFunction('obj', 'n', LOOP_BODIES[shape]);
}

/** A variant with one object per shape (a `@Task` has one handler). */
type PerShape = Readonly<Record<Shape, WorkVariant>>;

interface Entry {
  readonly name: string;
  readonly obj: WorkVariant | PerShape;
  readonly loops: Record<Shape, Loop>;
}

const SHAPES: readonly Shape[] = ['async', 'sync', 'asyncGenerator'];

/** Runs every variant of every shape in alternated rounds, in this process. */
export async function runHandlerCost(options: HandlerCostOptions): Promise<HandlerCostResult> {
  // The hand-written baseline and the peers use the OTel globals, as apps do.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const receiver = options.spans === 'batch-noop' ? undefined : await startReceiverProcess('lean');
  const providers = benchProviders(receiver?.endpoint);
  trace.setGlobalTracerProvider(providers.tracerProvider);

  const { toolkitDurations, ...given } = providers;
  const enabled = rootContainer.createChildContainer();
  registerTelemetryProviders(enabled, given);
  const on = decoratedWork(enabled);
  // The same providers with the toolkit's duration producer on the reader, as registerTelemetry builds them.
  const built = rootContainer.createChildContainer();
  registerTelemetryProviders(built, { ...given, durations: toolkitDurations });
  const onBuilt = decoratedWork(built);
  const off = decoratedWork(rootContainer.createChildContainer());
  const handWritten = new HandWrittenWork(
    providers.tracerProvider.getTracer('bench'),
    providers.meterProvider.getMeter('bench'),
  );
  const variants: [string, WorkVariant | PerShape][] = [
    ['bare method', new BareWork()],
    ['hand-written OTel', handWritten],
    ['@Handler, telemetry on', on],
    [HANDLER_ON_PRODUCER, onBuilt],
    ['@Handler, telemetry off', off],
  ];
  const skipped: { variant: string; reason: string }[] = [];
  for (const peer of loadPeers()) {
    if (peer.ok) variants.push([peer.name, peer.make()]);
    else skipped.push({ variant: peer.name, reason: peer.reason });
  }
  const entries: Entry[] = variants.map(([name, obj]) => ({
    name,
    obj,
    loops: {
      async: makeLoop('async'),
      sync: makeLoop('sync'),
      asyncGenerator: makeLoop('asyncGenerator'),
    },
  }));

  const shapes = {} as Record<Shape, VariantCost[]>;
  for (const shape of SHAPES) {
    const samples = new Map<string, number[]>(entries.map((e) => [e.name, []]));
    const calls = options.calls[shape];
    for (let round = 0; round < options.warmupRounds + options.rounds; round++) {
      // Rotate who goes first so no variant always follows the same one.
      for (let k = 0; k < entries.length; k++) {
        const entry = entries[(round + k) % entries.length]!;
        const start = process.hrtime.bigint();
        await entry.loops[shape](objectFor(entry.obj, shape), calls);
        const ns = Number(process.hrtime.bigint() - start) / calls;
        if (round >= options.warmupRounds) samples.get(entry.name)!.push(ns);
      }
    }
    const bare = median(samples.get('bare method')!);
    const hand = median(samples.get('hand-written OTel')!);
    shapes[shape] = entries.map((e) => {
      const s = samples.get(e.name)!;
      const ns = median(s);
      return {
        variant: e.name,
        nsPerCall: ns,
        p25: quantile(s, 0.25),
        p75: quantile(s, 0.75),
        ratioToHandWritten: ns / hand,
        overBareNs: ns - bare,
      };
    });
  }
  await providers.shutdown();
  await receiver?.stop();
  return { options, shapes, skipped };
}

function objectFor(obj: WorkVariant | PerShape, shape: Shape): WorkVariant {
  return 'asyncGenerator' in obj ? obj[shape] : obj;
}

childMain(module, runHandlerCost);
