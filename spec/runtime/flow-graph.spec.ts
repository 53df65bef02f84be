import { expect } from 'chai';
import type { FlowDefinition, TaskDefinition } from '../../src/runtime/flow-definition';
import { FlowGraphError, buildFlowGraph } from '../../src/runtime/flow-graph';
import { parseFlow } from '../../src/runtime/flow-loader';

/** A definition from `[name, dependsOn]` pairs, ids = list indexes. */
function flow(...tasks: [string, string[]][]): FlowDefinition {
  return {
    name: 'f',
    tasks: tasks.map(
      ([name, dependsOn], id): TaskDefinition => ({ id, type: 'log', name, config: {}, dependsOn }),
    ),
  };
}

const edges = (def: FlowDefinition): { up: number[][]; down: number[][] } => {
  const g = buildFlowGraph(def);
  return { up: g.nodes.map((n) => [...n.upstream]), down: g.nodes.map((n) => [...n.downstream]) };
};

describe('buildFlowGraph', () => {
  it('wires a linear flow from YAML list order', () => {
    const def = parseFlow(
      [
        'flow:',
        '  name: orders',
        '  tasks:',
        '    - generate: { name: tick }',
        '    - script: { name: enrich }',
        '    - log: { name: out }',
      ].join('\n'),
    );
    const g = buildFlowGraph(def);
    expect(g.nodes.map((n) => n.task.name)).to.deep.equal(['tick', 'enrich', 'out']);
    expect(edges(def)).to.deep.equal({ up: [[], [0], [1]], down: [[1], [2], []] });
    expect(g.sources).to.deep.equal([0]);
    expect(g.sinks).to.deep.equal([2]);
    expect(g.order).to.deep.equal([0, 1, 2]);
  });

  it('fans out: two tasks depending on one', () => {
    const def = flow(['src', []], ['a', ['src']], ['b', ['src']]);
    expect(edges(def)).to.deep.equal({ up: [[], [0], [0]], down: [[1, 2], [], []] });
    const g = buildFlowGraph(def);
    expect(g.sources).to.deep.equal([0]);
    expect(g.sinks).to.deep.equal([1, 2]);
  });

  it('fans in: one task depending on two', () => {
    const def = flow(['a', []], ['b', []], ['join', ['b', 'a']]);
    expect(edges(def)).to.deep.equal({ up: [[], [], [1, 0]], down: [[2], [2], []] });
    const g = buildFlowGraph(def);
    expect(g.sources).to.deep.equal([0, 1]);
    expect(g.sinks).to.deep.equal([2]);
    expect(g.order).to.deep.equal([0, 1, 2]);
  });

  it('a single task is both source and sink', () => {
    const g = buildFlowGraph(flow(['only', []]));
    expect(g.sources).to.deep.equal([0]);
    expect(g.sinks).to.deep.equal([0]);
  });

  it('rejects hand-built definitions the loader would refuse', () => {
    const bad: [string, FlowDefinition, RegExp][] = [
      [
        'unknown',
        flow(['a', []], ['b', ['zz']]),
        /depends on `zz`, which is not a task listed before it/,
      ],
      [
        'later',
        flow(['a', ['b']], ['b', []]),
        /depends on `b`, which is not a task listed before it/,
      ],
      ['self', flow(['a', ['a']]), /depends on `a`/],
      ['duplicate', flow(['a', []], ['a', []]), /used twice/],
      [
        'id',
        { name: 'f', tasks: [{ id: 3, type: 'log', name: 'a', config: {}, dependsOn: [] }] },
        /ids must be list indexes/,
      ],
    ];
    for (const [title, def, message] of bad) {
      expect(() => buildFlowGraph(def), title)
        .to.throw(FlowGraphError, message)
        .with.property('code', 'FLOWGEN_FLOW_INVALID');
    }
  });
});
