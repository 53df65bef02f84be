import { readFileSync } from 'node:fs';
import RELEASE_SYNC from '@jitl/quickjs-wasmfile-release-sync';
import { newQuickJSWASMModuleFromVariant, newVariant } from 'quickjs-emscripten-core';
import type { CustomizeVariantOptions, QuickJSWASMModule } from 'quickjs-emscripten-core';

/** The WebAssembly API used here: Node has it, the project's TypeScript libs (ES2022, node) do not declare it. */
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number }) => object;
  compile(bytes: Uint8Array): Promise<object>;
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const WASM_PAGE_BYTES = 64 * 1024;
/** The memory the QuickJS build starts with (its INITIAL_MEMORY): code, stack, static data. */
const INTERPRETER_BASE_BYTES = 16 * 1024 * 1024;

/*
 * Compiled once per process and shared by every instance (each has its own
 * memory and state; compiled code is immutable): a task then starts without
 * reading and compiling the 0.5 MB module again, and on optimized code (a
 * task with its own compile ran its first 500 events at about 2x the cost,
 * measured).
 */
let compiled: Promise<object> | undefined;

function compiledQuickJs(): Promise<object> {
  compiled ??= Wasm.compile(
    readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm')),
  );
  return compiled;
}

/**
 * A new QuickJS instance (quickjs-emscripten, release build) whose whole
 * WebAssembly memory is bounded by the interpreter's base plus
 * `memoryLimitBytes`.
 *
 * Why the memory bound: QuickJS's own limit (`setMemoryLimit`), built with
 * Emscripten, counts each allocation as 8 bytes (`malloc_usable_size` is 0
 * there), so it bounds one allocation, not the total (quickjs-emscripten
 * issues #255, #271: an "8 MiB" runtime grew to 1.6 GB here). Past the
 * memory's `maximum`, `memory.grow` fails, malloc returns NULL and QuickJS
 * throws its "out of memory" error inside the script, which fails the event.
 */
export async function loadQuickJs(memoryLimitBytes: number): Promise<QuickJSWASMModule> {
  const wasmMemory = new Wasm.Memory({
    initial: INTERPRETER_BASE_BYTES / WASM_PAGE_BYTES,
    maximum: Math.ceil((INTERPRETER_BASE_BYTES + memoryLimitBytes) / WASM_PAGE_BYTES),
  });
  const wasmModule = await compiledQuickJs();
  return newQuickJSWASMModuleFromVariant(
    newVariant(RELEASE_SYNC, { wasmMemory, wasmModule } as unknown as CustomizeVariantOptions),
  );
}
