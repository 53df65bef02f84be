import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** A receiver running in a child process. */
export interface ReceiverProcess {
  readonly endpoint: string;
  /** Stops the child and waits for it to exit. */
  stop(): Promise<void>;
}

/** Which receiver: the built-in `OtlpReceiver` or the lean span counter (a fast collector's stand-in). */
export type ReceiverKind = 'built-in' | 'lean';

const SCRIPTS: Readonly<Record<ReceiverKind, string>> = {
  'built-in': 'receiver-child.js',
  lean: 'lean-receiver-child.js',
};

/** Starts the receiver child and resolves once it printed its endpoint. */
export function startReceiverProcess(kind: ReceiverKind = 'built-in'): Promise<ReceiverProcess> {
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, SCRIPTS[kind])], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`receiver child exited early with ${String(code)}`)),
    );
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      const { endpoint } = JSON.parse(out.slice(0, nl)) as { endpoint: string };
      child.removeAllListeners('exit');
      resolve({
        endpoint,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
            child.once('exit', () => {
              clearTimeout(timer);
              done();
            });
            child.stdin!.end();
          }),
      });
    });
  });
}
