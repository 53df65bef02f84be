// A consumer's own task type, compiled against the installed package (CJS and ESM).
import { IsInt, Min } from 'class-validator';
import { injectable } from 'tsyringe';
import { Handler, Task, setSpanAttributes } from 'flowgen-ts';
import type { FlowEvent, TaskContext } from 'flowgen-ts';

/** A dependency of the task, injected by the consumer's own tsyringe. */
@injectable()
export class Multiplier {
  times(n: number, by: number): number {
    return n * by;
  }
}

export class DoubleConfig {
  @IsInt()
  @Min(1)
  factor: number = 2;
}

@Task({ type: 'double', config: DoubleConfig })
export class DoubleTask {
  constructor(private readonly multiplier: Multiplier) {}

  @Handler()
  handle(event: FlowEvent<{ n: number }>, ctx: TaskContext<DoubleConfig>) {
    setSpanAttributes({ 'double.factor': ctx.config.factor });
    return { n: event.data.n, doubled: this.multiplier.times(event.data.n, ctx.config.factor) };
  }
}
