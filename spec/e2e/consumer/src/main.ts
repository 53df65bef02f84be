// Runs the consumer's flow from YAML through runFlow and prints the stats as JSON.
import 'reflect-metadata';
import { container } from 'tsyringe';
import { loadWorkerConfigFile, registerTaskClasses, registerTelemetry, runFlow } from 'flowgen-ts';
import { DoubleTask } from './tasks.js';

async function main(): Promise<void> {
  // the consumer's own container type is accepted (one tsyringe copy)
  const scope = container.createChildContainer();
  await registerTelemetry(scope, undefined).shutdown();

  // registered on the root container: visible to the child runFlow makes
  registerTaskClasses(container, [DoubleTask]);
  const worker = loadWorkerConfigFile('worker.yaml');
  const result = await runFlow({ flow: 'flow.yaml', worker });
  process.stdout.write(`${JSON.stringify(result.stats)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
