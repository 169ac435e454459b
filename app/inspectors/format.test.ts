import { describe, expect, it } from 'vitest';
import { hex, hexByte, inspectorUnit, lpiConfig, parseAddress, registerOfEvent, sizeText } from './format';

describe('format', () => {
  it('writes hex with a prefix, padded when asked', () => {
    expect(hex(0x40120000)).toBe('0x40120000');
    expect(hex(0x80, 4)).toBe('0x0080');
    expect(hex(0)).toBe('0x0');
    expect(hexByte(0xa)).toBe('0a');
    expect(hexByte(0x1ff)).toBe('ff');
  });

  it('says sizes as people do', () => {
    expect(sizeText(256)).toBe('256 B');
    expect(sizeText(65536)).toBe('64 KiB');
    expect(sizeText(1536)).toBe('1.5 KiB');
    expect(sizeText(1 << 30)).toBe('1 GiB');
  });

  it('parses hex addresses, with or without 0x and with _ separators', () => {
    expect(parseAddress('0x40120000')).toEqual({ ok: true, value: 0x40120000 });
    expect(parseAddress(' 40120000 ')).toEqual({ ok: true, value: 0x40120000 });
    expect(parseAddress('0X4012_0000')).toEqual({ ok: true, value: 0x40120000 });
  });

  it('refuses what is not a hex address, saying why', () => {
    const bad = parseAddress('0x40zz');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatch(/'0x40zz' is not a hex address/);
    expect(parseAddress('').ok).toBe(false);
    expect(parseAddress('0x').ok).toBe(false);
    expect(parseAddress('-10').ok).toBe(false);
    const huge = parseAddress('0xffffffffffffffff');
    expect(huge.ok).toBe(false);
    if (!huge.ok) expect(huge.error).toMatch(/beyond/);
  });

  it('decodes an LPI configuration byte', () => {
    expect(lpiConfig(0xa3)).toEqual({ priority: 0xa0, enabled: true });
    expect(lpiConfig(0xa2)).toEqual({ priority: 0xa0, enabled: false });
  });

  it('names the register-inspector unit of an event unit', () => {
    expect(inspectorUnit('gicr3')).toBe('rd3');
    expect(inspectorUnit('its1')).toBe('its1');
    expect(inspectorUnit('gicd')).toBe('gicd');
    expect(inspectorUnit('cpu0')).toBeUndefined();
  });

  it('finds the register of an MMIO event, and nothing for other events', () => {
    expect(registerOfEvent({ kind: 'mmio.write', unit: 'its0' }, { reg: 'GITS_CWRITER' })).toEqual({
      unit: 'its0',
      name: 'GITS_CWRITER',
    });
    expect(registerOfEvent({ kind: 'mmio.read', unit: 'gicr1' }, { reg: 'GITS_CBASER+4' })).toEqual({
      unit: 'rd1',
      name: 'GITS_CBASER',
    });
    expect(registerOfEvent({ kind: 'its.cmd', unit: 'its0' }, { reg: 'GITS_CWRITER' })).toBeUndefined();
    expect(registerOfEvent({ kind: 'mmio.write', unit: 'its0' }, {})).toBeUndefined();
    expect(registerOfEvent(undefined, undefined)).toBeUndefined();
  });
});
