/**
 * `node dist/bench/lean-receiver-child.js`: the stand-in for a fast
 * collector. A plain grpc-js server that takes OTLP trace and metric Export
 * calls as raw bytes and only counts the spans in them (no decode), so the
 * bench measures the sending side rather than the built-in receiver's
 * protobufjs decode. Prints `{"endpoint": ...}` on its first stdout line,
 * and on stdin end (with BENCH_LEAN_VERBOSE set) its counts on stderr; then exits.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { ServiceDefinition, handleUnaryCall } from '@grpc/grpc-js';
import { countSpans } from './count-spans';

const raw = (b: Buffer): Buffer => b;

function exportService(path: string): ServiceDefinition {
  return {
    Export: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: raw,
      requestDeserialize: raw,
      responseSerialize: raw,
      responseDeserialize: raw,
    },
  };
}

async function main(): Promise<void> {
  let spans = 0;
  let calls = 0;
  const empty = Buffer.alloc(0); // an empty Export*ServiceResponse
  const traces: handleUnaryCall<Buffer, Buffer> = (call, callback) => {
    calls++;
    spans += countSpans(call.request);
    callback(null, empty);
  };
  const metrics: handleUnaryCall<Buffer, Buffer> = (_call, callback) => callback(null, empty);
  const server = new Server();
  server.addService(exportService('/opentelemetry.proto.collector.trace.v1.TraceService/Export'), {
    Export: traces,
  });
  server.addService(
    exportService('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export'),
    { Export: metrics },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    ),
  );
  process.stdout.write(`${JSON.stringify({ endpoint: `http://127.0.0.1:${port}` })}\n`);
  process.stdin.resume();
  process.stdin.once('end', () => {
    if (process.env['BENCH_LEAN_VERBOSE'] !== undefined) {
      process.stderr.write(`${JSON.stringify({ spans, calls })}\n`);
    }
    server.forceShutdown();
    process.exit(0);
  });
}

void main();
