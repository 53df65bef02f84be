import 'reflect-metadata';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ConfigError } from '../config/config-error';
import { FlowgenError } from '../errors/flowgen-error';
import { TaskFailedError } from '../runtime/task-failed-error';
import { getLogger } from '../telemetry/logger';
import { collectorCommand, collectorOptions } from './collector-command';
import type { CollectorCommandOptions } from './collector-command';
import { exitAfterFlush } from './exit-process';
import { EXIT_BAD_INPUT, EXIT_FAILURE } from './exit-codes';
import { runCommand } from './run-command';
import type { StopRequests } from './signal-handling';
import { installTelemetryWarnings } from './telemetry-warnings';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError('must be a port number from 0 to 65535.');
  }
  return n;
}

/**
 * The `flowgen` command: parses `argv` and runs the command it names. `stop`
 * are the stop signals the bin installed before loading this module. After
 * `flowgen run` the process exits as soon as the end-of-run report is
 * written, whatever still holds the event loop.
 */
export async function runProgram(argv: readonly string[], stop: StopRequests): Promise<void> {
  let exitWhenDone = false;
  const program = new Command()
    .name('flowgen')
    .description('Run flows of class-structured tasks with OpenTelemetry built in.')
    .showHelpAfterError()
    // Usage errors (an unknown command or option) are bad input like a bad file: exit 2.
    .exitOverride();

  program
    .command('run')
    .description(
      'Run a flow until its sources are done or SIGTERM/SIGINT/SIGHUP (graceful, within shutdown_timeout; a second signal exits 130).',
    )
    .argument('<flow>', 'the flow YAML file')
    .option('-c, --config <file>', 'the worker config YAML (telemetry, retry, shutdown_timeout)')
    .option(
      '-r, --require <module>',
      'a module exporting your own @Task classes (repeatable; as modules: in the config)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--no-parent-watch',
      'keep running when the parent process exits (by default an orphaned worker stops gracefully)',
    )
    .action(
      async (
        flow: string,
        options: { config?: string; require?: string[]; parentWatch: boolean },
      ) => {
        exitWhenDone = true;
        process.exitCode = await runCommand(flow, options, stop);
      },
    );

  collectorOptions(
    program
      .command('collector')
      .description('A local OTLP/gRPC receiver that prints traces as trees and metrics as tables.')
      .option('-p, --port <port>', 'port to listen on', port, 4317)
      .option('--host <host>', 'interface to listen on', '127.0.0.1'),
  ).action(async (options: CollectorCommandOptions) => {
    process.exitCode = await collectorCommand(options, stop.signal);
  });

  installTelemetryWarnings();
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    process.exitCode = exitCodeOf(error);
  }
  if (exitWhenDone) exitAfterFlush(Number(process.exitCode ?? 0));
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander already printed the message (and the help, for usage errors)
    return error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    return EXIT_BAD_INPUT;
  }
  if (error instanceof TaskFailedError) {
    process.stderr.write(`flowgen: ${error.message}\n`);
    return EXIT_FAILURE;
  }
  if (error instanceof FlowgenError) {
    process.stderr.write(`flowgen: ${error.message}\n`);
    return EXIT_BAD_INPUT;
  }
  getLogger().fatal({ err: error }, 'flowgen failed');
  return EXIT_FAILURE;
}
