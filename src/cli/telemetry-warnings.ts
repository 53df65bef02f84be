import { diag, DiagLogLevel, ROOT_CONTEXT } from '@opentelemetry/api';
import { contextManager } from '../telemetry/context-manager';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { warnEvery } from '../telemetry/logger';
import { setTelemetryFailureListener } from '../telemetry/telemetry-failure';

/** How often the same telemetry failure may be logged. */
export const TELEMETRY_WARNING_INTERVAL_MS = 30_000;

/**
 * For a process the `flowgen` command owns: telemetry failures (an exporter
 * that cannot reach the collector, a failing instrument) are logged to stderr
 * at most once per interval per kind, never once per span, and never thrown.
 */
export function installTelemetryWarnings(intervalMs = TELEMETRY_WARNING_INTERVAL_MS): void {
  const exportFailed = outsideSpans(warnEvery('otel-export', intervalMs));
  const diagnostic = outsideSpans(warnEvery('otel-diag', intervalMs));
  const toolkit = outsideSpans(warnEvery('flowgen-telemetry', intervalMs));
  setGlobalErrorHandler((error) => {
    exportFailed(
      { error: describe(error) },
      'telemetry export failed; will retry on the next batch',
    );
  });
  diag.setLogger(
    {
      error: (message, ...args) => diagnostic({ detail: args.map(String) }, message),
      warn: (message, ...args) => diagnostic({ detail: args.map(String) }, message),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  setTelemetryFailureListener((error, where) => {
    toolkit({ error: describe(error), where }, 'telemetry call failed; the handler went on');
  });
}

/*
 * An export runs in whatever context ended the batch (often a handler's span);
 * its failure is not part of that trace, so it is logged without trace ids.
 */
function outsideSpans(
  warn: (obj: object, msg: string) => boolean,
): (obj: object, msg: string) => boolean {
  return (obj, msg) => contextManager.with(ROOT_CONTEXT, () => warn(obj, msg));
}

function describe(error: unknown): { type: string; message: string } {
  if (error instanceof Error) return { type: error.constructor.name, message: error.message };
  return { type: typeof error, message: String(error) };
}
