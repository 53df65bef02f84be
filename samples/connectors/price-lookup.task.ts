import { Handler, Task, setSpanAttributes, traceChild } from '../../src';
import type { FlowEvent, TaskContext } from '../../src';
import { PriceLookupConfig } from './price-lookup-config';

/** What this sample reads from an event. */
interface Order {
  n: number;
  sku?: string;
  total?: number;
}

/** A sample upstream error, as a real price service might return. */
export class PriceServiceError extends Error {}

/**
 * A user's own connector: looks up a price for an order (a stand-in for a
 * call to a pricing service). It shows connector-specific span attributes
 * (`price.request_id`, `price.sku`, `price.cache_hit`), a child span of its
 * own (`price.cache_lookup`), and failures that the runtime retries.
 */
@Task({ type: 'price_lookup', config: PriceLookupConfig })
export class PriceLookupTask {
  private readonly attempts = new Map<string, number>();
  private readonly cache = new Map<string, number>();

  @Handler()
  async lookup(
    event: FlowEvent<Order>,
    ctx: TaskContext<PriceLookupConfig>,
  ): Promise<Order & { price: number }> {
    const attempt = (this.attempts.get(event.id) ?? 0) + 1;
    this.attempts.set(event.id, attempt);
    const sku = event.data.sku ?? 'unknown';
    setSpanAttributes({ 'price.request_id': `req-${event.data.n}-${attempt}`, 'price.sku': sku });
    const cached = await traceChild(this, 'price.cache_lookup', () => this.readCache(sku), {
      'price.cache_key': sku,
    });
    setSpanAttributes({ 'price.cache_hit': cached !== undefined });
    if (ctx.config.fail_always.includes(event.data.n)) {
      throw new PriceServiceError(`price service rejected order ${event.data.n}`);
    }
    if (ctx.config.fail_once.includes(event.data.n) && attempt === 1) {
      throw new PriceServiceError(
        `price service unavailable for order ${event.data.n} (try again)`,
      );
    }
    const price = cached ?? 9.99;
    this.cache.set(sku, price);
    return { ...event.data, price };
  }

  /** Stands in for an async cache client. */
  private readCache(sku: string): Promise<number | undefined> {
    return Promise.resolve(this.cache.get(sku));
  }
}
