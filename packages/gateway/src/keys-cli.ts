#!/usr/bin/env node
import { runKeysCli } from './internal/keys-cli-main.js';

// The `passport-relay-keys` command. Everything testable lives in internal/keys-cli-main.ts.
process.exitCode = runKeysCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
