import { IsInt, Min } from 'class-validator';
import { Handler, Task } from '../src';
import type { FlowEvent, TaskContext } from '../src';
import { sourceEvent } from '../src/connectors/root-event';

/** Config of {@link FastSourceTask}. */
export class FastSourceConfig {
  /** Events to push. */
  @Min(1)
  @IsInt()
  count: number = 1000;

  /** Pushes in flight at once (1: each push waits for the previous one). */
  @Min(1)
  @IsInt()
  window: number = 1;

  /**
   * Yield to the event loop (setImmediate) after this many events, as a source
   * fed by I/O (a socket, a consumer's fetched batch) does; 0: never.
   */
  @Min(0)
  @IsInt()
  yield_every: number = 0;

  /** Stop pushing after this many ms even if `count` is not reached (0: no cap). */
  @Min(0)
  @IsInt()
  max_ms: number = 0;
}

/** When the source started and the sink saw its last event, in `performance.now()` ms. */
export const flowClock = {
  sourceStart: 0,
  sinkDone: 0,
  sinkReceived: 0,
  expected: 0,
  /** Called by the sink on its last event. */
  onDone: (): void => undefined,
};

/**
 * A source that pushes `count` events as fast as backpressure allows (unlike
 * `generate`, which waits `interval` between events). Its handler passes the
 * event on, stamped with its span.
 */
@Task({ type: 'bench_source', config: FastSourceConfig, source: true })
export class FastSourceTask {
  async run(ctx: TaskContext<FastSourceConfig>): Promise<void> {
    const { count, window, yield_every: yieldEvery, max_ms: maxMs } = ctx.config;
    flowClock.expected = count;
    const start = (flowClock.sourceStart = performance.now());
    const deadline = maxMs > 0 ? start + maxMs : Number.POSITIVE_INFINITY;
    let next = 0;
    let pushed = 0;
    const lane = async (): Promise<void> => {
      while (next < count && !ctx.signal.aborted) {
        if ((next & 1023) === 0 && performance.now() > deadline) break;
        const n = next++;
        if (yieldEvery > 0 && n > 0 && n % yieldEvery === 0) {
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        await ctx.push(sourceEvent({ n }));
        pushed++;
      }
    };
    await Promise.all(Array.from({ length: window }, lane));
    if (pushed < count) {
      // Stopped at the time cap: the sink is done once it saw what was pushed.
      flowClock.expected = pushed;
      if (flowClock.sinkReceived >= pushed && flowClock.sinkDone === 0) {
        flowClock.sinkDone = performance.now();
        flowClock.onDone();
      }
    }
  }

  @Handler()
  handle(event: FlowEvent<{ n: number }>): FlowEvent<{ n: number }> {
    return event.withData(event.data);
  }
}

/** The last task: counts what arrives and emits nothing. */
@Task({ type: 'bench_sink' })
export class SinkTask {
  @Handler()
  handle(_event: FlowEvent): undefined {
    if (++flowClock.sinkReceived === flowClock.expected) {
      flowClock.sinkDone = performance.now();
      flowClock.onDone();
    }
    return undefined;
  }
}

/** The three-task flow: source -> script -> sink, as YAML. */
export function benchFlowYaml(
  count: number,
  window: number,
  yieldEvery: number,
  maxMs: number,
  scriptTimeout: string,
): string {
  return [
    'flow:',
    '  name: bench',
    '  tasks:',
    `    - bench_source: { name: source, count: ${count}, window: ${window}, yield_every: ${yieldEvery}, max_ms: ${maxMs} }`,
    // mode: trusted (node:vm) keeps these scenarios about telemetry; bench/script-cost.ts measures the sandbox.
    `    - script: { name: double, mode: trusted, code: 'event.data.total = event.data.n * 2; event', timeout: ${scriptTimeout} }`,
    '    - bench_sink: { name: sink }',
    '',
  ].join('\n');
}
