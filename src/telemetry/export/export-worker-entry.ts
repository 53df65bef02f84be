import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The script of the export worker thread and the node options it needs. */
export interface ExportWorkerEntry {
  readonly file: string;
  /** Node options of the thread; `undefined` inherits the process's (profiling flags included). */
  readonly execArgv?: readonly string[];
}

/**
 * The compiled worker beside this file (dist/, the published package), or,
 * when only the TypeScript source exists (the specs under ts-node), the
 * source run through ts-node's transpile-only register.
 */
export function exportWorkerEntry(): ExportWorkerEntry {
  const compiled = join(__dirname, 'span-export-worker.js');
  if (existsSync(compiled)) return { file: compiled };
  return {
    file: join(__dirname, 'span-export-worker.ts'),
    execArgv: [...process.execArgv, '-r', 'ts-node/register/transpile-only'],
  };
}
