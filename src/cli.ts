#!/usr/bin/env node
/*
 * The stop signals are handled from the first line: this import loads
 * nothing but Node itself, and everything else (OpenTelemetry, gRPC, the
 * flow) is loaded after the handlers are in, so a SIGTERM during start-up
 * is a graceful stop instead of a kill.
 */
import { installStopSignals } from './cli/signal-handling';

const stop = installStopSignals();

void import('./cli/program').then(({ runProgram }) => runProgram(process.argv, stop));
