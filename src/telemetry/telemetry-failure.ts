/**
 * Where telemetry failures go. Telemetry never throws into user code: every
 * call into a tracer, meter or exporter that fails is caught and reported
 * here, and the user's code goes on with its own result or error.
 */
export type TelemetryFailureListener = (error: unknown, where: string) => void;

let listener: TelemetryFailureListener | undefined;

/** Reports a caught telemetry failure; never throws. */
export function reportTelemetryFailure(error: unknown, where: string): void {
  try {
    listener?.(error, where);
  } catch {
    // A failing listener must not turn a telemetry failure into a user-visible one.
  }
}

/**
 * Sets the function told about caught telemetry failures (the worker sets a
 * rate-limited logger). Returns the previous one, so specs can restore it.
 */
export function setTelemetryFailureListener(
  next: TelemetryFailureListener | undefined,
): TelemetryFailureListener | undefined {
  const previous = listener;
  listener = next;
  return previous;
}
