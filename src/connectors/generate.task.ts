import { setTimeout as sleep } from 'node:timers/promises';
import { Handler } from '../decorators/handler.decorator';
import { Task } from '../decorators/task.decorator';
import type { FlowEvent } from '../runtime/event';
import type { TaskContext, TaskLifecycle } from '../runtime/task-context';
import { setSpanAttributes } from '../telemetry/task-spans';
import { GenerateConfig } from './generate-config';
import { sourceEvent } from './root-event';

/** The data of a `generate` event: the sequence number plus the configured payload. */
export interface GeneratedData {
  /** 0 for the first event, then 1, 2, ... */
  n: number;
  /** Keys of `payload`. */
  [key: string]: unknown;
}

/**
 * `generate` source: emits `{ n: 0, ...payload }`, `{ n: 1, ...payload }`, ...
 * one every `interval` (the first at once), until `count` events were
 * emitted or the worker stops. For demos, load tests and heartbeats.
 *
 * Span attributes on `task.handle`: `generate.sequence` (int, the event's `n`).
 *
 * @example
 * ```yaml
 * - { name: ticks, type: generate, config: { interval: 1s, count: 3 } }
 * ```
 */
@Task({ type: 'generate', config: GenerateConfig, source: true })
export class GenerateTask implements TaskLifecycle<GenerateConfig> {
  /** Events emitted (pushed) so far by `run`. */
  get emitted(): number {
    return this.sent;
  }

  private sent = 0;

  /** Emits events until `count` is reached or `ctx.signal` aborts. */
  async run(ctx: TaskContext<GenerateConfig>): Promise<void> {
    const { config, signal } = ctx;
    const intervalMs = config.intervalMs;
    for (let n = 0; config.count === undefined || n < config.count; n++) {
      if (signal.aborted) return;
      if (n > 0) {
        // Abortable sleep: on abort the timer is cleared and the loop ends,
        // so a stopped worker is never held open by a pending timeout.
        try {
          await sleep(intervalMs, undefined, { signal });
        } catch {
          return;
        }
      }
      // A copy per event: a downstream task that mutates its data must not
      // change what the next event carries.
      const payload = config.payload === undefined ? {} : structuredClone(config.payload);
      const data: GeneratedData = { ...payload, n };
      try {
        await ctx.push(sourceEvent(data));
        this.sent++;
      } catch (error) {
        if (signal.aborted) return;
        // One failed event (its handler failed after retries) must not end
        // the stream: a heartbeat keeps beating.
        ctx.logger.warn({ err: error, n }, 'generated event failed downstream');
      }
    }
  }

  /** Passes the event on, recording its sequence number on the span. */
  @Handler()
  handle(event: FlowEvent<GeneratedData>): FlowEvent<GeneratedData> {
    const n = event.data?.n;
    setSpanAttributes({ 'generate.sequence': typeof n === 'number' ? n : undefined });
    // A new event stamped with this handler's span, so downstream spans are its children.
    return event.withData(event.data);
  }
}
