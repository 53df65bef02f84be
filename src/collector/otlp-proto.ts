import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CollectorError } from './collector-error';

/** Path of the trace service file, relative to the proto root. */
const TRACE_SERVICE_PROTO = 'opentelemetry/proto/collector/trace/v1/trace_service.proto';
/** Path of the metrics service file, relative to the proto root. */
const METRICS_SERVICE_PROTO = 'opentelemetry/proto/collector/metrics/v1/metrics_service.proto';

/** Fully qualified gRPC service names, as the OTLP exporters call them. */
const TRACE_SERVICE = 'opentelemetry.proto.collector.trace.v1.TraceService';
const METRICS_SERVICE = 'opentelemetry.proto.collector.metrics.v1.MetricsService';

/**
 * A request as the receiver's handlers get it: the message bytes (after gRPC
 * decompression), and for metrics the decoded object next to them. Keeping the
 * bytes is what lets a spec grep everything a process sent, e.g. to prove a
 * payload never left it.
 */
export interface RawAndDecoded {
  /** The protobuf request message, decompressed. */
  readonly raw: Buffer;
  /**
   * Metrics: proto-loader's plain-object decoding of `raw` (camelCase keys, int64
   * as strings). Traces: absent; the receiver walks their bytes itself, which
   * costs a fraction of building protobufjs objects first (the hot path).
   */
  readonly decoded?: unknown;
  /** Set by the compression interceptor: whether the message was compressed on the wire. */
  compressed?: boolean;
}

/** The two OTLP services, ready for `server.addService`. */
export interface OtlpServiceDefinitions {
  /** `opentelemetry.proto.collector.trace.v1.TraceService`. */
  readonly trace: grpc.ServiceDefinition;
  /** `opentelemetry.proto.collector.metrics.v1.MetricsService`. */
  readonly metrics: grpc.ServiceDefinition;
}

/**
 * proto-loader options: `longs: String` keeps int64/fixed64 exact (nanosecond
 * times exceed 2^53), `defaults: false` keeps "absent" distinguishable from
 * "zero", and `oneofs: true` names the set member of `AnyValue` / `NumberDataPoint`.
 */
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: Number,
  defaults: false,
  arrays: true,
  oneofs: true,
};

/**
 * Finds the `proto/` directory of the package by walking up from this file: it
 * sits two levels up from `src/collector/` and three from `dist/src/collector/`.
 */
export function findProtoRoot(start: string = __dirname): string {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, 'proto');
    if (fs.existsSync(path.join(candidate, TRACE_SERVICE_PROTO))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new CollectorError(
        'FLOWGEN_COLLECTOR_PROTO',
        `Could not find the OTLP proto files (proto/${TRACE_SERVICE_PROTO}) in any parent of ${start}. ` +
          'They ship in the package under proto/; reinstall flowgen-ts if they are missing.',
      );
    }
    dir = parent;
  }
}

let cached: OtlpServiceDefinitions | undefined;

/**
 * Loads the OTLP collector services once per process and rewrites each method's
 * request deserializer to keep the raw bytes next to the decoded object.
 */
export function loadOtlpServices(): OtlpServiceDefinitions {
  if (cached) return cached;
  const root = findProtoRoot();
  let pkg: protoLoader.PackageDefinition;
  try {
    pkg = protoLoader.loadSync([TRACE_SERVICE_PROTO, METRICS_SERVICE_PROTO], {
      ...LOADER_OPTIONS,
      includeDirs: [root],
    });
  } catch (cause) {
    throw new CollectorError(
      'FLOWGEN_COLLECTOR_PROTO',
      `Could not load the OTLP proto files from ${root}: ${String(cause)}`,
      { cause },
    );
  }
  cached = {
    trace: keepRawRequests(serviceOf(pkg, TRACE_SERVICE), false),
    metrics: keepRawRequests(serviceOf(pkg, METRICS_SERVICE), true),
  };
  return cached;
}

function serviceOf(
  pkg: protoLoader.PackageDefinition,
  name: string,
): protoLoader.ServiceDefinition {
  const entry = pkg[name];
  if (!entry || !('Export' in entry)) {
    throw new CollectorError('FLOWGEN_COLLECTOR_PROTO', `Service ${name} is missing from proto/.`);
  }
  return entry;
}

function keepRawRequests(
  service: protoLoader.ServiceDefinition,
  decodeWithProtobufjs: boolean,
): grpc.ServiceDefinition {
  const methods: Record<string, grpc.MethodDefinition<RawAndDecoded, object>> = {};
  for (const [method, def] of Object.entries(service)) {
    const decode = def.requestDeserialize;
    methods[method] = {
      ...def,
      requestDeserialize: decodeWithProtobufjs
        ? (raw: Buffer): RawAndDecoded => ({ raw, decoded: decode(raw) })
        : (raw: Buffer): RawAndDecoded => ({ raw }),
    };
  }
  return methods;
}

/**
 * The protobufjs decoder of `ExportTraceServiceRequest` (plain objects as
 * {@link RawAndDecoded.decoded} describes): the receiver's trace path before it
 * walked the bytes itself. Kept as the reference that the wire decoder is
 * checked against (spec) and measured against (bench/receiver-decode.ts).
 */
export function loadTraceRequestDecoder(): (raw: Buffer) => unknown {
  const pkg = protoLoader.loadSync([TRACE_SERVICE_PROTO], {
    ...LOADER_OPTIONS,
    includeDirs: [findProtoRoot()],
  });
  return serviceOf(pkg, TRACE_SERVICE)['Export']!.requestDeserialize;
}
