import { dirname, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Constructor } from '../metadata/task-metadata';
import { getTaskOptions } from '../metadata/task-metadata';
import { TaskModuleError } from './task-module-error';

/** Where the task modules of one `flowgen run` come from. */
export interface TaskModuleSources {
  /** `modules:` of the worker config, relative to the config file's directory. */
  readonly configModules?: readonly string[];
  /** The worker config file, if any (its directory anchors `configModules`). */
  readonly configFile?: string;
  /** `--require` flags, relative to the current directory. */
  readonly required?: readonly string[];
}

/*
 * A real dynamic import: TypeScript compiles `import()` to `require()` under
 * CommonJS, which cannot load an ES module on Node 20. Built once, from a
 * constant string.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- see above: keeps import() as import()
const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

/**
 * Loads the user's task modules for `flowgen run` and returns every `@Task`
 * class they export, to be registered beside the built-in ones. A module is
 * compiled JavaScript (CommonJS or ESM), or TypeScript when a loader is
 * registered (e.g. `NODE_OPTIONS="-r ts-node/register"`). Each module must
 * export at least one `@Task` class.
 *
 * @throws TaskModuleError naming the module, the resolved path and the fix.
 */
export async function loadTaskModules(sources: TaskModuleSources): Promise<Constructor[]> {
  const configDir =
    sources.configFile === undefined ? process.cwd() : dirname(resolve(sources.configFile));
  const specs = [
    ...(sources.configModules ?? []).map((spec) => ({ spec, base: configDir, from: 'modules:' })),
    ...(sources.required ?? []).map((spec) => ({ spec, base: process.cwd(), from: '--require' })),
  ];
  const classes: Constructor[] = [];
  for (const { spec, base, from } of specs) {
    for (const cls of await loadOne(spec, base, from)) {
      if (!classes.includes(cls)) classes.push(cls);
    }
  }
  return classes;
}

async function loadOne(spec: string, base: string, from: string): Promise<Constructor[]> {
  const path = resolveModule(spec, base, from);
  const exported = await loadModule(path, spec, from);
  const values = exportedValues(exported);
  const tasks = values.filter(
    (v): v is Constructor => typeof v === 'function' && getTaskOptions(v) !== undefined,
  );
  if (tasks.length === 0) {
    const names = Object.keys(asRecord(exported));
    throw new TaskModuleError(
      `task module "${spec}" (${from}, loaded from ${path}) exports no @Task class` +
        ` (its exports: ${names.length === 0 ? 'none' : names.join(', ')}). ` +
        'Export the class decorated with @Task({ type: ... }) from that module, ' +
        'e.g. `export class MyTask { ... }`.',
    );
  }
  return tasks;
}

function resolveModule(spec: string, base: string, from: string): string {
  try {
    return require.resolve(isPath(spec) ? resolve(base, spec) : spec, { paths: [base] });
  } catch (error) {
    throw new TaskModuleError(
      `task module "${spec}" (${from}) was not found from ${base}` +
        `${isPath(spec) ? ` (looked for ${resolve(base, spec)})` : ''}. ` +
        'Give a path relative to the worker config file (modules:) or to the current directory (--require), ' +
        'or the name of an installed package.',
      { cause: error },
    );
  }
}

async function loadModule(path: string, spec: string, from: string): Promise<unknown> {
  const ext = extname(path);
  if (TS_EXTENSIONS.has(ext) && !hasTypeScriptLoader(ext)) {
    throw new TaskModuleError(
      `task module "${spec}" (${from}) is TypeScript (${path}) and no TypeScript loader is registered. ` +
        'Compile it with tsc and list the .js file, or start flowgen with a loader that emits decorator metadata: ' +
        'NODE_OPTIONS="-r ts-node/register" npx flowgen run ... (tsx and esbuild emit no decorator metadata).',
    );
  }
  try {
    return ext === '.mjs'
      ? await importModule(pathToFileURL(path).href)
      : await requireOrImport(path);
  } catch (error) {
    if (error instanceof TaskModuleError) throw error;
    throw new TaskModuleError(
      `task module "${spec}" (${from}) failed to load from ${path}: ${describe(error)}`,
      { cause: error },
    );
  }
}

/* CommonJS first (the common case); an ES module (`"type": "module"`) through import(). */
function requireOrImport(path: string): unknown {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading a user module by path
    return require(path) as unknown;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_REQUIRE_ESM') {
      return importModule(pathToFileURL(path).href);
    }
    throw error;
  }
}

const TS_EXTENSIONS = new Set(['.ts', '.cts', '.mts']);

function hasTypeScriptLoader(ext: string): boolean {
  // require.extensions is how CommonJS loaders (ts-node, @swc-node/register) announce themselves
  return ext in require.extensions;
}

function isPath(spec: string): boolean {
  return spec.startsWith('.') || spec.startsWith('/') || /^[A-Za-z]:[\\/]/.test(spec);
}

function exportedValues(exported: unknown): unknown[] {
  const record = asRecord(exported);
  const values = Object.values(record);
  // an ES module imported from CommonJS: its exports may sit under `default`
  const inner = record['default'];
  if (typeof inner === 'object' && inner !== null)
    values.push(...Object.values(inner as Record<string, unknown>));
  if (typeof exported === 'function') values.push(exported);
  return values;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
