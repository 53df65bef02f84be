import type { ChildFlags } from './child-process';
import { runChild } from './child-process';
import type { NatsResult } from './nats-throughput';
import { fixed, table, whole } from './stats';

/**
 * Section 6 of `npm run bench`: events/s through `nats_publish` ->
 * `nats_subscribe` across two worker processes with telemetry on, and the
 * spans lost (0 wanted). Skipped, with the reason, when `nats-server` is
 * not installed or the run fails; it never fails the bench.
 */
export async function natsSection(
  quick: boolean,
  flags: ChildFlags,
  out: (text: string) => void,
): Promise<NatsResult | { skipped: string }> {
  const events = quick ? 2_000 : 10_000;
  out(
    `## 6. NATS JetStream: publish -> subscribe across two worker processes, ${whole(events)} events\n`,
  );
  let result: NatsResult;
  try {
    result = await runChild<NatsResult>('nats-throughput', { events }, flags);
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    out(`skipped: ${reason} (install nats-server: apt-get install -y nats-server)\n`);
    return { skipped: reason };
  }
  out(
    table(
      ['events', 'events/s', 'spans ended', 'exported', 'lost', 'redelivered'],
      [
        [
          whole(result.events),
          fixed(result.eventsPerSec, 0),
          whole(result.spansEnded),
          whole(result.spansExported),
          whole(result.spansLost),
          whole(result.redelivered),
        ],
      ],
    ),
  );
  out('');
  return result;
}
