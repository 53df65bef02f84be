import { Handler, Task } from '../src';
import type { WorkVariant } from './work';
import { compute } from './work';

/** The toolkit's way: a `@Task` class whose handlers are `@Handler` methods. */
@Task({ type: 'bench_work' })
export class DecoratedWork implements WorkVariant {
  @Handler()
  async work(x: number): Promise<number> {
    return compute(x);
  }

  @Handler()
  workSync(x: number): number {
    return compute(x);
  }

  @Handler()
  async *workGen(x: number): AsyncGenerator<number> {
    yield compute(x);
    yield compute(x + 1);
    yield compute(x + 2);
  }
}
