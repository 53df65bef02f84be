import { childMain } from './child-process';
import { runFlowScenario } from './flow-scenario';

/*
 * `node dist/bench/flow-throughput.js --child '<FlowScenario JSON>'`: one
 * scenario of the flow benchmark in a process of its own (run.ts starts one
 * per scenario, so peak RSS is that scenario's).
 */
childMain(module, runFlowScenario);
