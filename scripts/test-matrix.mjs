// `pnpm test`: every vitest project on every supported Node, as CI runs it.
//
// Node 20 (the machine's, the oldest supported) and 26 (the newest LTS) run everything, the
// multi-process suites included (test/: demo, load, faults, fuzz, soak, and every *.slow.test.ts).
// Node 22 and 24 run every package, peer-set and example project. Node 24 and 26 run the packages
// again with --no-async-context-frame, the AsyncLocalStorage users get when they turn
// AsyncContextFrame off. The demo also runs on the newest LTS. Build first (`pnpm test` does).
// A project filter passed by the caller (--project x) applies on top of each run's own.
//
// MATRIX=20,26-no-acf picks runs by label; extra arguments go to vitest (e.g. --project core).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeBinary } from './runtimes.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const reporter = join(root, 'scripts', 'matrix-reporter.mjs');
const NO_ACF = '--no-async-context-frame';
const SLOW_FILES = ['**/*.slow.test.ts'];
/** Every project but the multi-process suites of test/ (e2e). */
const notMultiProcess = (name) => name !== 'e2e';
/**
 * The projects whose code runs on AsyncLocalStorage: the packages, not the examples (which run
 * the same packages), the peer sets (which vary peers, not the runtime), the pack-and-install
 * check, nor istio (manifests only).
 */
const onContext = (name) =>
  notMultiProcess(name) &&
  !name.startsWith('example-') &&
  !name.includes('@') &&
  !['istio', 'install'].includes(name);

/** Every run of the matrix; `projects` picks projects by name (all when absent). */
const RUNS = [
  { label: '20', node: '20' },
  { label: '22', node: '22', projects: notMultiProcess, exclude: SLOW_FILES },
  { label: '24', node: '24', projects: notMultiProcess, exclude: SLOW_FILES },
  { label: '24-no-acf', node: '24', nodeOptions: NO_ACF, projects: onContext, exclude: SLOW_FILES },
  { label: '26', node: '26' },
  { label: '26-no-acf', node: '26', nodeOptions: NO_ACF, projects: onContext, exclude: SLOW_FILES },
  { label: '26-demo', node: '26', demo: true },
];

const picked = process.env.MATRIX?.split(',').map((label) => label.trim());
const runs = picked ? RUNS.filter((run) => picked.includes(run.label)) : RUNS;
if (picked && runs.length !== picked.length) {
  console.error(`MATRIX names an unknown run; known: ${RUNS.map((run) => run.label).join(', ')}`);
  process.exit(2);
}
const vitestArgs = process.argv.slice(2);
const reports = join(root, 'node_modules', '.matrix');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

function projectNames() {
  // One listing on the machine's Node names every project, so a run can leave some out.
  const listed = spawnSync(process.execPath, [vitest, 'list', '--json', '--filesOnly'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (listed.status !== 0) throw new Error(`vitest list failed:\n${listed.stderr}`);
  return [...new Set(JSON.parse(listed.stdout).map((entry) => entry.projectName))];
}

// The caller's --project names narrow every run; the rest of its arguments go to vitest as given.
const asked = [];
const otherArgs = [];
for (let i = 0; i < vitestArgs.length; i++) {
  const arg = vitestArgs[i];
  if (arg === '--project') asked.push(vitestArgs[++i]);
  else if (arg.startsWith('--project=')) asked.push(arg.slice('--project='.length));
  else otherArgs.push(arg);
}
const allProjects = projectNames();
const results = [];
for (const run of runs) {
  const binary = nodeBinary(run.node);
  const env = {
    ...process.env,
    NODE_OPTIONS: [process.env.NODE_OPTIONS, run.nodeOptions].filter(Boolean).join(' '),
  };
  const started = Date.now();
  let args;
  if (run.demo) {
    args = ['--import', 'tsx', join(root, 'examples', 'demo', 'demo.ts')];
  } else {
    const report = join(reports, `${run.label}.json`);
    env.MATRIX_REPORT = report;
    args = [vitest, 'run', '--reporter=default', `--reporter=${reporter}`];
    for (const pattern of run.exclude ?? []) args.push(`--exclude=${pattern}`);
    const chosen = allProjects.filter(
      (name) => (run.projects?.(name) ?? true) && (asked.length === 0 || asked.includes(name)),
    );
    if (chosen.length === 0) continue;
    for (const name of chosen) args.push(`--project=${name}`);
    args.push(...otherArgs);
  }
  console.log(`\n=== Node ${run.label}: ${binary} ${run.nodeOptions ?? ''}\n`);
  const child = spawnSync(binary, args, { cwd: root, env, stdio: 'inherit' });
  const seconds = Math.round((Date.now() - started) / 1000);
  let projects = {};
  if (!run.demo) {
    try {
      projects = JSON.parse(readFileSync(env.MATRIX_REPORT, 'utf8')).projects;
    } catch {
      projects = {};
    }
  }
  results.push({ run, status: child.status, seconds, projects });
}

// One table: each project's passed/failed/skipped per run.
const names = [...new Set(results.flatMap((result) => Object.keys(result.projects)))].sort();
const cell = (counts) =>
  counts
    ? `${counts.passed}${counts.failed ? ` ✗${counts.failed}` : ''}${counts.skipped ? ` (${counts.skipped} skipped)` : ''}`
    : '-';
console.log('\nRuntime matrix (tests passed, ✗ failed):\n');
console.log(['project', ...results.map(({ run }) => `Node ${run.label}`)].join(' | '));
for (const name of names)
  console.log([name, ...results.map((result) => cell(result.projects[name]))].join(' | '));
console.log(
  [
    'exit (seconds)',
    ...results.map(
      (result) => `${result.status === 0 ? 'ok' : `FAILED ${result.status}`} (${result.seconds} s)`,
    ),
  ].join(' | '),
);
const total = { passed: 0, failed: 0, skipped: 0 };
for (const result of results) {
  for (const counts of Object.values(result.projects)) {
    total.passed += counts.passed;
    total.failed += counts.failed;
    total.skipped += counts.skipped;
  }
}
const failedRuns = results.filter((result) => result.status !== 0);
if (failedRuns.length > 0) {
  console.log(`\nFailed runs: ${failedRuns.map((result) => result.run.label).join(', ')}`);
}
console.log(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(failedRuns.length > 0 || total.failed > 0 ? 1 : 0);
