/**
 * The examples in docs/ must be true: the scenario in docs/scenario-format.md runs and passes, and
 * every command line shown in a code block of docs/command-language.md parses.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadScenario } from '../engine/scenario/loader';
import { ScenarioRun } from '../engine/scenario/runner';
import { parseLine } from '../engine/scenario/command-parser';

const docs = join(import.meta.dirname, '..', 'docs');
const blocks = (md: string, lang: string): string[] =>
  [...md.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);

describe('docs/scenario-format.md', () => {
  it('has an example scenario that loads, runs and passes, with its prediction answered', () => {
    const [json] = blocks(readFileSync(join(docs, 'scenario-format.md'), 'utf8'), 'json');
    const loaded = loadScenario(json!, 'docs/scenario-format.md example');
    if (!loaded.ok) throw new Error(loaded.diagnostics.map(formatDiagnostic).join('\n'));
    const run = new ScenarioRun(loaded.scenario);
    const report = run.runAll();
    const failed = report.steps.flatMap((s) =>
      [...s.actions, ...s.expectations].filter((x) => !x.ok).map((x) => `${x.text}: ${x.message}`),
    );
    expect(failed).toEqual([]);
    expect(report.steps[2]!.answer).toBe(1);
  });
});

describe('docs/command-language.md', () => {
  it('shows only command lines that parse', () => {
    const md = readFileSync(join(docs, 'command-language.md'), 'utf8');
    const lines = blocks(md, '')
      .flatMap((b) => b.split('\n'))
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter((l) => l && !l.startsWith('#'))
      // Grammar summaries use <placeholders> and [optional|parts]; examples are concrete.
      .filter((l) => !/[<>[\]|]/.test(l) && !l.includes('...'));
    expect(lines.length).toBeGreaterThan(10);
    const bad = lines.map((l) => [l, parseLine(l)] as const).filter(([, r]) => r !== null && !r.ok);
    expect(bad.map(([l, r]) => `${l}: ${r && !r.ok ? r.error.message : ''}`)).toEqual([]);
  });
});
