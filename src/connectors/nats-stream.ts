import type { JetStreamManager } from '@nats-io/jetstream';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { NatsStreamMissingError } from './nats-errors';

/**
 * Makes sure stream `name` exists: it is looked up, and created with
 * `subjects` when missing and `create` is set.
 *
 * @throws NatsStreamMissingError when it is missing and may not be created.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  task: string,
  stream: { readonly name: string; readonly subjects: readonly string[]; readonly create: boolean },
  fix: string,
): Promise<void> {
  try {
    await jsm.streams.info(stream.name);
    return;
  } catch (error) {
    if (!isStreamNotFound(error)) throw error;
  }
  if (!stream.create) throw new NatsStreamMissingError(task, stream.name, fix);
  await jsm.streams.add({ name: stream.name, subjects: [...stream.subjects] });
}

function isStreamNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
}
