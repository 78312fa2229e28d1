/**
 * The script's command-line arguments without the `--` that `pnpm run script -- --flag` passes
 * through (pnpm 10 keeps it; `parseArgs` would read every flag after it as a positional).
 */
export function cliArgs(): string[] {
  const args = process.argv.slice(2);
  return args[0] === '--' ? args.slice(1) : args;
}
