#!/usr/bin/env node
import { runCli } from './internal/cli-main.js';

// The `passport-relay-istio` command. Everything testable lives in internal/cli-main.ts.
process.exitCode = runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
