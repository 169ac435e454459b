/**
 * "Export as e2e test (Playwright)": the open session, as the worker saves it (the scenario with its
 * console lines and the author's edits), with what its run recorded, turned into a Playwright spec
 * (playwright-spec.ts) and downloaded as `<id>.spec.ts`. The Export menu and the console's button
 * both call this.
 */

import { download } from '../export/download';
import { appStore } from '../store';
import { playwrightSpec, recordingOf, specFileName } from './playwright-spec';

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * Downloads the spec; resolves to its file name and how many expectations did not hold when it
 * was recorded (the spec expects them all to hold, so the caller says so). Throws with the
 * reason when there is nothing to export.
 */
export async function exportSpec(): Promise<{ name: string; failing: number }> {
  const s = appStore.getState();
  const session = s.session;
  if (!session) throw new Error('no scenario is open');
  if (session.trace)
    throw new Error('a replayed trace is not a scenario: save a scenario or a sandbox session instead');
  const { text } = await s.saveAsScenario();
  // The text and the recording must be of one session: a line run meanwhile would part them.
  if (appStore.getState().session !== session)
    throw new Error('the session changed while it was exported: export it again');
  const lines = s.transcript.filter((e) => e.outcome !== 'refused').length;
  const made = [
    `from ${s.file ?? 'the open scenario'}`,
    ...(lines ? [plural(lines, 'console line')] : []),
    ...(s.authorEdits ? [plural(s.authorEdits, 'edit')] : []),
  ];
  const recording = recordingOf(session);
  const spec = playwrightSpec(text, recording, {
    exportedBy: `GIC Lab in the browser (Export as e2e test), ${made.join(', ')}`,
  });
  const name = specFileName(text);
  download(new Blob([spec], { type: 'text/plain;charset=utf-8' }), name);
  return { name, failing: recording.failing };
}

/** What to tell the author once the spec is saved. */
export function exportedMessage(r: { name: string; failing: number }): string {
  return r.failing
    ? `Saved ${r.name}; ${plural(r.failing, 'expectation')} did not hold in this recording, and the test expects every one to hold`
    : `Saved ${r.name}`;
}
