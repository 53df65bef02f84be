import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Instrumentation scope name of every tracer and meter the toolkit makes. */
export const INSTRUMENTATION_SCOPE = 'flowgen-ts';

/**
 * Instrumentation scope version: the `version` of this package's own
 * package.json, so a release never reports a stale number. The file is two
 * levels up from the sources (`src/telemetry`) and three from the build
 * (`dist/src/telemetry`); both are tried, and the name is checked so that a
 * consumer's package.json is never read by mistake.
 */
export const INSTRUMENTATION_VERSION = ownVersion();

function ownVersion(): string {
  for (const up of [
    ['..', '..'],
    ['..', '..', '..'],
  ]) {
    try {
      const pkg = JSON.parse(readFileSync(join(__dirname, ...up, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === INSTRUMENTATION_SCOPE && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here: try the next level
    }
  }
  return '0.0.0';
}
