/**
 * Base class of every error the toolkit throws on purpose. Each subclass has a
 * stable `code` that programs can switch on, and a message that says what to do.
 *
 * @example
 * ```ts
 * try { loadTelemetryConfig(raw); } catch (e) {
 *   if (e instanceof FlowgenError && e.code === 'FLOWGEN_CONFIG_INVALID') process.exit(2);
 * }
 * ```
 */
export class FlowgenError extends Error {
  /** A stable, machine-readable identifier of the kind of failure. */
  public readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
