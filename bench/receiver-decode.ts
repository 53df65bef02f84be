/**
 * The built-in receiver's CPU per span, before and after it walked trace
 * requests itself (`npm run bench` section 4; alone:
 * `node dist/bench/receiver-decode.js --child '{"requests":200}'`).
 *
 * 1. Decode only, in this process: the same SDK-made 512-span request decoded
 *    by protobufjs + the plain-object pass (the receiver's trace path before)
 *    and by the wire decoder (now), alternated rounds, CPU per span.
 * 2. Whole receiver over real gRPC: each receiver runs in its own process
 *    (`--serve <mode>`), a grpc-js client here sends the same bytes with 4
 *    calls in flight, and the receiver process reports its own CPU
 *    (user + system) around the run: CPU per span received, gRPC included.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { context, trace } from '@opentelemetry/api';
import { OtlpReceiver } from '../src/collector/otlp-receiver';
import { decodeTraceRequest } from '../src/collector/otlp-decode';
import { loadOtlpServices, loadTraceRequestDecoder } from '../src/collector/otlp-proto';
import type { ReceivedSpan } from '../src/collector/received-types';
import { decodeTraceRequestBytes } from '../src/collector/wire-trace-decode';
import { scanTraceRequest } from '../src/collector/wire-trace-scan';
import { childMain } from './child-process';
import { median } from './stats';

const TRACE_EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** Options of the bench child. */
export interface ReceiverDecodeOptions {
  /** Requests of 512 spans sent to each receiver process (default 200). */
  readonly requests?: number;
  /** Alternated decode-only rounds (default 15). */
  readonly rounds?: number;
}

/**
 * One way of receiving trace requests: `protobufjs` (before), `wire` (decoded on
 * arrival, as `flowgen collector` does with its listener), `scan` (checked and
 * counted only, as a receiver nobody reads on arrival: the bench's, a spec's
 * until it asks for `spans()`).
 */
export type DecodeMode = 'protobufjs' | 'wire' | 'scan';

const MODES: readonly DecodeMode[] = ['protobufjs', 'wire', 'scan'];

/** The numbers for one mode. */
export interface ModeResult {
  readonly mode: DecodeMode;
  /** Decode only: median ns of CPU per span. */
  readonly decodeNsPerSpan: number;
  /** Whole receiver process over gRPC: µs of CPU per span. */
  readonly receiverUsPerSpan: number;
  /** Spans the receiver process counted (a check that it decoded them all). */
  readonly receiverSpans: number;
}

/** Result of the bench child. */
export interface ReceiverDecodeResult {
  readonly spansPerRequest: number;
  readonly requestBytes: number;
  readonly requests: number;
  readonly modes: ModeResult[];
}

/** A 512-span request as the OTel SDK's exporter sends it: task spans with the contract's attributes. */
export async function sdkRequest(): Promise<Buffer> {
  const receiver = await OtlpReceiver.start();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench' }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: receiver.endpoint }), {
        maxExportBatchSize: 512,
        maxQueueSize: 4096,
        scheduledDelayMillis: 60_000,
      }),
    ],
  });
  const tracer = provider.getTracer('flowgen', '0.0.0');
  for (let i = 0; i < 256; i++) {
    const upstream = tracer.startSpan('task.handle', {
      attributes: { task: 'source', task_id: 0, task_type: 'generate', 'event.bytes': 64 },
    });
    const child = tracer.startSpan(
      'task.handle',
      { attributes: { task: 'script', task_id: 1, task_type: 'script', 'event.bytes': 64 } },
      trace.setSpan(context.active(), upstream),
    );
    child.end();
    upstream.end();
  }
  await provider.forceFlush();
  await provider.shutdown();
  const [raw] = receiver.rawRequests();
  await receiver.stop();
  if (!raw) throw new Error('the SDK sent no request');
  return raw;
}

function cpuNs(): bigint {
  const u = process.cpuUsage();
  return BigInt(u.user + u.system) * 1000n;
}

function decodeOnly(raw: Buffer, rounds: number): Record<DecodeMode, number> {
  const protobufjs = loadTraceRequestDecoder();
  const decoders: Record<DecodeMode, (b: Buffer) => number> = {
    protobufjs: (b) => decodeTraceRequest(protobufjs(b)).length,
    wire: (b) => decodeTraceRequestBytes(b).length,
    scan: (b) => scanTraceRequest(b),
  };
  const perRound = 40;
  const samples: Record<DecodeMode, number[]> = { protobufjs: [], wire: [], scan: [] };
  for (let round = -2; round < rounds; round++) {
    for (const mode of round % 2 === 0 ? MODES : [...MODES].reverse()) {
      let spans = 0;
      const start = cpuNs();
      for (let i = 0; i < perRound; i++) spans += decoders[mode](raw);
      const ns = Number(cpuNs() - start);
      if (round >= 0) samples[mode].push(ns / spans);
    }
  }
  return {
    protobufjs: median(samples.protobufjs),
    wire: median(samples.wire),
    scan: median(samples.scan),
  };
}

