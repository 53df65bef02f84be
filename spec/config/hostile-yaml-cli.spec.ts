/*
 * `flowgen run` on hostile flow files (real processes): an alias bomb, 10k-deep
 * nesting and an oversized file each exit 2 with the file and one readable
 * message, never exit 1 with a stack trace.
 */
import { expect } from 'chai';
import { ProcessPool, TempDir, assertBuilt } from '../e2e/support/spawn-worker';
import { ALIAS_BOMB } from '../reliability/fixtures/bad-input-cases';

const FLOW_HEAD = 'flow:\n  name: hostile\n  tasks:\n    - generate: { name: g, count: 1 }\n';

const CASES: { title: string; yaml: string; message: RegExp }[] = [
  {
    title: 'an alias bomb',
    yaml: FLOW_HEAD + ALIAS_BOMB,
    message: /YAML aliases expand too much \(more than 100 alias uses/,
  },
  {
    title: '10,000-deep nesting',
    yaml: `${FLOW_HEAD}deep: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`,
    message: /line 5: YAML nested 10001 levels deep; at most 64 levels are allowed/,
  },
  {
    title: 'a file over 1 MiB',
    yaml: `${FLOW_HEAD}# ${'x'.repeat(1024 * 1024)}\n`,
    message: /at most 1048576 bytes are allowed for a config or flow file/,
  },
];

describe('config: hostile flow files exit 2 with a clear message (real processes)', () => {
  const pool = new ProcessPool();
  let dir: TempDir;

  before(assertBuilt);
  beforeEach(() => {
    dir = new TempDir('flowgen-hostile-yaml-');
  });
  afterEach(async () => {
    await pool.killAll();
    dir.remove();
  });

  for (const c of CASES) {
    it(`${c.title}: exit 2 naming the file, no stack trace`, async () => {
      const file = dir.write('hostile.yaml', c.yaml);
      const worker = pool.spawn(['run', file], { label: `flowgen run (${c.title})` });
      const { code } = await worker.waitForExit(15_000);
      const err = worker.stderr();
      expect(code, err.slice(0, 2000)).to.equal(2);
      expect(err).to.contain(`Invalid config in ${file}:`);
      expect(err).to.match(c.message);
      expect(err, 'one readable message, no stack trace').not.to.match(/\n\s+at /);
      expect(worker.stdout()).to.equal('');
    });
  }
});
