import { expect } from 'chai';
import { LineCounter, parseDocument } from 'yaml';
import { parseYamlConfig } from '../../src/config/read-yaml-config';
import { yamlLineLookup } from '../../src/config/yaml-source';

describe('config/yaml-source', () => {
  const text = [
    'telemetry:', //            1
    '  enabled: true', //       2
    'tasks:', //                3
    '  - name: a', //           4
    '    config:', //           5
    '      url: http://x', //   6
    '  - name: b', //           7
    'base: &base', //           8
    '  retries: 2', //          9
    'copy: *base', //          10
    '',
  ].join('\n');
  const lineCounter = new LineCounter();
  const lineOf = yamlLineLookup(parseDocument(text, { lineCounter }), lineCounter);

  it('finds keys and list items, with numeric or string indexes', () => {
    expect(lineOf(['telemetry'])).to.equal(1);
    expect(lineOf(['telemetry', 'enabled'])).to.equal(2);
    expect(lineOf(['tasks', 0, 'config', 'url'])).to.equal(6);
    expect(lineOf(['tasks', '1', 'name'])).to.equal(7);
    expect(lineOf(['tasks', 1])).to.equal(7);
  });

  it('falls back to the deepest existing ancestor', () => {
    expect(lineOf(['telemetry', 'service_name'])).to.equal(1);
    expect(lineOf(['tasks', 5, 'name'])).to.equal(3);
    expect(lineOf(['telemetry', 'enabled', 'deeper'])).to.equal(2);
    expect(lineOf([])).to.equal(1);
  });

  it('follows aliases', () => {
    expect(lineOf(['copy', 'retries'])).to.equal(9);
  });

  it('parseYamlConfig returns plain values and a root-relative lookup', () => {
    const source = parseYamlConfig(text, 'flow.yaml');
    expect(source.file).to.equal('flow.yaml');
    expect(source.value).to.deep.include({ telemetry: { enabled: true } });
    expect(source.lineOf(['tasks', 0, 'config'])).to.equal(5);
  });
});
