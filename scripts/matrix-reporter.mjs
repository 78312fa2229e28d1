// A vitest reporter for the runtime matrix: writes, per project, how many tests passed, failed and
// were skipped to the file named by MATRIX_REPORT, so scripts/test-matrix.mjs can print one table.
import { writeFileSync } from 'node:fs';

export default class MatrixReporter {
  onTestRunEnd(testModules, unhandledErrors) {
    const projects = {};
    for (const module of testModules) {
      const name = module.project.name || '(root)';
      projects[name] ??= { passed: 0, failed: 0, skipped: 0 };
      const counts = projects[name];
      // A file that failed to load has no tests to count: count the file as one failure.
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0)
        counts.failed++;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
    }
    const target = process.env.MATRIX_REPORT;
    if (target)
      writeFileSync(target, JSON.stringify({ projects, unhandledErrors: unhandledErrors.length }));
  }
}
