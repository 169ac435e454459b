/**
 * Trace lessons (giclab-trace-lesson/1): the shipped lesson 5.1 loads; a bad file is refused with
 * file:line:column: field: reason, like a scenario file; anchors and expectation lines are checked.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatLessonDiagnostic, loadTraceLesson } from './trace-lesson';

const FILE = 'public/scenarios/track5/5.1-a-linux-guest-boots.json';
const shipped = readFileSync(FILE, 'utf8');

const minimal = (over: Record<string, unknown> = {}, steps?: unknown[]): string =>
  JSON.stringify(
    {
      format: 'giclab-trace-lesson/1',
      id: 'x',
      title: 'X',
      trace: { files: ['a.log.gz'] },
      steps: steps ?? [
        { title: 'one', line: 1 },
        { title: 'two', line: 10, expect: ['expect cte 0 valid=1 target=0'] },
      ],
      ...over,
    },
    null,
    2,
  );

const errors = (text: string): string[] => {
  const r = loadTraceLesson(text, 'l.json');
  return r.ok ? [] : r.diagnostics.map(formatLessonDiagnostic);
};

describe('trace lessons', () => {
  it('loads lesson 5.1: its trace, device names, steps anchored at lines, expectations parsed', () => {
    const r = loadTraceLesson(shipped, '5.1.json');
    if (!r.ok) throw new Error(r.diagnostics.map(formatLessonDiagnostic).join('\n'));
    const l = r.lesson;
    expect(l.meta).toMatchObject({ id: 'track5-a-linux-guest-boots', track: '5.1', difficulty: 'advanced' });
    expect(l.meta.prerequisites).toContain('track2-map-and-fire');
    expect(l.trace).toMatchObject({ files: ['v3smp2.trace.log.gz'], lines: 40243 });
    expect(l.devices.get(8)).toBe('virtio-net');
    expect(l.steps[0]!.line).toBe(1);
    expect(l.steps.every((s, i) => i === 0 || s.line > l.steps[i - 1]!.line)).toBe(true);
    expect(l.steps.filter((s) => s.predict).length).toBeGreaterThanOrEqual(1);
    expect(l.steps.flatMap((s) => s.expect).every((x) => x.expect !== undefined)).toBe(true);
    expect(l.steps.filter((s) => s.predict).every((s) => s.predict!.explain)).toBe(true);
  });

  it('loads a minimal lesson', () => {
    expect(errors(minimal())).toEqual([]);
  });

  it('refuses invalid JSON and a wrong format with their place', () => {
    expect(errors('{ "format": ')[0]).toMatch(/^l\.json:1:\d+: invalid JSON/);
    expect(errors(minimal({ format: 'giclab-scenario/1' }))[0]).toMatch(/^l\.json:2:\d+: format: /);
  });

  it('refuses a trace file name that is not a plain name under /traces/', () => {
    expect(errors(minimal({ trace: { files: ['../secret.log'] } }))).toEqual([
      expect.stringMatching(/^l\.json:\d+:\d+: trace\.files\[0\]: a file name under \/traces\//),
    ]);
    expect(errors(minimal({ trace: { files: ['https://evil.example/x.log'] } }))).toHaveLength(1);
  });

  it('checks the anchors: the first step at line 1, then increasing lines, within the trace', () => {
    expect(errors(minimal({}, [{ title: 'a', line: 5 }]))).toEqual([
      expect.stringMatching(/^l\.json:\d+:\d+: steps\[0\]\.line: the first step starts at line 1/),
    ]);
    expect(
      errors(
        minimal({}, [
          { title: 'a', line: 1 },
          { title: 'b', line: 20 },
          { title: 'c', line: 20 },
        ]),
      ),
    ).toEqual([
      expect.stringMatching(/steps\[2\]\.line: line 20: steps are anchored at increasing trace lines/),
    ]);
    expect(
      errors(
        minimal({ trace: { files: ['a.log'], lines: 100 } }, [
          { title: 'a', line: 1 },
          { title: 'b', line: 200 },
        ]),
      ),
    ).toEqual([
      expect.stringMatching(/steps\[1\]\.line: line 200 is past the end of the trace \(100 lines\)/),
    ]);
  });

  it('refuses an expectation that does not parse, or is not one, at its line in the file', () => {
    const text = minimal({}, [
      { title: 'a', line: 1, expect: ['expect cte zero valid=1'] },
      {
        title: 'b',
        line: 2,
        expect: ['read GITS_CTLR'],
        predict: {
          question: 'q',
          choices: [
            { text: 'x', when: 'expect nonsense' },
            { text: 'y', when: 'expect deliveries none' },
          ],
        },
      },
    ]);
    const e = errors(text);
    expect(e).toHaveLength(3);
    expect(e[0]).toMatch(/^l\.json:\d+:\d+: steps\[0\]\.expect\[0\]: /);
    expect(e[1]).toMatch(/steps\[1\]\.expect\[0\]: 'read GITS_CTLR' is not an expectation/);
    expect(e[2]).toMatch(/steps\[1\]\.predict\.choices\[0\]\.when: /);
    const line = Number(/^l\.json:(\d+):/.exec(e[1]!)![1]);
    expect(text.split('\n')[line - 1]).toContain('read GITS_CTLR');
  });

  it('refuses unknown fields and device names that are not names', () => {
    expect(errors(minimal({ machine: {} }))[0]).toMatch(/Unrecognized key/);
    expect(errors(minimal({ trace: { files: ['a.log'], devices: { '0x8': '<b>net</b>' } } }))[0]).toMatch(
      /trace\.devices\.0x8: a device name/,
    );
  });
});
