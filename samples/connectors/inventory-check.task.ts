import { IsInt, Min } from 'class-validator';
import { Handler, Task, setSpanAttributes } from '../../src';
import type { FlowEvent, TaskContext } from '../../src';

/** Config of the `inventory_check` sample task. */
export class InventoryCheckConfig {
  /** Units in stock for every SKU at start. */
  @IsInt()
  @Min(0)
  stock: number = 100;
}

/**
 * A second sample connector: reserves stock for an order. Its span carries a
 * query handle and the remaining stock, so traces are searchable by them.
 */
@Task({ type: 'inventory_check', config: InventoryCheckConfig })
export class InventoryCheckTask {
  private reserved = 0;
  private queries = 0;

  @Handler()
  reserve(
    event: FlowEvent<{ n: number }>,
    ctx?: TaskContext<InventoryCheckConfig>,
  ): { n: number; reserved: boolean } {
    const stock = ctx?.config.stock ?? 100;
    this.queries++;
    const reserved = this.reserved < stock;
    if (reserved) this.reserved++;
    setSpanAttributes({
      'inventory.query_handle': `inv-q-${this.queries}`,
      'inventory.remaining': stock - this.reserved,
      'inventory.bytes': event.size,
    });
    return { n: event.data.n, reserved };
  }
}
