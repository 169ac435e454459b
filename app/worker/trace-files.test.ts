/** Which file is which when several are opened at once, and the messages for those that are not. */

import { describe, expect, it } from 'vitest';
import { chooseFiles, isTraceLessonText, roleOf } from './trace-files';

const file = (name: string): File => new File(['x'], name);

describe('trace files', () => {
  it('knows each kind by its name', () => {
    expect(roleOf('s.json')).toBe('scenario');
    expect(roleOf('v3smp2.trace.log.gz')).toBe('trace');
    expect(roleOf('run.LOG')).toBe('trace');
    expect(roleOf('v3smp2.cmdq.bin.gz')).toBe('cmdq');
    expect(roleOf('v3smp2.proptable.bin')).toBe('proptable');
    expect(roleOf('v3smp2.dumpinfo.txt')).toBeUndefined();
    expect(roleOf('other.bin')).toBeUndefined();
  });

  it('makes a trace request: parts in order, with the dumps', () => {
    const c = chooseFiles([
      file('t.part10.log.gz'),
      file('v.proptable.bin.gz'),
      file('t.part2.log.gz'),
      file('v.cmdq.bin.gz'),
    ]);
    expect(c.kind).toBe('trace');
    if (c.kind !== 'trace') return;
    expect(c.request.trace.map((t) => t.name)).toEqual(['t.part2.log.gz', 't.part10.log.gz']);
    expect(c.request.cmdq?.name).toBe('v.cmdq.bin.gz');
    expect(c.request.proptable?.name).toBe('v.proptable.bin.gz');
    expect(c.name).toBe('t.part2.log.gz + t.part10.log.gz');
  });

  it('opens one scenario on its own', () => {
    expect(chooseFiles([file('a.json')]).kind).toBe('scenario');
    expect(chooseFiles([file('a.json'), file('t.log')])).toMatchObject({ kind: 'refused' });
  });

  it('names each file it cannot open, and says what it accepts', () => {
    const c = chooseFiles([file('t.log'), file('notes.txt')]);
    expect(c).toEqual({
      kind: 'refused',
      errors: [
        expect.stringMatching(
          /^notes\.txt: not a file GIC Lab opens: expected a scenario \(\.json\), or a QEMU trace/,
        ),
      ],
    });
    expect(chooseFiles([file('v.cmdq.bin')])).toEqual({
      kind: 'refused',
      errors: ['v.cmdq.bin: a dump needs its trace: choose the .log or .log.gz with it'],
    });
    expect(chooseFiles([file('t.log'), file('a.cmdq.bin'), file('b.cmdq.bin')])).toMatchObject({
      kind: 'refused',
      errors: [expect.stringMatching(/more than one cmdq dump/)],
    });
  });

  it('tells a trace lesson from a scenario', () => {
    expect(isTraceLessonText('{ "format": "giclab-trace-lesson/1" }')).toBe(true);
    expect(isTraceLessonText('{ "format": "giclab-scenario/1" }')).toBe(false);
  });
});
