/**
 * The Playwright spec generator: what it embeds (the scenario, byte for byte, whatever its text),
 * what it checks (the recording's numbers), that its output is already in the project's Prettier
 * style and is valid TypeScript, and what it refuses. The spec running in a browser is tested by
 * e2e/authoring.spec.ts and the shipped examples in e2e/recorded/.
 */

import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { format, resolveConfig } from 'prettier';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { EngineHost } from '../worker/engine-host';
import { playwrightSpec, recordingOf, specFileName, type Recording } from './playwright-spec';

const LESSON = 'public/scenarios/track2/2.3-why-inv-exists.json';

/** A scenario run by the engine host, as the page has it: its saved text and session. */
function recorded(text: string, name: string) {
  const host = new EngineHost();
  const r = host.load(text, name);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return { text: host.save(), session: r.session };
}

/** The string the spec's SCENARIO constant holds at run time. */
function embedded(spec: string): string {
  const m = /^const SCENARIO = (`[\s\S]*?`);$/m.exec(spec);
  if (!m) throw new Error('no SCENARIO constant');
  // A template literal evaluated as JavaScript would evaluate it (nothing else is in scope).
  return runInNewContext(m[1]!) as string;
}

async function prettier(spec: string): Promise<string> {
  const options = await resolveConfig('e2e/recorded/x.spec.ts');
  return format(spec, { ...options, filepath: 'e2e/recorded/x.spec.ts' });
}

