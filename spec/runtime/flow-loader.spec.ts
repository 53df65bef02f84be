import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/config-error';
import { loadFlowFile, parseFlow } from '../../src/runtime/flow-loader';

const FILE = 'flows/test.yaml';

/** The issues parseFlow reports for `lines` (joined with newlines), or fails. */
function issuesOf(lines: string[]): ConfigError['issues'] {
  try {
    parseFlow(lines.join('\n') + '\n', FILE);
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
  expect.fail('expected parseFlow to throw a ConfigError');
}

const HEAD = ['flow:', '  name: orders', '  tasks:'];

describe('parseFlow', () => {
  it('parses the example flow: types, names, config without reserved keys, resolved deps, lines', () => {
    const def = parseFlow(
      [
        'flow:',
        '  name: orders',
        '  tasks:',
        '    - generate: { name: tick, interval: 1s, count: 5 }',
        '    - script:   { name: enrich, code: "event.data.total = event.data.n * 2; event" }',
        '    - log:      { name: out, level: info, depends_on: [enrich] }',
        '',
      ].join('\n'),
      FILE,
    );
    expect(def).to.deep.equal({
      name: 'orders',
      file: FILE,
      tasks: [
        {
          id: 0,
          type: 'generate',
          name: 'tick',
          config: { interval: '1s', count: 5 },
          dependsOn: [],
          line: 4,
        },
        {
          id: 1,
          type: 'script',
          name: 'enrich',
          config: { code: 'event.data.total = event.data.n * 2; event' },
          dependsOn: ['tick'],
          line: 5,
        },
        {
          id: 2,
          type: 'log',
          name: 'out',
          config: { level: 'info' },
          dependsOn: ['enrich'],
          line: 6,
        },
      ],
    });
  });

  it('keeps explicit fan-out / fan-in deps, an empty depends_on, and the raw retry object', () => {
    const def = parseFlow(
      [
        ...HEAD,
        '    - generate: { name: a }',
        '    - log: { name: b, depends_on: [a] }',
        '    - log: { name: c, depends_on: [a] }',
        '    - log:',
        '        name: d',
        '        depends_on: [b, c]',
        '        retry: { max_attempts: 3, initial_backoff: 1s }',
        '    - generate: { name: e, depends_on: [] }',
      ].join('\n'),
    );
    expect(def.file).to.equal(undefined);
    expect(def.tasks.map((t) => t.dependsOn)).to.deep.equal([[], ['a'], ['a'], ['b', 'c'], []]);
    expect(def.tasks[3]?.retry).to.deep.equal({ max_attempts: 3, initial_backoff: '1s' });
    expect(def.tasks[3]?.config).to.deep.equal({});
    expect(def.tasks[3]?.line).to.equal(7);
    expect(def.tasks[0]).not.to.have.property('retry');
  });

  it('leaves other top-level blocks (telemetry) alone', () => {
    const def = parseFlow(
      ['telemetry:', '  enabled: false', ...HEAD, '    - log: { name: out }'].join('\n'),
    );
    expect(def.tasks.map((t) => t.name)).to.deep.equal(['out']);
  });

  interface BadCase {
    title: string;
    yaml: string[];
    path: string;
    line: number;
    /** Only for YAML syntax errors. */
    column?: number;
    value?: unknown;
    /** What the message must say: the problem and what is allowed. */
    message: RegExp;
  }

  const cases: BadCase[] = [
    {
      title: 'YAML syntax error',
      yaml: [...HEAD, '    - log: { name: out'],
      path: '',
      line: 5,
      column: 1,
      message: /YAML syntax error: .*allowed: well-formed YAML/,
    },
    {
      title: 'duplicate YAML key',
      yaml: [...HEAD, '    - log: { name: a, name: b }'],
      path: '',
      line: 4,
      column: 23,
      message: /YAML syntax error: Map keys must be unique.*allowed/,
    },
    {
      title: 'empty file',
      yaml: [],
      path: 'flow',
      line: 1,
      message: /missing: a flow file needs a top-level `flow:` map with `name` and `tasks`/,
    },
    {
      title: 'missing flow',
      yaml: ['flows:', '  name: x'],
      path: 'flow',
      line: 1,
      message: /missing: .*`flow:` map with `name` and `tasks`/,
    },
    {
      title: 'flow is not a map',
      yaml: ['flow: [a]'],
      path: 'flow',
      line: 1,
      value: ['a'],
      message: /must be a map; allowed keys: name, tasks/,
    },
    {
      title: 'unknown key under flow, with a suggestion',
      yaml: [...HEAD, '    - log: { name: out }', '  taks: []'],
      path: 'flow.taks',
      line: 5,
      message: /unknown key; did you mean "tasks"\? allowed keys under flow: name, tasks/,
    },
    {
      title: 'missing flow name',
      yaml: ['flow:', '  tasks:', '    - log: { name: out }'],
      path: 'flow.name',
      line: 2,
      message: /missing: the flow needs a `name`, a non-empty string/,
    },
    {
      title: 'empty flow name',
      yaml: ['flow:', '  name: "  "', '  tasks:', '    - log: { name: out }'],
      path: 'flow.name',
      line: 2,
      value: '  ',
      message: /must be a non-empty string/,
    },
    {
      title: 'missing tasks',
      yaml: ['flow:', '  name: x'],
      path: 'flow.tasks',
      line: 2,
      message: /missing: the flow needs a non-empty list of tasks, e\.g\. `- log: /,
    },
    {
      title: 'empty tasks',
      yaml: ['flow:', '  name: x', '  tasks: []'],
      path: 'flow.tasks',
      line: 3,
      value: [],
      message: /must be a non-empty list of tasks, e\.g\./,
    },
    {
      title: 'tasks is a map',
      yaml: ['flow:', '  name: x', '  tasks:', '    log: { name: out }'],
      path: 'flow.tasks',
      line: 4,
      message: /must be a non-empty list of tasks/,
    },
    {
      title: 'entry is a scalar',
      yaml: [...HEAD, '    - log'],
      path: 'flow.tasks[0]',
      line: 4,
      value: 'log',
      message: /must be a map with exactly one key, the task type; e\.g\. `- log: /,
    },
    {
      title: 'entry with two keys',
      yaml: [...HEAD, '    - log: { name: a }', '      script: { name: b }'],
      path: 'flow.tasks[0]',
      line: 4,
      message: /exactly one key, the task type \(got log, script\)/,
    },
    {
      title: 'task body is not a map',
      yaml: [...HEAD, '    - log: out'],
      path: 'flow.tasks[0].log',
      line: 4,
      value: 'out',
      message: /must be a map of the task's settings with at least `name`/,
    },
    {
      title: 'task body is empty',
      yaml: [...HEAD, '    - generate: { name: a }', '    - log:'],
      path: 'flow.tasks[1].log',
      line: 5,
      value: null,
      message: /must be a map of the task's settings/,
    },
    {
      title: 'missing task name',
      yaml: [...HEAD, '    - log:', '        level: info'],
      path: 'flow.tasks[0].log.name',
      line: 5,
      message: /missing: every task needs a unique `name` made of \[A-Za-z0-9_.-\]/,
    },
    {
      title: 'empty task name',
      yaml: [...HEAD, '    - log: { name: "" }'],
      path: 'flow.tasks[0].log.name',
      line: 4,
      value: '',
      message: /must be a non-empty string made of \[A-Za-z0-9_.-\]/,
    },
    {
      title: 'task name is a number',
      yaml: [...HEAD, '    - log: { name: 5 }'],
      path: 'flow.tasks[0].log.name',
      line: 4,
      value: 5,
      message: /must be a non-empty string/,
    },
    {
      title: 'task name with a space',
      yaml: [...HEAD, '    - log:', '        name: my task'],
      path: 'flow.tasks[0].log.name',
      line: 5,
      value: 'my task',
      message: /only letters, digits, `_`, `\.` and `-`/,
    },
    {
      title: 'duplicate task name',
      yaml: [...HEAD, '    - generate: { name: a }', '    - log:', '        name: a'],
      path: 'flow.tasks[1].log.name',
      line: 6,
      value: 'a',
      message:
        /duplicate task name `a`, already used by flow\.tasks\[0\] \(line 4\); task names must be unique/,
    },
    {
      title: 'depends_on is a string',
      yaml: [...HEAD, '    - generate: { name: a }', '    - log: { name: b, depends_on: a }'],
      path: 'flow.tasks[1].log.depends_on',
      line: 5,
      value: 'a',
      message:
        /must be a list of task names, e\.g\. \[enrich\]; allowed: tasks listed before this one: a/,
    },
    {
      title: 'depends_on holds a non-string',
      yaml: [
        ...HEAD,
        '    - generate: { name: a }',
        '    - log:',
        '        depends_on: [a, 3]',
        '        name: b',
      ],
      path: 'flow.tasks[1].log.depends_on[1]',
      line: 6,
      value: 3,
      message:
        /must be a task name \(a non-empty string\); allowed: tasks listed before this one: a/,
    },
    {
      title: 'depends_on names a missing task',
      yaml: [
        ...HEAD,
        '    - generate: { name: tick }',
        '    - script: { name: enrich }',
        '    - log:',
        '        name: out',
        '        depends_on:',
        '          - enrich',
        '          - enrhic',
      ],
      path: 'flow.tasks[2].log.depends_on[1]',
      line: 10,
      value: 'enrhic',
      message: /no task is named `enrhic`; allowed: tasks listed before this one: tick, enrich/,
    },
    {
      title: 'depends_on names itself',
      yaml: [...HEAD, '    - generate: { name: a }', '    - log: { name: b, depends_on: [b] }'],
      path: 'flow.tasks[1].log.depends_on[0]',
      line: 5,
      value: 'b',
      message: /cannot depend on itself; allowed: tasks listed before this one: a/,
    },
    {
      title: 'depends_on names a later task',
      yaml: [...HEAD, '    - log: { name: a, depends_on: [b] }', '    - generate: { name: b }'],
      path: 'flow.tasks[0].log.depends_on[0]',
      line: 4,
      value: 'b',
      message:
        /`b` is listed after this task \(flow\.tasks\[1\]\); a task may only depend on tasks listed before it, which also rules out cycles; move it above this task\. Allowed: none: the first task has no upstream/,
    },
    {
      title: 'depends_on lists a task twice',
      yaml: [...HEAD, '    - generate: { name: a }', '    - log: { name: b, depends_on: [a, a] }'],
      path: 'flow.tasks[1].log.depends_on[1]',
      line: 5,
      value: 'a',
      message: /`a` is listed twice; list each upstream task once/,
    },
    {
      title: 'retry is not a map',
      yaml: [...HEAD, '    - log:', '        name: a', '        retry: 3'],
      path: 'flow.tasks[0].log.retry',
      line: 6,
      value: 3,
      message: /must be a map, e\.g\. `retry: \{ max_attempts: 3/,
    },
  ];

  for (const c of cases) {
    it(`rejects: ${c.title}`, () => {
      const issues = issuesOf(c.yaml);
      expect(issues, JSON.stringify(issues)).to.have.length(1);
      const issue = issues[0]!;
      expect(issue.path).to.equal(c.path);
      expect(issue.line).to.equal(c.line);
      expect(issue.column).to.equal(c.column);
      expect(issue.file).to.equal(FILE);
      expect(issue.message).to.match(c.message);
      if ('value' in c) expect(issue.value).to.deep.equal(c.value);
    });
  }

  it('reports every issue at once, in document order', () => {
    const issues = issuesOf([
      'flow:',
      '  name: ""',
      '  tasks:',
      '    - log: { name: "a b" }',
      '    - log: { depends_on: [zz] }',
      '    - script: { name: s, retry: [1] }',
      '  extra: 1',
    ]);
    expect(issues.map((i) => [i.path, i.line, i.kind])).to.deep.equal([
      ['flow.name', 2, 'invalid'],
      ['flow.tasks[0].log.name', 4, 'invalid'],
      ['flow.tasks[1].log.name', 5, 'missing'],
      ['flow.tasks[1].log.depends_on[0]', 5, 'invalid'],
      ['flow.tasks[2].script.retry', 6, 'invalid'],
      ['flow.extra', 7, 'unknown-key'],
    ]);
  });
});

describe('loadFlowFile', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'flowgen-flow-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads and parses a file, recording its path', () => {
    const path = join(dir, 'ok.yaml');
    writeFileSync(path, [...HEAD, '    - log: { name: out }', ''].join('\n'));
    const def = loadFlowFile(path);
    expect(def.file).to.equal(path);
    expect(def.tasks[0]?.name).to.equal('out');
  });

  it('names the file in the issues of a bad flow', () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, ['flow:', '  name: x', ''].join('\n'));
    try {
      loadFlowFile(path);
      expect.fail('expected a ConfigError');
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
      expect((e as ConfigError).issues[0]).to.include({ file: path, path: 'flow.tasks', line: 2 });
    }
  });

  it('turns an unreadable file into a ConfigError', () => {
    const path = join(dir, 'missing.yaml');
    expect(() => loadFlowFile(path))
      .to.throw(ConfigError)
      .with.property('issues')
      .that.satisfies((issues: { file?: string; message: string }[]) =>
        issues.some((i) => i.file === path && /cannot read the flow file/.test(i.message)),
      );
  });
});
