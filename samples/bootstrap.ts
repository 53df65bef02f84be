/**
 * A DI bootstrap without the flow runtime: validate the worker config, build
 * telemetry into a tsyringe container, resolve the annotated connectors from
 * it and call their handlers. Spans and metrics go to the collector the
 * config names (start one with `npx flowgen collector`).
 *
 *   npm run build && node dist/samples/bootstrap.js [samples/worker.yaml]
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { container } from 'tsyringe';
import { FlowEvent, bindTask, getLogger, loadWorkerConfigFile, registerTelemetry } from '../src';
import { InventoryCheckTask } from './connectors/inventory-check.task';

async function main(): Promise<void> {
  const file = process.argv[2] ?? join(__dirname, '..', '..', 'samples', 'worker.yaml');
  const config = loadWorkerConfigFile(file); // throws ConfigError naming file, line and field
  const scope = container.createChildContainer();
  const telemetry = registerTelemetry(scope, config.telemetry);

  // Resolved from the container that has telemetry: its handler traces through it.
  const inventory = bindTask(scope.resolve(InventoryCheckTask), { name: 'inventory', id: 0 });
  for (let n = 0; n < 3; n++) {
    const result = inventory.reserve(FlowEvent.create({ n }));
    getLogger().info({ result }, 'reserved');
  }
  await telemetry.shutdown(); // flushes; bounded even when the collector is down
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
