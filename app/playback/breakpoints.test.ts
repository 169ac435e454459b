import { describe, expect, it } from 'vitest';
import { describeBreakpoint, parseBreakpoint, parseNumber } from './breakpoints';

const COMMANDS = ['MAPD', 'MAPTI', 'INV', 'SYNC'];

describe('breakpoint forms', () => {
  it('reads numbers as the command language writes them', () => {
    expect(parseNumber('8195')).toBe(8195);
    expect(parseNumber('0x2003')).toBe(0x2003);
    expect(parseNumber('0b101')).toBe(5);
    expect(parseNumber('1_000')).toBe(1000);
    expect(parseNumber('12a')).toBeUndefined();
    expect(parseNumber('-1')).toBeUndefined();
  });

  it('turns each kind of form into its breakpoint', () => {
    expect(parseBreakpoint({ kind: 'intid', intid: '0x2003' }, COMMANDS)).toEqual({
      ok: true,
      breakpoint: { intid: 8195 },
    });
    expect(parseBreakpoint({ kind: 'device', devid: '16', eventid: '' }, COMMANDS)).toEqual({
      ok: true,
      breakpoint: { devid: 16 },
    });
    expect(parseBreakpoint({ kind: 'device', devid: '16', eventid: '3' }, COMMANDS)).toEqual({
      ok: true,
      breakpoint: { devid: 16, eventid: 3 },
    });
    expect(parseBreakpoint({ kind: 'command', command: 'inv' }, COMMANDS)).toEqual({
      ok: true,
      breakpoint: { command: 'INV' },
    });
    expect(parseBreakpoint({ kind: 'error' }, COMMANDS)).toEqual({ ok: true, breakpoint: { error: true } });
    expect(parseBreakpoint({ kind: 'register', register: 'gits_cwriter' }, COMMANDS)).toEqual({
      ok: true,
      breakpoint: { regWrite: 'GITS_CWRITER' },
    });
    expect(parseBreakpoint({ kind: 'register', register: 'icc_eoir1' }, COMMANDS)).toEqual({
      ok: true,
      breakpoint: { regWrite: 'ICC_EOIR1_EL1' },
    });
  });

  it('names what is wrong with a form', () => {
    const err = (r: ReturnType<typeof parseBreakpoint>): string => (r.ok ? '' : r.error);
    expect(err(parseBreakpoint({ kind: 'intid', intid: '' }, COMMANDS))).toBe('give an INTID');
    expect(err(parseBreakpoint({ kind: 'intid', intid: 'lpi' }, COMMANDS))).toMatch(/'lpi' is not a number/);
    expect(err(parseBreakpoint({ kind: 'device', devid: '16', eventid: 'x' }, COMMANDS))).toMatch(
      /an EventID 'x'/,
    );
    expect(err(parseBreakpoint({ kind: 'command', command: 'FLY' }, COMMANDS))).toBe(
      "'FLY' is not an ITS command",
    );
    expect(err(parseBreakpoint({ kind: 'register', register: 'CWRITER' }, COMMANDS))).toMatch(/spec name/);
  });

  it('describes breakpoints in words', () => {
    expect(describeBreakpoint({ intid: 8195 })).toBe('stop at INTID 8195');
    expect(describeBreakpoint({ devid: 16, eventid: 3 })).toBe('stop at DeviceID 16, EventID 3');
    expect(describeBreakpoint({ command: 'INV' })).toBe('stop at an ITS INV command');
    expect(describeBreakpoint({ error: true })).toBe('stop at an error');
    expect(describeBreakpoint({ regWrite: 'GITS_CWRITER' })).toBe('stop at a write to GITS_CWRITER');
    expect(describeBreakpoint({})).toBe('stops nowhere');
  });
});
