/**
 * `node dist/bench/receiver-child.js`: the local OTLP/gRPC receiver in its own
 * process, so that decoding exports does not run on the flow's event loop.
 * Prints `{"endpoint": ...}` on its first stdout line; exits when stdin closes.
 */
import { OtlpReceiver } from '../src/collector';

async function main(): Promise<void> {
  // Keep little: the bench counts exported spans on the sending side.
  const receiver = await OtlpReceiver.start({ port: 0, maxRetained: 100 });
  process.stdout.write(`${JSON.stringify({ endpoint: receiver.endpoint })}\n`);
  process.stdin.resume();
  process.stdin.once('end', () => {
    void receiver.stop().then(() => process.exit(0));
  });
}

void main();