/** In a `--serve` process: the receiver the way `mode` decodes, answering `cpu` lines on stdin. */
async function serve(mode: DecodeMode): Promise<void> {
  let spans = 0;
  let count = (): number => spans;
  let endpoint: string;
  let stop: () => Promise<void>;
  if (mode !== 'protobufjs') {
    const receiver = await OtlpReceiver.start({
      maxRetained: 1000,
      // A listener makes the receiver decode on arrival; without one it only scans.
      ...(mode === 'wire'
        ? {
            onTrace: (s: ReceivedSpan[]) => {
              spans += s.length;
            },
          }
        : {}),
    });
    if (mode === 'scan') count = () => receiver.stats().received.spans;
    endpoint = receiver.endpoint;
    stop = () => receiver.stop();
  } else {
    // The receiver's trace path before: proto-loader's protobufjs decode, then the plain-object pass.
    const decode = loadTraceRequestDecoder();
    const kept: ReceivedSpan[] = [];
    const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
    server.addService(loadOtlpServices().trace, {
      Export: (
        call: grpc.ServerUnaryCall<{ raw: Buffer }, object>,
        callback: grpc.sendUnaryData<object>,
      ) => {
        const received = decodeTraceRequest(decode(call.request.raw));
        spans += received.length;
        for (const s of received) kept.push(s);
        if (kept.length > 1000) kept.splice(0, kept.length - 1000);
        callback(null, {});
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    endpoint = `http://127.0.0.1:${port}`;
    stop = () => new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  }
  process.stdout.write(`${JSON.stringify({ endpoint })}\n`);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', () => {
    process.stdout.write(`${JSON.stringify({ cpuNs: Number(cpuNs()), spans: count() })}\n`);
  });
  lines.on('close', () => {
    void stop().then(() => process.exit(0));
  });
}

/** A `--serve` child with a line-based request/answer channel. */
function startServer(mode: DecodeMode): Promise<{
  endpoint: string;
  ask: () => Promise<{ cpuNs: number; spans: number }>;
  child: ChildProcess;
}> {
  const child = spawn(process.execPath, [__filename, '--serve', mode], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const queue: ((line: string) => void)[] = [];
  lines.on('line', (line) => queue.shift()?.(line));
  const next = () => new Promise<string>((resolve) => queue.push(resolve));
  return next().then((first) => ({
    endpoint: (JSON.parse(first) as { endpoint: string }).endpoint,
    ask: () => {
      const answer = next();
      child.stdin.write('cpu\n');
      return answer.then((line) => JSON.parse(line) as { cpuNs: number; spans: number });
    },
    child,
  }));
}

async function send(endpoint: string, raw: Buffer, requests: number): Promise<void> {
  const client = new grpc.Client(
    endpoint.replace('http://', ''),
    grpc.credentials.createInsecure(),
  );
  const one = () =>
    new Promise<void>((resolve, reject) =>
      client.makeUnaryRequest(
        TRACE_EXPORT,
        (b: Buffer) => b,
        (b: Buffer) => b,
        raw,
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  let left = requests;
  const lane = async (): Promise<void> => {
    while (left > 0) {
      left--;
      await one();
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
  client.close();
}

async function overGrpc(mode: DecodeMode, raw: Buffer, requests: number) {
  const server = await startServer(mode);
  try {
    await send(server.endpoint, raw, 20); // warm-up
    const before = await server.ask();
    await send(server.endpoint, raw, requests);
    const after = await server.ask();
    const spans = after.spans - before.spans;
    return { usPerSpan: (after.cpuNs - before.cpuNs) / 1000 / spans, spans };
  } finally {
    server.child.stdin!.end();
    await new Promise((resolve) => server.child.once('exit', resolve));
  }
}

/** Runs both measurements for both modes. */
export async function receiverDecode(
  options: ReceiverDecodeOptions,
): Promise<ReceiverDecodeResult> {
  const requests = options.requests ?? 200;
  const raw = await sdkRequest();
  const spansPerRequest = decodeTraceRequestBytes(raw).length;
  const decode = decodeOnly(raw, options.rounds ?? 15);
  const modes: ModeResult[] = [];
  for (const mode of MODES) {
    const grpcRun = await overGrpc(mode, raw, requests);
    modes.push({
      mode,
      decodeNsPerSpan: decode[mode],
      receiverUsPerSpan: grpcRun.usPerSpan,
      receiverSpans: grpcRun.spans,
    });
  }
  return { spansPerRequest, requestBytes: raw.length, requests, modes };
}

const serveAt = process.argv.indexOf('--serve');
if (require.main === module && serveAt >= 0) {
  const mode = process.argv[serveAt + 1] as DecodeMode;
  void serve(MODES.includes(mode) ? mode : 'wire');
} else {
  childMain(module, receiverDecode);
}
