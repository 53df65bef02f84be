import { OtlpReceiver } from '../../../src/collector/otlp-receiver';
import { EnvScope, OTEL_ENV_UNSET } from './env-scope';
import type { OtlpReceiverOptions } from '../../../src/collector/received-types';
import { loadWorkerConfig } from '../../../src/config/worker-config';
import { parseFlow } from '../../../src/runtime/flow-loader';
import { runFlow } from '../../../src/run-flow';
import type { FlowRunResult } from '../../../src/run-flow';
import type { CreateProvidersOptions } from '../../../src/telemetry/create-providers';
import type { Logger } from '../../../src/telemetry/logger';

/** The service name every export spec configures unless it says otherwise. */
export const SERVICE_NAME = 'flowgen-e2e';

/** Fast telemetry settings: spans leave every 100 ms, metrics every 200 ms. */
export const FAST_TELEMETRY = {
  enabled: true,
  service_name: SERVICE_NAME,
  metrics_export_interval: '200ms',
  batch: { scheduled_delay: '100ms', export_timeout: '2s' },
} as const;

/** Retries that fail fast: two attempts, a few ms apart. */
export const FAST_RETRY = { max_attempts: 2, initial_backoff: '2ms', max_backoff: '5ms' } as const;

/** What {@link runExportingFlow} runs. */
export interface ExportRun {
  /** Flow YAML text. */
  readonly flow: string;
  /**
   * The `telemetry:` block as the YAML would give it; `undefined` omits the block.
   * Not merged with anything: use {@link telemetryTo} for the usual one.
   */
  readonly telemetry: Record<string, unknown> | undefined;
  /** Other worker keys (retry, shutdown_timeout...); retry defaults to {@link FAST_RETRY}. */
  readonly worker?: Record<string, unknown>;
  /** Options for the providers runFlow builds (e.g. a shorter shutdown bound). */
  readonly providers?: CreateProvidersOptions;
  /** Logger for the worker and its tasks. */
  readonly logger?: Logger;
}

/** What a run returned, and how long it took. */
export interface ExportRunOutcome {
  readonly result: FlowRunResult;
  /** Wall time of `runFlow`, from the call to its return (telemetry shutdown included). */
  readonly elapsedMs: number;
  /** `Date.now()` when runFlow returned: everything exported arrived before it. */
  readonly returnedAt: number;
}

/** The usual `telemetry:` block pointed at `endpoint`, with `overrides` on top (shallow). */
export function telemetryTo(
  endpoint: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return { ...FAST_TELEMETRY, otlp_endpoint: endpoint, ...overrides };
}

/**
 * Runs a flow with `runFlow`, building telemetry from the worker config exactly
 * as the CLI does: the unmodified OTLP/gRPC exporters, a new child container.
 * When it returns, telemetry has been shut down (flushed) by runFlow itself.
 */
export async function runExportingFlow(run: ExportRun): Promise<ExportRunOutcome> {
  const worker = loadWorkerConfig({
    retry: FAST_RETRY,
    ...(run.telemetry === undefined ? {} : { telemetry: run.telemetry }),
    ...run.worker,
  });
  const started = Date.now();
  const result = await runFlow({
    flow: parseFlow(run.flow, 'e2e.yaml'),
    worker,
    ...(run.providers === undefined ? {} : { providers: run.providers }),
    ...(run.logger === undefined ? {} : { logger: run.logger }),
  });
  const returnedAt = Date.now();
  return { result, elapsedMs: returnedAt - started, returnedAt };
}

/** Receivers started by {@link ReceiverPool.start}, all stopped by {@link ReceiverPool.stopAll}. */
export class ReceiverPool {
  private readonly started: OtlpReceiver[] = [];

  /** Starts a receiver on a free loopback port. */
  async start(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
    const receiver = await OtlpReceiver.start({ port: 0, ...options });
    this.started.push(receiver);
    return receiver;
  }

  /** Stops every receiver started so far. */
  async stopAll(): Promise<void> {
    await Promise.all(this.started.splice(0).map((r) => r.stop()));
  }
}

/** What an export spec works with: receivers and env changes, undone after each test. */
export interface ExportScene {
  /** Receivers started in a test, stopped after it. */
  readonly receivers: ReceiverPool;
  /** Environment changes, restored after each test (OTEL_* variables start unset). */
  readonly env: EnvScope;
}

/**
 * Registers the hooks of an export spec: every test starts with the OTEL_*
 * variables unset, and its env changes and receivers are undone after it.
 * Call it inside `describe`.
 */
export function exportScene(): ExportScene {
  const scene = { receivers: new ReceiverPool(), env: new EnvScope() };
  beforeEach(() => scene.env.set(OTEL_ENV_UNSET));
  afterEach(async () => {
    scene.env.restore();
    await scene.receivers.stopAll();
  });
  return scene;
}
