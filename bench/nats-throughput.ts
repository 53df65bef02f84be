import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '../src/connectors/nats-client';
import { childMain } from './child-process';
import { NatsServer } from './nats-server';
import { startReceiverProcess } from './receiver-process';

/** Options of the NATS scenario. */
export interface NatsScenario {
  /** Events the publisher worker sends. */
  readonly events: number;
}

/** What one run measured. */
export interface NatsResult {
  /** Events published and consumed. */
  readonly events: number;
  /** Acked events per second at the consumer, first ack to last. */
  readonly eventsPerSec: number;
  /** Spans ended, exported and lost, both workers together (from their end-of-run reports). */
  readonly spansEnded: number;
  readonly spansExported: number;
  readonly spansLost: number;
  /** Deliveries beyond one per message (redeliveries): 0 on a clean run. */
  readonly redelivered: number;
}

/** Longest a run may take before it is reported as failed. */
const MAX_RUN_MS = 120_000;

const CLI = join(__dirname, '..', 'src', 'cli.js');

/*
 * publish -> subscribe across two worker processes, telemetry on over
 * OTLP/gRPC to a receiver in a third process: the consumer worker runs
 * `nats_subscribe -> log` (at debug: no output; a `script` step would
 * measure the sandbox, ~4x slower), the publisher `generate -> nats_publish`
 * (one PubAck awaited per event). Rate: the consumer's ack floor, polled.
 */
export async function runNatsScenario(options: NatsScenario): Promise<NatsResult> {
  const server = await NatsServer.start();
  const receiver = await startReceiverProcess();
  const dir = mkdtempSync(join(tmpdir(), 'flowgen-bench-nats-'));
  const workers: ChildProcess[] = [];
  const nc = await connectNats({ servers: server.url });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'BENCH', subjects: ['bench.>'] });
    const file = (name: string, text: string): string => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const worker = (service: string): string =>
      file(
        `${service}.yaml`,
        `telemetry:
  enabled: true
  otlp_endpoint: '${receiver.endpoint}'
  service_name: ${service}
  batch: { max_queue_size: 8192, max_export_batch_size: 512, scheduled_delay: 1s }
shutdown_timeout: 10s
`,
      );
    const consumer = file(
      'consumer.yaml',
      `flow:
  name: bench_consumer
  tasks:
    - nats_subscribe: { name: orders, url: "${server.url}", stream: BENCH, batch: 16 }
    - log: { name: touch, level: debug }
`,
    );
    // generate waits at least 1ms between events: 8 sources feed the one sink.
    const sources = 8;
    const per = Math.ceil(options.events / sources);
    const ticks = Array.from(
      { length: sources },
      (_, i) =>
        `    - generate: { name: ticks${i}, interval: 1ms, count: ${per}, payload: { kind: bench }, depends_on: [] }`,
    ).join('\n');
    const names = Array.from({ length: sources }, (_, i) => `ticks${i}`).join(', ');
    const publisher = file(
      'publisher.yaml',
      `flow:
  name: bench_publisher
  tasks:
${ticks}
    - nats_publish: { name: publish, url: "${server.url}", subject: bench.order, depends_on: [${names}] }
`,
    );
    const total = per * sources;
    const c = startWorker(consumer, worker('bench-consumer'));
    workers.push(c.child);
    await c.waitFor((l) => l.msg === 'nats consumer ready');
    const p = startWorker(publisher, worker('bench-publisher'));
    workers.push(p.child);

    const floor = async (): Promise<{ acked: number; redelivered: number }> => {
      const info = await jsm.consumers.info('BENCH', 'bench_consumer_orders');
      return { acked: info.ack_floor.stream_seq, redelivered: info.num_redelivered };
    };
    let first: number | undefined;
    let last = { acked: 0, redelivered: 0 };
    const cap = Date.now() + MAX_RUN_MS;
    while (last.acked < total) {
      if (Date.now() > cap || c.child.exitCode !== null || p.child.exitCode === 2) {
        throw new Error(
          `only ${last.acked} of ${total} events acked.\npublisher:\n${p.tail()}\nconsumer:\n${c.tail()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      last = await floor();
      if (first === undefined && last.acked > 0) first = performance.now();
    }
    const seconds = (performance.now() - (first ?? performance.now())) / 1000;

    const reports = await Promise.all(
      [p, c].map(async (w) => {
        w.child.kill('SIGTERM');
        return w.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('telemetry:'));
      }),
    );
    const sum = (key: string): number =>
      reports.reduce((total, line) => total + Number(line[key] ?? 0), 0);
    return {
      events: total,
      eventsPerSec: seconds > 0 ? (total - 1) / seconds : 0,
      spansEnded: sum('spans_ended'),
      spansExported: sum('spans_exported'),
      spansLost: sum('spans_lost'),
      redelivered: last.redelivered,
    };
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await nc.close();
    await receiver.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

type LogLine = Record<string, unknown> & { msg?: string };

/* A worker CLI process whose JSON log lines can be awaited. */
function startWorker(
  flow: string,
  config: string,
): {
  child: ChildProcess;
  waitFor: (match: (l: LogLine) => boolean) => Promise<LogLine>;
  tail: () => string;
} {
  const child = spawn(process.execPath, [CLI, 'run', flow, '--config', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, FLOWGEN_LOG_LEVEL: 'info', FLOWGEN_LOG_FORMAT: 'json' },
  });
  const lines: LogLine[] = [];
  const waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  let rest = '';
  let all = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    all = (all + chunk).slice(-4000);
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const text of parts) {
      if (!text.startsWith('{')) continue;
      const line = JSON.parse(text) as LogLine;
      lines.push(line);
      for (const w of waiters.splice(0)) {
        if (w.match(line)) w.resolve(line);
        else waiters.push(w);
      }
    }
  });
  const waitFor = (match: (l: LogLine) => boolean): Promise<LogLine> => {
    const seen = lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      waiters.push({ match, resolve });
      child.once('close', (code) =>
        reject(new Error(`bench worker exited (${String(code)}) before the awaited line`)),
      );
    });
  };
  return { child, waitFor, tail: () => all.slice(-1500) };
}

childMain(module, runNatsScenario);