function syntaxErrors(spec: string): string[] {
  const out = ts.transpileModule(spec, { reportDiagnostics: true, fileName: 'x.spec.ts' });
  return (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/** A small scenario whose words are as awkward for a template literal and a comment as words get. */
const AWKWARD = JSON.stringify(
  {
    format: 'giclab-scenario/1',
    id: 'awkward-words',
    title: 'Back`ticks, ${not interpolated}, a \\ backslash, */ and "quotes" — '.repeat(3).trim(),
    machine: { cpus: 2, devices: [{ name: 'nic0', bdf: '00:02.0' }] },
    steps: [
      {
        title: 'One step\nwith a line break in its title */',
        narration: 'Code: `msi nic0 0`, ${x}, \\n stays two characters, and a\nnew line.',
        actions: ['write GICD_CTLR 0x12'],
        expect: ['expect reg GICD_CTLR & 0x2 == 0x2'],
      },
    ],
  },
  null,
  2,
);

describe('playwrightSpec', () => {
  it('exports a shipped lesson: its text embedded exactly, its recording as the data checked', async () => {
    const { text, session } = recorded(readFileSync(LESSON, 'utf8'), 'track2/2.3-why-inv-exists.json');
    const rec = recordingOf(session);
    const spec = playwrightSpec(text, rec, { exportedBy: 'the unit test' });
    expect(specFileName(text)).toBe('track2-why-inv-exists.spec.ts');
    expect(embedded(spec)).toBe(text);
    expect(spec).toContain(`const ID = 'track2-why-inv-exists';`);
    expect(spec).toContain(`const EVENTS = ${session.length};`);
    const lines = spec.split('\n').filter((l) => /^ {2}\{ from: /.test(l));
    expect(lines).toHaveLength(session.steps.length);
    session.steps.forEach((s, i) => {
      const answer = s.predict ? `, answer: ${s.predict.answer ?? 'null'}` : '';
      expect(lines[i]).toBe(
        `  { from: ${s.from}, to: ${s.to}, expectations: ${s.expectations.length}${answer} }, // ${i + 1}. ${s.title}`,
      );
    });
    // The lesson asks three predictions, each answered by one of its choices.
    expect(rec.steps.filter((s) => typeof s.answer === 'number')).toHaveLength(3);
    expect(rec.failing).toBe(0);
    // The header says what it is and how it was made, and no date: the same input, the same file.
    expect(spec).toMatch(
      /^\/\*\*\n \* GIC Lab scenario "Why INV exists" \(track2-why-inv-exists\), exported/,
    );
    expect(spec).toContain(' * Exported by: the unit test.');
    expect(spec).toContain(
      ` * Recorded: 8 steps, ${session.length} events, ${rec.steps.reduce((n, s) => n + s.expectations, 0)} expectations, 3 predictions.`,
    );
    expect(spec).not.toMatch(/\b20\d\d-\d\d-\d\d\b|\d\d:\d\d:\d\d/);
    expect(playwrightSpec(text, rec, { exportedBy: 'the unit test' })).toBe(spec);
    // Self-contained: one import, of Playwright's test runner.
    expect(spec.match(/^import .*$/gm)).toEqual(["import { expect, test } from '@playwright/test';"]);
    expect(spec).toContain('page.route(`**/scenarios/${ID}.json`');
    expect(spec).toContain('page.goto(`/?scenario=${ID}.json`)');
    expect(syntaxErrors(spec)).toEqual([]);
    expect(await prettier(spec)).toBe(spec);
  });

  it('carries awkward words unharmed: backticks, ${…}, backslashes, comment ends, line breaks', async () => {
    const { text, session } = recorded(AWKWARD, 'awkward.json');
    const spec = playwrightSpec(text, recordingOf(session), { exportedBy: 'a test */ with `ticks`' });
    expect(embedded(spec)).toBe(text);
    expect(JSON.parse(embedded(spec))).toEqual(JSON.parse(AWKWARD));
    // Comments stay comments: no '*/' ends the header early, no line break ends a line comment.
    const header = spec.slice(0, spec.indexOf('*/\n') + 3);
    expect(header).toContain('Back`ticks, ${not interpolated}, a \\ backslash, *\\/ and "quotes"');
    expect(spec).toContain('// 1. One step with a line break in its title *\\/\n');
    expect(syntaxErrors(spec)).toEqual([]);
    expect(await prettier(spec)).toBe(spec);
  });

  it('says, in the header, when the recording did not pass', () => {
    const { text, session } = recorded(
      AWKWARD.replace('GICD_CTLR & 0x2 == 0x2', 'GICD_CTLR & 0x2 == 0x0'),
      'awkward.json',
    );
    const rec = recordingOf(session);
    expect(rec.failing).toBe(1);
    expect(playwrightSpec(text, rec, { exportedBy: 'x' })).toContain(
      ' * Note: when recorded, 1 expectation did not hold.',
    );
  });

  it('records a prediction none of whose choices held as null', () => {
    const rec = recordingOf({
      length: 3,
      steps: [
        {
          title: 'a',
          narration: '',
          from: 0,
          to: 3,
          passed: true,
          expectations: [],
          predict: { question: 'q', choices: ['x', 'y'] },
        },
      ],
    });
    expect(rec.steps).toEqual([{ from: 0, to: 3, expectations: 0, answer: null }]);
    const spec = playwrightSpec(AWKWARD, rec, { exportedBy: 'x' });
    expect(spec).toContain('  { from: 0, to: 3, expectations: 0, answer: null }, // 1.');
  });

  it('refuses what is not a scenario of this recording', () => {
    const rec: Recording = { events: 1, steps: [{ from: 0, to: 1, expectations: 0 }], failing: 0 };
    const opts = { exportedBy: 'x' };
    expect(() => playwrightSpec('{', rec, opts)).toThrow(/not JSON/);
    expect(() =>
      playwrightSpec(
        JSON.stringify({ format: 'giclab-trace-lesson/1', id: 'a', title: 't', steps: [] }),
        rec,
        opts,
      ),
    ).toThrow(/only a scenario \(format giclab-scenario\/1\)/);
    const bad = JSON.parse(AWKWARD) as { id: string };
    bad.id = "x'); evil('";
    expect(() => playwrightSpec(JSON.stringify(bad), rec, opts)).toThrow(/is not lower-case letters/);
    expect(() => playwrightSpec(AWKWARD, { ...rec, steps: [...rec.steps, ...rec.steps] }, opts)).toThrow(
      /the recording has 2 steps and the scenario 1/,
    );
  });
});
