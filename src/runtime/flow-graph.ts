import { FlowgenError } from '../errors/flowgen-error';
import type { FlowDefinition, TaskDefinition } from './flow-definition';

/** One task in a {@link FlowGraph}, with its edges as task ids. */
export interface FlowGraphNode {
  /** The task, as defined. `task.id` is this node's index in {@link FlowGraph.nodes}. */
  readonly task: TaskDefinition;
  /** Ids of the tasks this one receives events from, in `dependsOn` order. */
  readonly upstream: readonly number[];
  /** Ids of the tasks that receive this one's events, ascending. */
  readonly downstream: readonly number[];
}

/** The wiring of a flow: who feeds whom. */
export interface FlowGraph {
  /** One node per task, indexed by task id. */
  readonly nodes: readonly FlowGraphNode[];
  /** Ids of tasks with no upstream (they produce events), ascending. */
  readonly sources: readonly number[];
  /** Ids of tasks with no downstream (their events go nowhere further), ascending. */
  readonly sinks: readonly number[];
  /** A topological order of task ids: list order, since tasks only depend on earlier ones. */
  readonly order: readonly number[];
}

/**
 * Thrown by {@link buildFlowGraph} for a definition that did not come through
 * the loader's checks (an unknown, later or self `dependsOn`, or ids that are
 * not list indexes).
 */
export class FlowGraphError extends FlowgenError {
  constructor(message: string) {
    super('FLOWGEN_FLOW_INVALID', message);
  }
}

/**
 * Builds the upstream/downstream edges of a flow.
 *
 * @example
 * ```ts
 * const graph = buildFlowGraph(parseFlow(yamlText));
 * for (const id of graph.order) console.log(graph.nodes[id]?.task.name, '->', graph.nodes[id]?.downstream);
 * ```
 * @throws FlowGraphError when a dependency is unknown or not listed earlier.
 */
export function buildFlowGraph(def: FlowDefinition): FlowGraph {
  const idByName = new Map<string, number>();
  const downstream: number[][] = def.tasks.map(() => []);
  const upstream = def.tasks.map((task, index) => {
    if (task.id !== index) {
      throw new FlowGraphError(
        `Task \`${task.name}\` has id ${task.id} but is at index ${index}; ids must be list indexes`,
      );
    }
    const ups = task.dependsOn.map((dep) => {
      const id = idByName.get(dep);
      if (id === undefined) {
        throw new FlowGraphError(
          `Task \`${task.name}\` depends on \`${dep}\`, which is not a task listed before it; a task may only depend on earlier tasks`,
        );
      }
      downstream[id]?.push(index);
      return id;
    });
    // Registered after resolving its own deps, so a self-reference is "not listed before".
    if (idByName.has(task.name)) {
      throw new FlowGraphError(`Task name \`${task.name}\` is used twice; names must be unique`);
    }
    idByName.set(task.name, index);
    return ups;
  });
  const nodes = def.tasks.map((task, i) => ({
    task,
    upstream: upstream[i] ?? [],
    downstream: downstream[i] ?? [],
  }));
  return {
    nodes,
    sources: nodes.filter((n) => n.upstream.length === 0).map((n) => n.task.id),
    sinks: nodes.filter((n) => n.downstream.length === 0).map((n) => n.task.id),
    order: nodes.map((n) => n.task.id),
  };
}
