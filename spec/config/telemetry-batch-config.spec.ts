import { expect } from 'chai';
import { ConfigError } from '../../src/config/config-error';
import { loadTelemetryConfig } from '../../src/config/telemetry-config';

function rejection(batch: Record<string, unknown>): ConfigError {
  try {
    loadTelemetryConfig({ enabled: true, batch });
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
  expect.fail(`expected batch ${JSON.stringify(batch)} to be rejected`);
}

describe('config/telemetry-batch-config: max_queue_bytes', () => {
  it('defaults to 16 MiB and takes a whole number of at least 65536', () => {
    expect(loadTelemetryConfig({ enabled: true })?.batch.max_queue_bytes).to.equal(16_777_216);
    const config = loadTelemetryConfig({ enabled: true, batch: { max_queue_bytes: 65_536 } });
    expect(config?.batch.max_queue_bytes).to.equal(65_536);
  });

  for (const [label, value] of [
    ['below one request', 65_535],
    ['zero', 0],
    ['a fraction', 100_000.5],
    ['a string', '16MiB'],
  ] as const) {
    it(`rejects ${label} (${JSON.stringify(value)}), naming the field, the value and the bound`, () => {
      const error = rejection({ max_queue_bytes: value });
      expect(error.issues.map((i) => i.path)).to.deep.equal(['telemetry.batch.max_queue_bytes']);
      expect(error.issues[0]?.value).to.equal(value);
      expect(error.issues[0]?.message).to.match(/whole number of at least 65536/);
      expect(error.message).to.contain('telemetry.batch.max_queue_bytes');
    });
  }

  it('suggests max_queue_bytes for a near miss', () => {
    const error = rejection({ max_queue_byte: 1_000_000 });
    expect(error.message).to.match(/did you mean "max_queue_bytes"/);
  });
});
