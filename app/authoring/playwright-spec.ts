/**
 * A recording as a Playwright e2e test: from a scenario's text (what the worker's `save()` writes)
 * and what its run recorded (where each step ended, how many expectations it lists, which choice
 * each prediction's outcome selected), a self-contained `*.spec.ts` that replays the scenario in
 * the browser and checks that the page shows the same thing. The spec imports only
 * '@playwright/test', carries the scenario inside it (served with `page.route`, so it needs no
 * file in the app), and checks the page only through the `data-testid` hooks the project's own
 * specs use (e2e/shipped-scenarios.spec.ts), so it runs unchanged in this project's e2e suite and
 * against any GIC Lab a config points it at.
 *
 * The generator is pure (no DOM, no engine, no clock): the page calls it with the open session,
 * scripts/export-spec.ts with a scenario it runs in Node, and both get the same text. Its output
 * is already in the project's Prettier style (printWidth 110, single quotes, trailing commas):
 * only the scenario text, the id, numbers and comments vary, and each sits where Prettier leaves
 * it as it is (a template literal, a short line, a line comment). The unit test formats outputs
 * with Prettier and compares, so a change of the template that breaks this is caught.
 */

import type { SessionInfo } from '../worker/api';

/** One step as recorded. */
export interface RecordedStep {
  /** Its events, [from, to) of the history. */
  from: number;
  to: number;
  /** How many expectations the page lists for it (a refused line counts as a failed one). */
  expectations: number;
  /** For a step that asks a prediction: the choice the outcome selected (null: none of them). */
  answer?: number | null;
}

/** What a run of the scenario recorded: the numbers the spec checks the page against. */
export interface Recording {
  events: number;
  steps: RecordedStep[];
  /** Expectations that did not hold when recorded (the spec expects every one to hold). */
  failing: number;
}

/** The recording of a session, as the page has it (the steps' ends, verdicts and answers). */
export function recordingOf(session: Pick<SessionInfo, 'length' | 'steps'>): Recording {
  return {
    events: session.length,
    steps: session.steps.map((s) => ({
      from: s.from,
      to: s.to,
      expectations: s.expectations.length,
      ...(s.predict ? { answer: s.predict.answer ?? null } : {}),
    })),
    failing: session.steps.reduce((n, s) => n + s.expectations.filter((x) => !x.ok).length, 0),
  };
}

export interface SpecOptions {
  /** How the spec was made, for its header: 'GIC Lab in the browser (…)', 'scripts/export-spec.ts …'. */
  exportedBy: string;
}

/** The scenario fields the generator reads. */
interface ScenarioHead {
  format: string;
  id: string;
  title: string;
  steps: { title: string }[];
}

/** The id a spec is named after (`<id>.spec.ts`) and serves its scenario under (`<id>.json`). */
export function specId(scenarioText: string): string {
  return head(scenarioText).id;
}

/** The file name of the spec for this scenario text. */
export const specFileName = (scenarioText: string): string => `${specId(scenarioText)}.spec.ts`;

function head(text: string): ScenarioHead {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`the scenario is not JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const d = doc as Partial<ScenarioHead> | null;
  if (!d || typeof d !== 'object' || d.format !== 'giclab-scenario/1')
    throw new Error('only a scenario (format giclab-scenario/1) can be exported as a test');
  // The id goes into a URL, a file name and a string literal: the schema's id rule keeps it safe there.
  if (typeof d.id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,79}$/.test(d.id))
    throw new Error(`the scenario's id ${JSON.stringify(d.id)} is not lower-case letters, digits and dashes`);
  if (typeof d.title !== 'string' || !Array.isArray(d.steps))
    throw new Error('the scenario has no title or no steps');
  return d as ScenarioHead;
}

/** Text inside a template literal: its own characters, nothing interpolated. */
const templateText = (s: string): string =>
  s.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');

