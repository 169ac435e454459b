#!/usr/bin/env node
/**
 * `npm test`: every check, always all of them, then one plain closing line that CI can read:
 *   typecheck (tsc), lint (eslint), unit (vitest), e2e (playwright), total: N passed, N failed, N skipped
 * typecheck and lint count as one test each. The unit and e2e counts come from the runners' JSON
 * reports, not from their screen output. Exit 1 when anything failed, a report is missing, or a
 * runner ran no tests. Nothing is installed here: a missing browser is reported with the command
 * to run, and counts as a failed e2e suite (never a silent skip).
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const UNIT_REPORT = 'reports/unit.json';
const E2E_REPORT = 'reports/e2e.json';

const lines = [];
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
const total = { passed: 0, failed: 0, skipped: 0 };

/** Records a phase's result line and adds its counts to the total. */
function report(name, counts, text) {
  text ??= `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
  for (const k of Object.keys(total)) total[k] += counts[k];
  lines.push(`${name}: ${text}`);
  console.log(`\n${name}: ${text}\n`);
}

/** Runs `npx <args>`; output is captured (and echoed) or streamed. */
function npx(args, { capture = false, env = {} } = {}) {
  console.log(`$ npx ${args.join(' ')}`);
  const r = spawnSync('npx', args, {
    stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  const output = capture ? `${r.stdout ?? ''}${r.stderr ?? ''}` : '';
  if (capture) process.stdout.write(output);
  return { code: r.status ?? 1, output };
}

function readReport(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A runner's counts, made honest: a failed run or a missing report is a failure even with no failed test. */
function runnerResult(name, code, counts, reportFile) {
  let note;
  if (!counts) {
    counts = { passed: 0, failed: 0, skipped: 0 };
    note = `no report (${reportFile})`;
  } else if (counts.passed + counts.failed + counts.skipped === 0) {
    note = 'no tests ran';
  } else if (code !== 0 && counts.failed === 0) {
    // e.g. a test file that does not import, or a web server that did not start
    note = `the runner exited with ${code}`;
  }
  if (!note) return report(name, counts);
  const failed = { ...counts, failed: counts.failed + 1 };
  report(
    name,
    failed,
    `${failed.passed} passed, ${failed.failed} failed, ${failed.skipped} skipped (${note})`,
  );
}

/** Debian's chromium, a browser named by CHROMIUM_PATH, or one that `npx playwright install` cached. */
function findBrowser() {
  if (process.env.CHROMIUM_PATH) {
    return existsSync(process.env.CHROMIUM_PATH)
      ? { path: process.env.CHROMIUM_PATH }
      : { missing: `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist` };
  }
  if (existsSync('/usr/bin/chromium')) return { path: '/usr/bin/chromium' };
  const cache = process.env.PLAYWRIGHT_BROWSERS_PATH ?? join(homedir(), '.cache', 'ms-playwright');
  const own = existsSync(cache)
    ? readdirSync(cache).find((d) => /^chromium(_headless_shell)?-\d+$/.test(d))
    : undefined;
  if (own) return { path: join(cache, own) };
  return { missing: 'no chromium found (/usr/bin/chromium, CHROMIUM_PATH, or a Playwright browser cache)' };
}

// Stale reports from an earlier run must not stand in for this one.
rmSync(UNIT_REPORT, { force: true });
rmSync(E2E_REPORT, { force: true });

// 1. typecheck
const tsc = npx(['tsc', '--noEmit'], { capture: true });
const tsErrors = (tsc.output.match(/error TS\d+/g) ?? []).length;
report(
  'typecheck',
  { passed: tsc.code === 0 ? 1 : 0, failed: tsc.code === 0 ? 0 : 1, skipped: 0 },
  tsc.code === 0 ? 'ok' : tsErrors ? plural(tsErrors, 'error') : 'failed',
);

// 2. lint
const lint = npx(['eslint', '.'], { capture: true });
const problems = lint.output.match(/✖ (\d+) problems?/)?.[1];
report(
  'lint',
  { passed: lint.code === 0 ? 1 : 0, failed: lint.code === 0 ? 0 : 1, skipped: 0 },
  lint.code === 0 ? 'ok' : problems ? plural(Number(problems), 'problem') : 'failed',
);

// 3. unit tests (Vitest colours its output even when piped, hence NO_COLOR)
const vitest = npx(
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${UNIT_REPORT}`],
  {
    env: process.stdout.isTTY ? {} : { NO_COLOR: '1' },
  },
);
const unit = readReport(UNIT_REPORT);
runnerResult(
  'unit',
  vitest.code,
  unit && {
    passed: unit.numPassedTests,
    failed: unit.numFailedTests,
    skipped: unit.numPendingTests + unit.numTodoTests,
  },
  UNIT_REPORT,
);

// 4. e2e tests, in a real browser (playwright.config.ts writes reports/e2e.json)
const browser = findBrowser();
if (browser.missing) {
  console.log(
    `\n${browser.missing}. Install Debian's chromium:\n    sudo apt-get install -y chromium\nor point to one:\n    export CHROMIUM_PATH=/path/to/chromium`,
  );
  report(
    'e2e',
    { passed: 0, failed: 1, skipped: 0 },
    '0 passed, 1 failed, 0 skipped (not run: no browser, see above)',
  );
} else {
  console.log(`e2e browser: ${browser.path}`);
  const pw = npx(['playwright', 'test']);
  const e2e = readReport(E2E_REPORT)?.stats;
  runnerResult(
    'e2e',
    pw.code,
    e2e && { passed: e2e.expected + e2e.flaky, failed: e2e.unexpected, skipped: e2e.skipped },
    E2E_REPORT,
  );
}

console.log(lines.join('\n'));
console.log(`total: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exitCode = total.failed > 0 ? 1 : 0;
