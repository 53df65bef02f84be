#!/usr/bin/env node
import 'reflect-metadata';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { collectorCommand, collectorOptions } from './cli/collector-command';
import type { CollectorCommandOptions } from './cli/collector-command';
import { EXIT_BAD_INPUT, EXIT_FAILURE } from './cli/exit-codes';
import { runCommand } from './cli/run-command';
import { installTelemetryWarnings } from './cli/telemetry-warnings';
import { ConfigError } from './config/config-error';
import { FlowgenError } from './errors/flowgen-error';
import { TaskFailedError } from './runtime/task-failed-error';
import { getLogger } from './telemetry/logger';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError('must be a port number from 0 to 65535.');
  }
  return n;
}

const program = new Command()
  .name('flowgen')
  .description('Run flows of class-structured tasks with OpenTelemetry built in.')
  .showHelpAfterError()
  // Usage errors (an unknown command or option) are bad input like a bad file: exit 2.
  .exitOverride();

program
  .command('run')
  .description('Run a flow until its sources are done or SIGTERM/SIGINT.')
  .argument('<flow>', 'the flow YAML file')
  .option('-c, --config <file>', 'the worker config YAML (telemetry, retry, shutdown_timeout)')
  .option(
    '-r, --require <module>',
    'a module exporting your own @Task classes (repeatable; as modules: in the config)',
    (value: string, previous: string[] = []) => [...previous, value],
  )
  .action(async (flow: string, options: { config?: string; require?: string[] }) => {
    process.exitCode = await runCommand(flow, options);
  });

collectorOptions(
  program
    .command('collector')
    .description('A local OTLP/gRPC receiver that prints traces as trees and metrics as tables.')
    .option('-p, --port <port>', 'port to listen on', port, 4317)
    .option('--host <host>', 'interface to listen on', '127.0.0.1'),
).action(async (options: CollectorCommandOptions) => {
  process.exitCode = await collectorCommand(options);
});

installTelemetryWarnings();
program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // commander already printed the message (and the help, for usage errors)
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
  } else if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = EXIT_BAD_INPUT;
  } else if (error instanceof TaskFailedError) {
    process.stderr.write(`flowgen: ${error.message}\n`);
    process.exitCode = EXIT_FAILURE;
  } else if (error instanceof FlowgenError) {
    process.stderr.write(`flowgen: ${error.message}\n`);
    process.exitCode = EXIT_BAD_INPUT;
  } else {
    getLogger().fatal({ err: error }, 'flowgen failed');
    process.exitCode = EXIT_FAILURE;
  }
});