/** Text inside a comment: one line, and no end of the comment. */
const commentText = (s: string): string => s.replace(/\s+/g, ' ').trim().replace(/\*\//g, '*\\/');

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** One STEPS entry: short enough that Prettier keeps it on its line; the title is a comment. */
function stepLine(s: RecordedStep, i: number, title: string): string {
  const answer = s.answer === undefined ? '' : `, answer: ${s.answer === null ? 'null' : s.answer}`;
  return `  { from: ${s.from}, to: ${s.to}, expectations: ${s.expectations}${answer} }, // ${i + 1}. ${commentText(title)}`;
}

/**
 * The spec for `scenarioText` as `recording` recorded it. Throws when the text is not a scenario
 * or the recording does not have its steps (they must come from the same session).
 */
export function playwrightSpec(scenarioText: string, recording: Recording, opts: SpecOptions): string {
  const doc = head(scenarioText);
  if (doc.steps.length !== recording.steps.length)
    throw new Error(
      `the recording has ${recording.steps.length} steps and the scenario ${doc.steps.length}: they are not of the same session`,
    );
  const expectations = recording.steps.reduce((n, s) => n + s.expectations, 0);
  const predictions = recording.steps.filter((s) => s.answer !== undefined).length;
  const failing = recording.failing
    ? [
        ' *',
        ` * Note: when recorded, ${plural(recording.failing, 'expectation')} did not hold. This test expects every`,
        ' * one to hold, so it fails until the scenario (or the model) is put right.',
      ]
    : [];
  const text = scenarioText.endsWith('\n') ? scenarioText : `${scenarioText}\n`;
  return [
    '/**',
    ` * GIC Lab scenario "${commentText(doc.title)}" (${doc.id}), exported as a Playwright e2e test with what its run recorded.`,
    ' *',
    ` * Recorded: ${plural(recording.steps.length, 'step')}, ${plural(recording.events, 'event')}, ${plural(expectations, 'expectation')}, ${plural(predictions, 'prediction')}.`,
    ` * Exported by: ${commentText(opts.exportedBy)}.`,
    ...failing,
    ' *',
    ' * What it checks, in the browser: the page opens the scenario below (the test serves it, so the',
    ' * app needs no copy of it) and plays it step by step to its end, as a learner would, with',
    ' * predictions asked first: each is answered with the choice the recorded outcome selected, and',
    ' * its reveal must say that was right. Each step must end at the event it ended at when recorded',
    ' * (the model is deterministic), list its expectations, every one holding, and pass; the history',
    ' * must have the recorded number of events; and the page must log no error or warning.',
    ' *',
    ' * Run it: `npx playwright test <this file>` in the GIC Lab repository (its playwright.config.ts',
    ' * starts the app); against a GIC Lab served elsewhere, with a config whose use.baseURL points there.',
    ' */',
    '',
    "import { expect, test } from '@playwright/test';",
    '',
    '/** The scenario as GIC Lab saved it (format giclab-scenario/1). */',
    `const SCENARIO = \`${templateText(text)}\`;`,
    '',
    '/** Its id: the spec serves it as /scenarios/<id>.json. */',
    `const ID = '${doc.id}';`,
    '',
    '/** Events in the history when recorded. */',
    `const EVENTS = ${recording.events};`,
    '',
    '/**',
    ' * Each step as recorded: its events [from, to), how many expectations it lists, and for a step',
    ' * that asks a prediction, the choice the outcome selected (null: none of them).',
    ' */',
    'const STEPS: { from: number; to: number; expectations: number; answer?: number | null }[] = [',
    ...recording.steps.map((s, i) => stepLine(s, i, doc.steps[i]!.title)),
    '];',
    '',
    BODY,
  ].join('\n');
}

/** The test itself: the same for every recording (the data above is what varies). */
const BODY = `test(\`\${ID} replays as recorded\`, async ({ page }) => {
  test.setTimeout(120_000);
  const scenario = JSON.parse(SCENARIO) as { title: string; steps: { title: string }[] };
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(\`uncaught: \${e.message}\`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(\`console \${m.type()}: \${m.text()}\`);
  });
  // Predictions are asked before their step plays: the app's default, made sure of here.
  await page.addInitScript(() => window.localStorage.setItem('giclab:ask-first', '1'));
  await page.route(\`**/scenarios/\${ID}.json\`, (route) =>
    route.fulfill({ contentType: 'application/json', body: SCENARIO }),
  );
  await page.goto(\`/?scenario=\${ID}.json\`);

  const status = page.getByTestId('status');
  await expect(status).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(scenario.title);
  const position = page.getByTestId('position');
  await expect(position).toHaveAttribute('data-length', String(EVENTS));
  await expect(position).toHaveAttribute('data-position', '0');
  const steps = page.getByTestId('step');
  await expect(steps).toHaveCount(STEPS.length);
  // Step forward a scenario step at a time (with the button: a step may put the focus in a field).
  await page.getByTestId('granularity').selectOption('step');
  const forward = page.getByTestId('step-forward');

  for (const [i, recorded] of STEPS.entries()) {
    const step = steps.nth(i);
    await expect(step, \`step \${i + 1}'s title\`).toContainText(scenario.steps[i]!.title);
    const played = recorded.to > recorded.from;
    const asks = played && recorded.answer !== undefined;
    if (asks) {
      // Playback waits at the step's start for a prediction: answer it as the outcome will.
      await expect(step.getByTestId('predict-hint')).toBeVisible();
      await step
        .getByTestId('choice')
        .nth(recorded.answer ?? 0)
        .click();
    }
    // To the step's end (a step with no events of its own ends where the one before did).
    if (played) await forward.click();
    await expect(position, \`where step \${i + 1} ends\`).toHaveAttribute('data-position', String(recorded.to));
    await expect(step).toHaveAttribute('data-state', 'passed');
    const expectations = step.getByTestId('expectation');
    await expect(expectations).toHaveCount(recorded.expectations);
    await expect(expectations.and(page.locator('[data-ok="true"]'))).toHaveCount(recorded.expectations);
    if (asks) {
      const right = recorded.answer === null ? 'false' : 'true';
      await expect(step.getByTestId('reveal')).toHaveAttribute('data-right', right);
    }
  }

  await expect(status).toHaveAttribute('data-status', 'done');
  await expect(status).toHaveText(/^Passed/);
  await expect(position).toHaveAttribute('data-position', String(EVENTS));
  expect(problems, 'errors or warnings in the page').toEqual([]);
});
`;
