import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  INSTRUMENTATION_SCOPE,
  INSTRUMENTATION_VERSION,
} from '../../src/telemetry/instrumentation-scope';

describe('instrumentation scope', () => {
  it('carries the name and version of the package.json it ships with', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      name: string;
      version: string;
    };
    expect(INSTRUMENTATION_SCOPE).to.equal(pkg.name);
    expect(INSTRUMENTATION_VERSION).to.equal(pkg.version);
  });
});
