// Prints one plain closing line CI tooling can read ("jest: N passed, N failed, N skipped") and
// keeps it in .cache/jest-summary.txt so .ci/run can end its output with it.
import { mkdirSync, writeFileSync } from 'node:fs';

export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `jest: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped`;
    process.stdout.write(`\n${line}\n`);
    mkdirSync('.cache', { recursive: true });
    writeFileSync('.cache/jest-summary.txt', `${line}\n`);
  }
}
