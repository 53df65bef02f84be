import { IsInt, Min } from 'class-validator';
import { Handler, Task } from '../../../src';
import type { FlowEvent, TaskContext } from '../../../src';
import { sourceEvent } from '../../../src/connectors/root-event';

/** Config of the `burst` source. */
export class BurstConfig {
  /** Events to emit. */
  @Min(0)
  @IsInt()
  count: number = 1000;

  /** Yield to the event loop (a macrotask) every this many events, so timers and I/O keep running. */
  @Min(1)
  @IsInt()
  yield_every: number = 100;
}

/**
 * A source that pushes `count` events `{ n }` as fast as the flow takes them
 * (the `generate` connector sleeps between events; a load test must not).
 */
@Task({ type: 'burst', config: BurstConfig, source: true })
export class BurstSourceTask {
  async run(ctx: TaskContext<BurstConfig>): Promise<void> {
    const { count, yield_every: yieldEvery } = ctx.config;
    for (let n = 0; n < count; n++) {
      if (ctx.signal.aborted) return;
      await ctx.push(sourceEvent({ n }));
      if (n % yieldEvery === yieldEvery - 1) await new Promise((r) => setImmediate(r));
    }
  }

  /** Passes the event on. */
  @Handler()
  handle(event: FlowEvent<{ n: number }>): FlowEvent<{ n: number }> {
    return event.withData(event.data);
  }
}
