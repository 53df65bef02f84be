import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../src/config/config-error';
import { parseYamlConfig, readYamlConfigFile } from '../../src/config/read-yaml-config';
import { MAX_CONFIG_FILE_BYTES, MAX_YAML_DEPTH } from '../../src/config/yaml-limits';
import { findDeepNesting } from '../../src/config/yaml-nesting';
import { loadWorkerConfigFile } from '../../src/config/worker-config';
import { loadFlowFile, parseFlow } from '../../src/runtime/flow-loader';
import { ALIAS_BOMB } from '../reliability/fixtures/bad-input-cases';

/** What `fn` threw, as a ConfigError (fails when it returned or threw something else). */
function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
  return expect.fail('accepted');
}

const FLOW_HEAD = 'flow:\n  name: x\n  tasks:\n    - generate: { name: g, count: 1 }\n';

describe('config/parse-yaml-document: hostile YAML is a ConfigError, never a crash', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowgen-hostile-yaml-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const deepShapes: [string, string][] = [
    ['10,000 nested flow sequences', `deep: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`],
    ['10,000 nested flow maps', `deep: ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}\n`],
    ['10,000 compact list items on one line', `deep: ${'- '.repeat(10_000)}x\n`],
    ['10,000 anchors in a row', `deep: ${'&a '.repeat(10_000)}x\n`],
    ['10,000 tags in a row', `deep: ${'!t '.repeat(10_000)}x\n`],
  ];
  for (const [title, yaml] of deepShapes) {
    it(`a flow with ${title}: a ConfigError naming the file, the line and the limit`, () => {
      const file = join(dir, 'deep.yaml');
      writeFileSync(file, FLOW_HEAD + yaml);
      const error = configErrorOf(() => loadFlowFile(file));
      expect(error.issues).to.have.length(1);
      expect(error.issues[0]).to.include({ file, line: 5, kind: 'syntax' });
      expect(error.message).to.contain(`Invalid config in ${file}:`);
      expect(error.message).to.match(/YAML nested \d+ levels deep; at most 64 levels are allowed/);
      expect(error.message).not.to.match(/\n\s+at /);
    });
  }

  it('the same bound holds for worker config files', () => {
    const error = configErrorOf(() => parseYamlConfig(`retry: ${'['.repeat(5000)}`, 'w.yaml'));
    expect(error.issues[0]).to.include({ file: 'w.yaml', line: 1 });
    expect(error.message).to.contain(`at most ${MAX_YAML_DEPTH} levels`);
  });

  it('an alias bomb is a ConfigError in flows and in worker configs', () => {
    const flowError = configErrorOf(() => parseFlow(FLOW_HEAD + ALIAS_BOMB, 'bomb.yaml'));
    expect(flowError.message)
      .to.contain('bomb.yaml')
      .and.contain('YAML aliases expand too much (more than 100 alias uses');
    const workerError = configErrorOf(() => parseYamlConfig(ALIAS_BOMB, 'w.yaml'));
    expect(workerError.issues[0]?.message).to.match(/^YAML aliases expand too much/);
  });

  it('a few aliases still work', () => {
    const { value } = parseYamlConfig('base: &b { retries: 2 }\ncopy: *b\n');
    expect(value).to.deep.equal({ base: { retries: 2 }, copy: { retries: 2 } });
  });

  it('a file over the size limit is rejected before it is read, naming the file and the limit', () => {
    const file = join(dir, 'large.yaml');
    writeFileSync(file, `# ${'x'.repeat(MAX_CONFIG_FILE_BYTES)}\nretry: {}\n`);
    for (const load of [() => loadWorkerConfigFile(file), () => loadFlowFile(file)]) {
      const error = configErrorOf(load);
      expect(error.issues[0]?.file).to.equal(file);
      expect(error.message).to.match(
        /the file is 1048\d{3} bytes; at most 1048576 bytes are allowed for a config or flow file/,
      );
    }
    // Text given directly is held to the same bound.
    expect(() => readYamlConfigFile(file)).to.throw(ConfigError);
    expect(() => parseYamlConfig('a'.repeat(MAX_CONFIG_FILE_BYTES + 1))).to.throw(
      ConfigError,
      /bytes/,
    );
  });

  it('reports duplicate keys at their line and column, also among 40k keys', () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `k${i}: ${i}`);
    keys.push('k7: again');
    const error = configErrorOf(() => parseYamlConfig(`${keys.join('\n')}\n`, 'dup.yaml'));
    expect(error.issues).to.have.length(1);
    expect(error.issues[0]).to.include({ line: 40_001, column: 1 });
    expect(error.issues[0]?.message).to.match(/Map keys must be unique/);
  });

  describe('findDeepNesting', () => {
    it('counts indentation levels, indicators and brackets', () => {
      // three indentation levels + two open brackets
      expect(findDeepNesting('a:\n  b:\n    c: [1, [2]]\n', 5)).to.equal(undefined);
      expect(findDeepNesting('a:\n  b:\n    c: [1, [2]]\n', 4)).to.deep.equal({
        line: 3,
        depth: 5,
      });
      // one indentation level + three `-` indicators
      expect(findDeepNesting('- - - x\n', 4)).to.equal(undefined);
      expect(findDeepNesting('- - - - x\n', 4)).to.deep.equal({ line: 1, depth: 5 });
    });

    it('skips brackets in quoted strings, comments and block scalars', () => {
      const text = [
        'a: "[[[[[[[[[["',
        "b: '{{{{{{{{{{'",
        'c: 1 # [[[[[[[[[[',
        'script: |',
        '  if (a) { if (b) { if (c) { if (d) { if (e) { [[[[[[ ',
        'd: 2',
        '',
      ].join('\n');
      expect(findDeepNesting(text, 3)).to.equal(undefined);
    });

    it('carries open brackets across lines', () => {
      const text = 'a: [\n  [\n    [\n      [1]\n    ]\n  ]\n]\n';
      expect(findDeepNesting(text, 4)).to.deep.include({ line: 4 });
    });

    it('is linear: a 1 MiB line of brackets is measured without recursion', () => {
      const text = `x: ${'['.repeat(MAX_CONFIG_FILE_BYTES)}`;
      expect(findDeepNesting(text, MAX_YAML_DEPTH)).to.deep.equal({
        line: 1,
        depth: MAX_CONFIG_FILE_BYTES + 1,
      });
    });
  });
});
