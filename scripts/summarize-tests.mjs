// Adds up vitest JSON reports and pytest JUnit XML into one "N passed, N failed" line.
// Exits 1 if anything failed or a report is missing (a suite that crashed counts as failed).
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.log(`${file}: missing (suite crashed before reporting)`);
    failed += 1;
    continue;
  }
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.json')) {
    const r = JSON.parse(text);
    // A file that failed without any failed test (import error, hook failure) counts once.
    const crashed = (r.testResults ?? []).filter(
      (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
    ).length;
    passed += r.numPassedTests;
    failed += r.numFailedTests + crashed;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    console.log(`${file}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${crashed} files failed outside tests`);
  } else {
    const attr = (name) => {
      const m = text.match(new RegExp(`<testsuite[^>]*\\s${name}="(\\d+)"`));
      return m ? Number(m[1]) : 0;
    };
    const tests = attr('tests');
    const bad = attr('failures') + attr('errors');
    const skip = attr('skipped');
    passed += tests - bad - skip;
    failed += bad;
    skipped += skip;
    console.log(`${file}: ${tests - bad - skip} passed, ${bad} failed, ${skip} skipped`);
  }
}
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
process.exit(failed > 0 || passed === 0 ? 1 : 0);
