import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Action, Expectation } from './actions';
import { formatParseError, parseLine, parseNumberText, parseScript, type LineResult } from './command-parser';
import { printAction } from './command-printer';
import { ITS_COMMANDS } from '../its/command-encoding';
import { irqchipRouteEntry, msiRouteEntry } from '../kvm/gsi-routing';
import type { KvmCall } from '../kvm/kvm-input-types';

/** The action of a line that must parse. */
function ok(text: string): Action {
  const r = parseLine(text);
  if (!r?.ok) throw new Error(`${text}: ${r ? formatParseError(r.error) : 'blank'}`);
  return r.action;
}

/** `column: message` of a line that must not parse. */
function err(text: string): string {
  const r = parseLine(text);
  if (r === null) return 'blank';
  if (r.ok)
    return `parsed: ${JSON.stringify(r.action, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`;
  return `${r.error.column}: ${r.error.message}`;
}

const exp = (expect: Expectation): Action => ({ kind: 'expect', expect });

describe('numbers', () => {
  it('reads decimal, hex, binary and _ separators', () => {
    expect(parseNumberText('8195')).toBe(8195n);
    expect(parseNumberText('0x2003')).toBe(0x2003n);
    expect(parseNumberText('0X4000_0000')).toBe(0x4000_0000n);
    expect(parseNumberText('0b101')).toBe(5n);
    expect(parseNumberText('1_000')).toBe(1000n);
    expect(parseNumberText('0xffff_ffff_ffff_ffff_f')).toBe(0xf_ffff_ffff_ffff_ffffn);
  });

  it('refuses malformed numbers', () => {
    for (const s of ['', '0x', '0b', '0b102', '1__0', '_1', '1_', '0x_1', '0xg', '12a', '-1', '1.5'])
      expect(parseNumberText(s)).toBeUndefined();
  });
});

describe('blank lines and comments', () => {
  it('returns null for blank and comment-only lines', () => {
    expect(parseLine('')).toBeNull();
    expect(parseLine('   \t ')).toBeNull();
    expect(parseLine('# a comment')).toBeNull();
    expect(parseLine('   # indented comment: write32 GICD_CTLR')).toBeNull();
  });

  it('ignores a trailing comment and is case-insensitive for keywords', () => {
    expect(ok('RUN # settle')).toEqual({ kind: 'run', until: 'idle' });
    expect(ok('Expect Deliveries NONE')).toEqual(exp({ kind: 'deliveries', exact: [] }));
  });
});

describe('register accesses', () => {
  it('parses every target form', () => {
    expect(ok('read GICD_CTLR')).toEqual({ kind: 'mmio-read', target: { kind: 'reg', reg: 'GICD_CTLR' } });
    expect(ok('read32 gicd_typer')).toEqual({
      kind: 'mmio-read',
      width: 32,
      target: { kind: 'reg', reg: 'GICD_TYPER' },
    });
    expect(ok('read rd3 GICR_CTLR')).toEqual({
      kind: 'mmio-read',
      target: { kind: 'reg', reg: 'GICR_CTLR', unit: { type: 'rd', n: 3 } },
    });
    expect(ok('read gicr2 GICR_WAKER')).toEqual({
      kind: 'mmio-read',
      target: { kind: 'reg', reg: 'GICR_WAKER', unit: { type: 'rd', n: 2 } },
    });
    expect(ok('read gicd GICD_CTLR')).toEqual({
      kind: 'mmio-read',
      target: { kind: 'reg', reg: 'GICD_CTLR', unit: { type: 'gicd' } },
    });
    expect(ok('write its1 GITS_CWRITER 0x20')).toEqual({
      kind: 'mmio-write',
      target: { kind: 'reg', reg: 'GITS_CWRITER', unit: { type: 'its', n: 1 } },
      value: 0x20n,
    });
    expect(ok('read32 GITS_CBASER+4')).toEqual({
      kind: 'mmio-read',
      width: 32,
      target: { kind: 'reg', reg: 'GITS_CBASER', plus: 4 },
    });
    expect(ok('write8 GICD_IPRIORITYR8 0xa0')).toEqual({
      kind: 'mmio-write',
      width: 8,
      target: { kind: 'reg', reg: 'GICD_IPRIORITYR8' },
      value: 0xa0n,
    });
    expect(ok('write64 GICD_IROUTER40 0x0000_0001_0000_0003')).toEqual({
      kind: 'mmio-write',
      width: 64,
      target: { kind: 'reg', reg: 'GICD_IROUTER40' },
      value: 0x1_0000_0003n,
    });
    expect(ok('read32 gicd+0x80')).toEqual({
      kind: 'mmio-read',
      width: 32,
      target: { kind: 'offset', unit: { type: 'gicd' }, offset: 0x80 },
    });
    expect(ok('write32 rd3+0x10100 0xffffffff')).toEqual({
      kind: 'mmio-write',
      width: 32,
      target: { kind: 'offset', unit: { type: 'rd', n: 3 }, offset: 0x10100 },
      value: 0xffff_ffffn,
    });
    expect(ok('read64 its0 + 0x88')).toEqual({
      kind: 'mmio-read',
      width: 64,
      target: { kind: 'offset', unit: { type: 'its', n: 0 }, offset: 0x88 },
    });
    expect(ok('read32 @0x0800_0000')).toEqual({
      kind: 'mmio-read',
      width: 32,
      target: { kind: 'addr', addr: 0x0800_0000 },
    });
    expect(ok('write16 @ 0x08000004 0b1010')).toEqual({
      kind: 'mmio-write',
      width: 16,
      target: { kind: 'addr', addr: 0x0800_0004 },
      value: 10n,
    });
  });

  it('refuses bad targets, widths and values with the column at fault', () => {
    expect(err('write32 GICD_CTLR')).toBe("17: expected a value after 'write32 GICD_CTLR'");
    expect(err('read')).toBe("4: expected a register name, <unit>+<offset> or @<address> after 'read'");
    expect(err('read rdx+0x10')).toBe("6: unknown unit 'rdx' (units: gicd, rd<n>, gicr<n>, its<n>)");
    expect(err('read GICX_CTLR')).toBe(
      "6: unknown register 'GICX_CTLR': MMIO register names start with GICD_, GICR_ or GITS_",
    );
    expect(err('read GICD_CT.LR')).toBe("6: 'GICD_CT.LR' is not a register name");
    expect(err('read ICC_PMR_EL1')).toBe(
      "6: 'ICC_PMR_EL1' is a CPU interface system register: use 'cpu<n> read|write ICC_PMR_EL1'",
    );
    expect(err('read rd3 GITS_CTLR')).toBe('10: GITS_CTLR is an ITS register: its unit is its<n>, not rd3');
    expect(err('read its0 GICD_CTLR')).toBe(
      '11: GICD_CTLR is a distributor register: its unit is gicd, not its0',
    );
    expect(err('read gicd GICR_CTLR')).toBe(
      '11: GICR_CTLR is a redistributor register: its unit is rd<n>, not gicd',
    );
    expect(err('read rd3')).toBe("8: expected a register name or '+<offset>' after 'read rd3'");
    expect(err('read rd3 5')).toBe("10: expected a register name or '+<offset>' after 'read rd3', found '5'");
    expect(err('read gicd+0x80')).toBe(
      "6: 'gicd+0x80' needs an explicit access width: use read8, read16, read32 or read64",
    );
    expect(err('write @0x1000 1')).toBe(
      "7: '@0x1000' needs an explicit access width: use write8, write16, write32 or write64",
    );
    expect(err('read @')).toBe("6: expected an address after 'read @'");
    expect(err('read GITS_CBASER+')).toBe("17: expected an offset after 'read GITS_CBASER+'");
    expect(err('read128 GICD_CTLR')).toBe(
      "1: unknown access width 'read128' (widths: read8, read16, read32, read64)",
    );
    expect(err('write8 GICD_CTLR 0x100')).toBe("18: '0x100' does not fit in an 8-bit access");
    expect(err('write16 GICD_CTLR 0x1_0000')).toBe("19: '0x1_0000' does not fit in a 16-bit access");
    expect(err('write GICD_CTLR 0x1_0000_0000_0000_0000')).toBe(
      "17: '0x1_0000_0000_0000_0000' does not fit in 64 bits",
    );
    expect(err('write GICD_CTLR 0xg')).toBe("17: malformed number '0xg'");
    expect(err('write GICD_CTLR on')).toBe("17: expected a value after 'write GICD_CTLR', found 'on'");
    expect(err('read32 @0x10_0000_0000_0000')).toBe(
      "9: '0x10_0000_0000_0000' is beyond the 52-bit physical address space",
    );
    expect(err('read rd70000 GICR_CTLR')).toBe("6: 'rd70000': 70000 is too large a number (at most 65535)");
    expect(err('read GICD_CTLR GICD_TYPER')).toBe("16: unexpected 'GICD_TYPER' after 'read GICD_CTLR'");
  });
});

describe('CPU interface registers', () => {
  it('parses reads and writes, storing the full spec name', () => {
    expect(ok('cpu1 write ICC_SGI1R_EL1 0x0000000001000002')).toEqual({
      kind: 'icc-write',
      cpu: 1,
      reg: 'ICC_SGI1R_EL1',
      value: 0x100_0002n,
    });
    expect(ok('cpu0 read ICC_IAR1_EL1')).toEqual({ kind: 'icc-read', cpu: 0, reg: 'ICC_IAR1_EL1' });
    expect(ok('CPU0 WRITE icc_pmr 0xf0')).toEqual({
      kind: 'icc-write',
      cpu: 0,
      reg: 'ICC_PMR_EL1',
      value: 0xf0n,
    });
  });

  it('refuses unknown registers and missing parts', () => {
    expect(err('cpu0 read ICC_FOO')).toMatch(
      /^11: unknown ICC register 'ICC_FOO' \(known, with or without _EL1: ICC_PMR, ICC_IAR0, /,
    );
    expect(err('cpu0 peek ICC_PMR')).toBe("6: expected 'read' or 'write' after 'cpu0', found 'peek'");
    expect(err('cpu0 read')).toBe("9: expected an ICC register name after 'cpu0 read'");
    expect(err('cpu0 write ICC_PMR_EL1')).toBe("22: expected a value after 'cpu0 write ICC_PMR_EL1'");
  });
});

describe('memory', () => {
  it('parses writes, byte lists, fills and the LPI table helpers', () => {
    expect(ok('mem write32 0x4000_0000 0xdeadbeef')).toEqual({
      kind: 'mem-write',
      width: 32,
      addr: 0x4000_0000,
      value: 0xdead_beefn,
    });
    expect(ok('mem write 0x40000000 0xa2 1 0')).toEqual({
      kind: 'mem-bytes',
      addr: 0x4000_0000,
      bytes: [0xa2, 1, 0],
    });
    expect(ok('mem fill 0x40000000 64K 0')).toEqual({
      kind: 'mem-fill',
      addr: 0x4000_0000,
      len: 65536,
      byte: 0,
    });
    expect(ok('mem fill 0x40000000 2MiB 0xff')).toEqual({
      kind: 'mem-fill',
      addr: 0x4000_0000,
      len: 2 << 20,
      byte: 0xff,
    });
    expect(ok('mem fill 0x0 0x1000 1')).toEqual({ kind: 'mem-fill', addr: 0, len: 4096, byte: 1 });
    expect(ok('lpi-config 8195 0xa2')).toEqual({ kind: 'lpi-config', rd: 0, intid: 8195, value: 0xa2 });
    expect(ok('lpi-config rd2 0x2003 0xa3')).toEqual({ kind: 'lpi-config', rd: 2, intid: 8195, value: 0xa3 });
    expect(ok('lpi-pending 8195 set')).toEqual({ kind: 'lpi-pending', rd: 0, intid: 8195, set: true });
    expect(ok('lpi-pending gicr1 8195 clear')).toEqual({
      kind: 'lpi-pending',
      rd: 1,
      intid: 8195,
      set: false,
    });
  });

  it('refuses bad memory commands', () => {
    expect(err('mem write8 0x1000 0x100')).toBe("19: '0x100' does not fit in an 8-bit access");
    expect(err('mem write 0x1000')).toBe("16: expected a byte after 'mem write 0x1000'");
    expect(err('mem write 0x1000 1 256')).toBe("20: '256' is not a byte (0 to 0xff)");
    expect(err('mem write24 0x1000 1')).toBe(
      "5: unknown access width 'write24' (widths: write8, write16, write32, write64)",
    );
    expect(err('mem copy 0x1000')).toBe(
      "5: expected 'write8', 'write16', 'write32', 'write64', 'write' or 'fill' after 'mem', found 'copy'",
    );
    expect(err('mem fill 0x1000 64X 0')).toBe("17: malformed length '64X' (e.g. 4096, 0x1000, 64K)");
    expect(err('mem fill 0x1000 4G')).toBe("18: expected a byte after 'mem fill 0x1000 4G'");
    expect(err('lpi-config 8191 0xa2')).toBe('12: 8191 is not an LPI (LPI INTIDs start at 8192)');
    expect(err('lpi-config rd0 8192 0x1a2')).toBe("21: '0x1a2' is not a byte (0 to 0xff)");
    expect(err('lpi-pending 8192 on')).toBe(
      "18: expected 'set' or 'clear' after 'lpi-pending 8192', found 'on'",
    );
  });
});

describe('ITS commands', () => {
  it('parses commands by spec name or alias, storing spec names', () => {
    expect(ok('its MAPD DeviceID=2 Size=7 ITT_addr=0x40410000 V=1')).toEqual({
      kind: 'its-cmd',
      its: 0,
      name: 'MAPD',
      fields: { DeviceID: 2n, Size: 7n, ITT_addr: 0x4041_0000n, V: 1n },
    });
    expect(ok('its mapti dev=2 ev=20 lpi=8195 col=3')).toEqual({
      kind: 'its-cmd',
      its: 0,
      name: 'MAPTI',
      fields: { DeviceID: 2n, EventID: 20n, pINTID: 8195n, ICID: 3n },
    });
    expect(ok('its1 INT DeviceID=7 EventID=255')).toEqual({
      kind: 'its-cmd',
      its: 1,
      name: 'INT',
      fields: { DeviceID: 7n, EventID: 255n },
    });
    expect(ok('its1 its SYNC target=3')).toEqual({
      kind: 'its-cmd',
      its: 1,
      name: 'SYNC',
      fields: { RDbase: 3n },
    });
    expect(ok('its its2 MOVALL from=1 to=2')).toEqual({
      kind: 'its-cmd',
      its: 2,
      name: 'MOVALL',
      fields: { RDbase1: 1n, RDbase2: 2n },
    });
    expect(ok('its INVALL')).toEqual({ kind: 'its-cmd', its: 0, name: 'INVALL', fields: {} });
    expect(ok('its VMAPP vpeid=1 vpt=0x10000')).toEqual({
      kind: 'its-cmd',
      its: 0,
      name: 'VMAPP',
      fields: { vPEID: 1n, VPT_addr: 0x10000n },
    });
  });

  it('parses raw commands', () => {
    expect(ok('its raw 0x000000020000000a 0x0000200300000014 0x3 0x0')).toEqual({
      kind: 'its-raw',
      its: 0,
      dws: [0x2_0000_000an, 0x2003_0000_0014n, 3n, 0n],
    });
    expect(ok('its its1 raw 1 2 3 4')).toEqual({ kind: 'its-raw', its: 1, dws: [1n, 2n, 3n, 4n] });
    expect(ok('its3 raw 1 2 3 4')).toEqual({ kind: 'its-raw', its: 3, dws: [1n, 2n, 3n, 4n] });
  });

  it('refuses unknown commands and fields, values too wide and unaligned addresses', () => {
    expect(err('its MAPX')).toBe(
      "5: unknown ITS command 'MAPX' (known: MOVI, INT, CLEAR, SYNC, MAPD, MAPC, MAPTI, MAPI, INV, INVALL, MOVALL, DISCARD, VMOVI, VMOVP, VSGI, VSYNC, VMAPP, VMAPTI, VMAPI, VINVALL, INVDB)",
    );
    expect(err('its MAPD Size=0x20')).toBe('15: MAPD Size: 0x20 does not fit in 5 bits');
    expect(err('its MAPD DeviceID=2 ITT_addr=0x40410010')).toBe(
      '30: MAPD ITT_addr: 0x40410010 is not 256-byte aligned',
    );
    expect(err('its INT DeviceID=2 icid=1')).toBe("20: INT has no field 'icid' (fields: DeviceID, EventID)");
    expect(err('its INT DeviceID=2 dev=3')).toBe('20: INT DeviceID is given twice');
    expect(err('its INT DeviceID 2')).toBe(
      "18: expected '=' and a value after 'its INT DeviceID', found '2'",
    );
    expect(err('its INT DeviceID=')).toBe("17: expected a value for DeviceID after 'its INT DeviceID='");
    expect(err('its INT DeviceID=0x1_0000_0000')).toBe(
      '18: INT DeviceID: 0x100000000 does not fit in 32 bits',
    );
    expect(err('its')).toMatch(/^3: expected an ITS command \(MOVI, INT, .*, INVDB\) or 'raw' after 'its'$/);
    expect(err('its raw 1 2 3')).toBe("13: expected doubleword 3 after 'its raw 1 2 3'");
    expect(err('its raw 1 2 3 4 5')).toBe("17: unexpected '5' after 'its raw 1 2 3 4'");
  });
});

describe('devices and lines', () => {
  it('parses MSIs and lines', () => {
    expect(ok('msi nic0 1')).toEqual({ kind: 'msi', device: { kind: 'name', name: 'nic0' }, eventid: 1 });
    expect(ok('msi rid=0x10 0x14')).toEqual({ kind: 'msi', device: { kind: 'rid', rid: 16 }, eventid: 20 });
    expect(ok('msi "pci 00:02.0" 3')).toEqual({
      kind: 'msi',
      device: { kind: 'name', name: 'pci 00:02.0' },
      eventid: 3,
    });
    expect(ok('line 40 high')).toEqual({ kind: 'line', intid: 40, level: 'high' });
    expect(ok('line 27 PULSE cpu1')).toEqual({ kind: 'line', intid: 27, cpu: 1, level: 'pulse' });
    expect(ok('line 1019 low')).toEqual({ kind: 'line', intid: 1019, level: 'low' });
  });

  it('refuses a PPI without its CPU, an SPI with one, and other INTIDs', () => {
    expect(err('line 27 high')).toBe("6: INTID 27 is a PPI: name its CPU, e.g. 'line 27 high cpu0'");
    expect(err('line 40 low cpu1')).toBe("13: INTID 40 is an SPI: it belongs to no CPU, remove 'cpu1'");
    expect(err('line 3 high')).toBe(
      '6: INTID 3 is an SGI: SGIs are generated through ICC_SGI1R_EL1, not by a line',
    );
    expect(err('line 8195 high')).toBe('6: INTID 8195 is neither a PPI (16-31) nor an SPI (32-1019)');
    expect(err('line 40 up')).toBe("9: expected 'high', 'low' or 'pulse' after 'line 40', found 'up'");
    expect(err('line 27 high rd1')).toBe("14: expected cpu<n> after 'line 27 high', found 'rd1'");
    expect(err('msi 5 1')).toBe("5: expected a device name or rid=<requester-id> after 'msi', found '5'");
    expect(err('msi nic0')).toBe("8: expected an EventID after 'msi nic0'");
    expect(err('msi "" 1')).toBe('5: a device name cannot be empty');
    expect(err('msi "nic0 1')).toBe('5: unterminated string: expected a closing "');
  });
});

describe('software and running', () => {
  it('parses software policies and run/wait/step/migrate', () => {
    expect(ok('software cpu1,cpu3 hold')).toEqual({ kind: 'software', cpus: [1, 3], policy: 'hold' });
    expect(ok('software cpu2 , cpu0 masked')).toEqual({ kind: 'software', cpus: [2, 0], policy: 'masked' });
    expect(ok('software all deactivate-icactiver')).toEqual({
      kind: 'software',
      cpus: 'all',
      policy: 'deactivate-icactiver',
    });
    expect(ok('run')).toEqual({ kind: 'run', until: 'idle' });
    expect(ok('run until idle')).toEqual({ kind: 'run', until: 'idle' });
    expect(ok('run until delivery')).toEqual({ kind: 'run', until: 'delivery' });
    expect(ok('run until command')).toEqual({ kind: 'run', until: 'command' });
    expect(ok('run until event')).toEqual({ kind: 'run', until: 'event' });
    expect(ok('wait 5ms')).toEqual({ kind: 'wait', ns: 5_000_000 });
    expect(ok('wait 100us')).toEqual({ kind: 'wait', ns: 100_000 });
    expect(ok('wait 1_000NS')).toEqual({ kind: 'wait', ns: 1000 });
    expect(ok('wait 2 s')).toEqual({ kind: 'wait', ns: 2_000_000_000 });
    expect(ok('wait 1.5ms')).toEqual({ kind: 'wait', ns: 1_500_000 });
    expect(ok('step')).toEqual({ kind: 'step', n: 1 });
    expect(ok('step 25')).toEqual({ kind: 'step', n: 25 });
    expect(ok('migrate')).toEqual({ kind: 'migrate' });
  });

  it('refuses bad software, run, wait and step lines', () => {
    expect(err('software cpu1 sleep')).toBe(
      "15: expected a policy (eoi, deactivate-icactiver, hold, masked) after 'software cpu1', found 'sleep'",
    );
    expect(err('software')).toBe("8: expected 'all' or cpu<n>[,cpu<m>...] after 'software'");
    expect(err('software cpu1,cpu1 eoi')).toBe('15: cpu1 is listed twice');
    expect(err('software cpu1, eoi')).toBe("16: expected cpu<n> after 'software cpu1,', found 'eoi'");
    expect(err('run until lunch')).toBe(
      "11: expected idle, delivery, command, event after 'run until', found 'lunch'",
    );
    expect(err('run forever')).toBe(
      "5: expected 'until' or the end of the line after 'run', found 'forever'",
    );
    expect(err('wait 5rdx')).toBe("7: unknown unit 'rdx' (durations take ns, us, ms or s)");
    expect(err('wait 5 rdx')).toBe("8: unknown unit 'rdx' (durations take ns, us, ms or s)");
    expect(err('wait 5')).toBe("6: expected a time unit (ns, us, ms or s) after 'wait 5'");
    expect(err('wait')).toBe("4: expected a duration (e.g. 100us, 5ms) after 'wait'");
    expect(err('wait 0x10ms')).toBe("6: malformed duration '0x10ms' (e.g. 100us, 5ms)");
    expect(err('wait 1.5ns')).toBe("6: '1.5ns' is not a whole number of nanoseconds");
    expect(err('wait 99999999999s')).toBe("6: '99999999999s' is too long a duration");
    expect(err('step 0')).toBe('6: step needs at least 1 event');
    expect(err('step many')).toBe("6: expected a number of events after 'step', found 'many'");
    expect(err('migrate now')).toBe("9: unexpected 'now' after 'migrate'");
    expect(err('frob 1')).toBe(
      "1: unknown command 'frob' (expected read, write, cpu<n>, mem, lpi-config, lpi-pending, its, msi, line, software, vm<n>, run, wait, step, migrate or expect)",
    );
  });
});

describe('expectations', () => {
  it('parses deliveries and delivered', () => {
    expect(ok('expect deliveries none')).toEqual(exp({ kind: 'deliveries', exact: [] }));
    expect(ok('expect deliveries cpu3:8195')).toEqual(
      exp({ kind: 'deliveries', exact: [{ cpu: 3, intid: 8195, count: 1 }] }),
    );
    expect(ok('expect deliveries cpu3:8195x2 cpu2 : 0x2004X3')).toEqual(
      exp({
        kind: 'deliveries',
        exact: [
          { cpu: 3, intid: 8195, count: 2 },
          { cpu: 2, intid: 8196, count: 3 },
        ],
      }),
    );
    expect(ok('expect delivered cpu3 8195')).toEqual(
      exp({ kind: 'delivered', cpu: 3, intid: 8195, count: 1 }),
    );
    expect(ok('expect delivered cpu3 8195 x2')).toEqual(
      exp({ kind: 'delivered', cpu: 3, intid: 8195, count: 2 }),
    );
    expect(ok('expect delivered cpu0 27x0')).toEqual(exp({ kind: 'delivered', cpu: 0, intid: 27, count: 0 }));
  });

  it('parses value checks', () => {
    expect(ok('expect reg GICD_CTLR == 0x12')).toEqual(
      exp({ kind: 'reg', target: { kind: 'reg', reg: 'GICD_CTLR' }, check: { equals: 0x12n } }),
    );
    expect(ok('expect reg rd1 GICR_CTLR & 0x1 == 1')).toEqual(
      exp({
        kind: 'reg',
        target: { kind: 'reg', reg: 'GICR_CTLR', unit: { type: 'rd', n: 1 } },
        check: { mask: 1n, equals: 1n },
      }),
    );
    expect(ok('expect reg32 its0+0x4 == 0')).toEqual(
      exp({
        kind: 'reg',
        target: { kind: 'offset', unit: { type: 'its', n: 0 }, offset: 4 },
        width: 32,
        check: { equals: 0n },
      }),
    );
    expect(ok('expect icc cpu0 ICC_PMR == 0xf0')).toEqual(
      exp({ kind: 'icc', cpu: 0, reg: 'ICC_PMR_EL1', check: { equals: 0xf0n } }),
    );
    expect(ok('expect mem64 0x40000000 & 0xff == 0xa2')).toEqual(
      exp({ kind: 'mem', width: 64, addr: 0x4000_0000, check: { mask: 0xffn, equals: 0xa2n } }),
    );
    expect(ok('expect mem 0x40000000 == 0xa2 0')).toEqual(
      exp({ kind: 'mem-bytes', addr: 0x4000_0000, bytes: [0xa2, 0] }),
    );
  });

  it('parses table-entry expectations', () => {
    expect(ok('expect dte 2 valid=1 size=7 itt=0x40410000')).toEqual(
      exp({ kind: 'dte', its: 0, devid: 2, fields: { valid: 1n, size: 7n, itt: 0x4041_0000n } }),
    );
    expect(ok('expect dte its1 2 absent')).toEqual(
      exp({ kind: 'dte', its: 1, devid: 2, fields: {}, absent: true }),
    );
    expect(ok('expect ite 2 20 intid=8195 ICID=3')).toEqual(
      exp({ kind: 'ite', its: 0, devid: 2, eventid: 20, fields: { intid: 8195n, icid: 3n } }),
    );
    expect(ok('expect ite its2 2 20 absent')).toEqual(
      exp({ kind: 'ite', its: 2, devid: 2, eventid: 20, fields: {}, absent: true }),
    );
    expect(ok('expect cte 3 V=1 rdbase=3')).toEqual(
      exp({ kind: 'cte', its: 0, icid: 3, fields: { valid: 1n, target: 3n } }),
    );
    expect(ok('expect cte 3')).toEqual(exp({ kind: 'cte', its: 0, icid: 3, fields: {} }));
  });

  it('parses pending and event-count expectations', () => {
    expect(ok('expect pending rd0 8195')).toEqual(
      exp({ kind: 'lpi-pending', rd: 0, intid: 8195, pending: true }),
    );
    expect(ok('expect not-pending rd2 8195')).toEqual(
      exp({ kind: 'lpi-pending', rd: 2, intid: 8195, pending: false }),
    );
    expect(ok('expect pending 8200')).toEqual(
      exp({ kind: 'lpi-pending', rd: 0, intid: 8200, pending: true }),
    );
    expect(ok('expect events its.cmd == 4')).toEqual(
      exp({ kind: 'events', eventKind: 'its.cmd', filters: {}, op: '==', count: 4 }),
    );
    expect(ok('expect events ITS.error error=E_ITS_MAPTI_UNMAPPED_DEVICE command=MAPTI >= 1 total')).toEqual(
      exp({
        kind: 'events',
        eventKind: 'its.error',
        filters: { error: 'E_ITS_MAPTI_UNMAPPED_DEVICE', command: 'MAPTI' },
        op: '>=',
        count: 1,
        total: true,
      }),
    );
    expect(ok('expect events icc.ack cpu=3 intid=0x2003 unit="pci 00:02.0" <= 2')).toEqual(
      exp({
        kind: 'events',
        eventKind: 'icc.ack',
        filters: { cpu: '3', intid: '0x2003', unit: 'pci 00:02.0' },
        op: '<=',
        count: 2,
      }),
    );
  });

  it('refuses malformed expectations', () => {
    expect(err('expect')).toMatch(
      /^6: expected what to expect \(deliveries, .*, events or vm<n> <expectation>\) after 'expect'$/,
    );
    expect(err('expect nothing')).toBe(
      "8: unknown expectation 'nothing' (expected deliveries, delivered, reg, icc, mem, dte, ite, cte, pending, not-pending, events or vm<n> <expectation>)",
    );
    expect(err('expect deliveries')).toBe(
      "17: expected 'none' or <cpu>:<intid>[x<count>] after 'expect deliveries'",
    );
    expect(err('expect deliveries cpu3')).toBe("22: expected ':<intid>' after 'expect deliveries cpu3'");
    expect(err('expect deliveries cpu3:')).toBe("23: expected an INTID after 'expect deliveries cpu3:'");
    expect(err('expect deliveries cpu3:8195x')).toBe("28: malformed count 'x' (e.g. x2)");
    expect(err('expect deliveries cpu3:8195x0')).toBe(
      '19: a delivery count is at least 1 (leave cpu3:8195 out instead)',
    );
    expect(err('expect deliveries cpu3:8195 cpu3:8195')).toBe(
      '29: cpu3:8195 is listed twice (write one entry with x<count>)',
    );
    expect(err('expect deliveries none cpu3:8195')).toBe(
      "24: unexpected 'cpu3' after 'expect deliveries none'",
    );
    expect(err('expect delivered cpu3 8195 x')).toBe("28: malformed count 'x' (e.g. x2)");
    expect(err('expect reg GICD_CTLR 1')).toBe(
      "22: expected '& <mask>', '==' or 'unchanged' after 'expect reg GICD_CTLR', found '1'",
    );
    expect(err('expect reg GICD_CTLR & 1 = 1')).toBe(
      "26: expected '==' or 'unchanged' after 'expect reg GICD_CTLR & 1', found '='",
    );
    expect(err('expect reg gicd+4 == 1')).toBe(
      "12: 'gicd+4' needs an explicit access width: use reg8, reg16, reg32 or reg64",
    );
    expect(err('expect mem8 0x1000 == 0x100')).toBe("23: '0x100' does not fit in an 8-bit access");
    expect(err('expect mem 0x1000 & 0xff == 1')).toBe(
      "19: a mask needs a width: use 'expect mem8|mem16|mem32|mem64'",
    );
    expect(err('expect mem 0x1000 ==')).toBe("20: expected a byte after 'expect mem 0x1000 =='");
    expect(err('expect dte 2 valid=1 absent')).toBe("22: 'absent' cannot be combined with field values");
    expect(err('expect dte 2 intid=3')).toBe("14: unknown DTE field 'intid' (fields: valid, size, itt)");
    expect(err('expect dte 2 valid=1 v=1')).toBe('22: valid is given twice');
    expect(err('expect dte 2 absent valid=1')).toBe("21: unexpected 'valid' after 'expect dte 2 absent'");
    expect(err('expect ite 2')).toBe("12: expected an EventID after 'expect ite 2'");
    expect(err('expect pending rd0 27')).toBe('20: 27 is not an LPI (LPI INTIDs start at 8192)');
    expect(err('expect events its.cmd')).toBe(
      "21: expected <key>=<value>, '==', '>=' or '<=' after 'expect events its.cmd'",
    );
    expect(err('expect events its.cmd > 1')).toBe(
      "23: unexpected character '>' (comparisons are ==, >= and <=)",
    );
    expect(err('expect events its..cmd == 1')).toBe(
      "15: 'its..cmd' is not an event kind (a dotted name like its.cmd)",
    );
    expect(err('expect events its.cmd a=1 a=2 == 1')).toBe('27: filter a is given twice');
    expect(err('expect events its.cmd == 1 always')).toBe(
      "28: expected 'total' or the end of the line after 'expect events its.cmd == 1', found 'always'",
    );
  });
});

describe('VMs: guest lines', () => {
  const g = (vcpu: number, action: Action, vm = 0): Action => ({ kind: 'guest', vm, vcpu, action });

  it('parses register accesses in the guest, with or without a unit', () => {
    expect(ok('vm0 vcpu1 read GICD_CTLR')).toEqual(
      g(1, { kind: 'mmio-read', target: { kind: 'reg', reg: 'GICD_CTLR' } }),
    );
    expect(ok('VM2 VCPU0 write64 rd1 GICR_PROPBASER 0x4013000d')).toEqual(
      g(
        0,
        {
          kind: 'mmio-write',
          width: 64,
          target: { kind: 'reg', reg: 'GICR_PROPBASER', unit: { type: 'rd', n: 1 } },
          value: 0x4013000dn,
        },
        2,
      ),
    );
    expect(ok('vm0 vcpu0 write32 its0+0x88 0x20')).toEqual(
      g(0, {
        kind: 'mmio-write',
        width: 32,
        target: { kind: 'offset', unit: { type: 'its', n: 0 }, offset: 0x88 },
        value: 0x20n,
      }),
    );
    expect(ok('vm0 vcpu0 read32 @0x08000004')).toEqual(
      g(0, { kind: 'mmio-read', width: 32, target: { kind: 'addr', addr: 0x0800_0004 } }),
    );
  });

  it('reaches the vCPU CPU interface with plain read/write of ICC registers', () => {
    expect(ok('vm0 vcpu1 write ICC_PMR_EL1 0xf0')).toEqual(
      g(1, { kind: 'icc-write', cpu: 1, reg: 'ICC_PMR_EL1', value: 0xf0n }),
    );
    expect(ok('vm0 vcpu1 read icc_iar1')).toEqual(g(1, { kind: 'icc-read', cpu: 1, reg: 'ICC_IAR1_EL1' }));
  });

  it('parses memory, ITS commands and the property byte', () => {
    expect(ok('vm0 vcpu0 mem write32 0x40000000 5')).toEqual(
      g(0, { kind: 'mem-write', width: 32, addr: 0x4000_0000, value: 5n }),
    );
    expect(ok('vm0 vcpu0 mem write 0x40000000 1 0xa2')).toEqual(
      g(0, { kind: 'mem-bytes', addr: 0x4000_0000, bytes: [1, 0xa2] }),
    );
    expect(ok('vm0 vcpu0 mem fill 0x40130000 4K 0xa2')).toEqual(
      g(0, { kind: 'mem-fill', addr: 0x4013_0000, len: 4096, byte: 0xa2 }),
    );
    expect(ok('vm0 vcpu0 its MAPD DeviceID=2 Size=7 ITT_addr=0x40410000 V=1')).toEqual(
      g(0, {
        kind: 'its-cmd',
        its: 0,
        name: 'MAPD',
        fields: { DeviceID: 2n, Size: 7n, ITT_addr: 0x4041_0000n, V: 1n },
      }),
    );
    expect(ok('vm0 vcpu1 its1 INT devid=2 ev=3')).toEqual(
      g(1, { kind: 'its-cmd', its: 1, name: 'INT', fields: { DeviceID: 2n, EventID: 3n } }),
    );
    expect(ok('vm0 vcpu0 its raw 1 2 3 4')).toEqual(g(0, { kind: 'its-raw', its: 0, dws: [1n, 2n, 3n, 4n] }));
    expect(ok('vm0 vcpu1 lpi-config 8192 0xa2')).toEqual(
      g(1, { kind: 'lpi-config', rd: 1, intid: 8192, value: 0xa2 }),
    );
  });

  it("parses the pending bit: the issuing vCPU's table, or rd<k>'s", () => {
    expect(ok('vm0 vcpu1 lpi-pending 8195 set')).toEqual(
      g(1, { kind: 'lpi-pending', rd: 1, intid: 8195, set: true }),
    );
    expect(ok('vm0 vcpu0 lpi-pending rd3 8196 clear')).toEqual(
      g(0, { kind: 'lpi-pending', rd: 3, intid: 8196, set: false }),
    );
    expect(ok('vm0 vcpu0 lpi-pending gicr2 8192 SET')).toEqual(
      g(0, { kind: 'lpi-pending', rd: 2, intid: 8192, set: true }),
    );
    expect(err('vm0 vcpu0 lpi-pending 27 set')).toBe('23: 27 is not an LPI (LPI INTIDs start at 8192)');
    expect(err('vm0 vcpu0 lpi-pending rd1 8192')).toBe(
      "30: expected 'set' or 'clear' after 'vm0 vcpu0 lpi-pending rd1 8192'",
    );
    expect(err('vm0 vcpu0 lpi-pending cpu1 8192 set')).toBe(
      "23: expected an LPI INTID after 'vm0 vcpu0 lpi-pending', found 'cpu1'",
    );
  });

  it('parses pinning', () => {
    expect(ok('vm0 vcpu1 pin pcpu2')).toEqual({ kind: 'vcpu-pin', vm: 0, vcpu: 1, pcpu: 2 });
    expect(ok('vm1 vcpu0 unpin')).toEqual({ kind: 'vcpu-pin', vm: 1, vcpu: 0, pcpu: -1 });
  });

  it('refuses what a guest line cannot say, naming why', () => {
    expect(err('vm0 vcpu1 cpu1 read ICC_IAR1_EL1')).toBe(
      "11: a guest line names no cpu<n>: the vCPU is given (write 'vm0 vcpu1 read|write ICC_...' for its CPU interface)",
    );
    expect(err('vm0 vcpu1 write32 ICC_PMR 1')).toBe(
      "11: 'ICC_PMR' is a 64-bit system register: write 'write ICC_PMR' without a width",
    );
    expect(err('vm0 vcpu1 read rd0 ICC_PMR')).toBe(
      "20: 'ICC_PMR' is a system register: it has no unit (write 'read|write ICC_PMR')",
    );
    expect(err('vm0 vcpu1 read ICC_BOGUS')).toMatch(/^16: unknown ICC register 'ICC_BOGUS'/);
    expect(err('vm0 vcpu1 write GICR_CTLR |= 1')).toMatch(/^27: a guest line cannot read-modify-write/);
    expect(err('vm0 vcpu1 write ICC_PMR &= ~1')).toMatch(/^25: a guest line cannot read-modify-write/);
    expect(err('vm0 vcpu0 lpi-config rd1 8192 0xa2')).toBe(
      "22: a VM has one GICR_PROPBASER for all its redistributors: write 'lpi-config <intid> <byte>' without 'rd1'",
    );
    expect(err('vm0 vcpu0 lpi-config 27 0xa2')).toBe('22: 27 is not an LPI (LPI INTIDs start at 8192)');
    expect(err('vm0 vcpu0 msi nic0 1')).toBe(
      "11: 'msi' is not something the guest's code does on a vCPU (a guest line is read, write, mem, its, lpi-config, lpi-pending or timer)",
    );
    expect(err('vm0 vcpu0 migrate')).toMatch(/^11: 'migrate' is not something the guest's code does/);
    expect(err('vm0 vcpu0 irq-line spi 32 1')).toMatch(
      /^11: 'irq-line' is not something the guest's code does/,
    );
    expect(err('vm0 vcpu0 vm1 read GICD_CTLR')).toBe(
      "11: a guest line names its VM and vCPU once, at its start ('vm0 vcpu0 ...')",
    );
    expect(err('vm0 vcpu0 frob')).toBe(
      "11: unknown guest command 'frob' (expected read, write, mem, its, lpi-config, lpi-pending, timer, pin or unpin)",
    );
    expect(err('vm0 vcpu0')).toBe(
      "9: expected what the guest on vcpu0 does (read, write, mem, its, lpi-config, lpi-pending, timer, pin or unpin) after 'vm0 vcpu0'",
    );
    expect(err('vm0 vcpu0 its MAPX')).toMatch(/^15: unknown ITS command 'MAPX'/);
    expect(err('vm0 vcpu1 pin 2')).toBe("15: expected pcpu<n> after 'vm0 vcpu1 pin', found '2'");
    expect(err('vm0 vcpu1 unpin now')).toBe("17: unexpected 'now' after 'vm0 vcpu1 unpin'");
    expect(err('vm99999999 eventfd')).toBe("1: 'vm99999999': 99999999 is too large a number (at most 65535)");
  });
});

describe('VMs: KVM calls', () => {
  const k = (call: KvmCall, vm = 0): Action => ({ kind: 'kvm', vm, call });

  it('parses KVM_IRQ_LINE by SPI, by a vCPU PPI, or as the raw irq word', () => {
    expect(ok('vm0 irq-line spi 32 high')).toEqual(k({ kind: 'irq-line', irq: 0x0100_0020, level: 1 }));
    expect(ok('vm0 irq-line SPI 40 0')).toEqual(k({ kind: 'irq-line', irq: 0x0100_0028, level: 0 }));
    expect(ok('vm0 irq-line ppi vcpu1 27 low')).toEqual(k({ kind: 'irq-line', irq: 0x0201_001b, level: 0 }));
    // vcpu_index holds bits [7:0] of the vCPU number, vcpu2_index bits [11:8].
    expect(ok('vm0 irq-line ppi vcpu258 27 1')).toEqual(k({ kind: 'irq-line', irq: 0x1202_001b, level: 1 }));
    expect(ok('vm1 irq-line 0x01000020 1')).toEqual(k({ kind: 'irq-line', irq: 0x0100_0020, level: 1 }, 1));
    // Words and levels KVM refuses or treats specially still parse: KVM decides when it is applied.
    expect(ok('vm0 irq-line 0x07000020 5')).toEqual(k({ kind: 'irq-line', irq: 0x0700_0020, level: 5 }));
    expect(ok('vm0 irq-line spi 5 1')).toEqual(k({ kind: 'irq-line', irq: 0x0100_0005, level: 1 }));
    expect(ok('vm0 irq-line 0xffffffff 0xffffffff')).toEqual(
      k({ kind: 'irq-line', irq: 0xffff_ffff, level: 0xffff_ffff }),
    );
  });

  it('refuses irq-line syntax errors and values beyond the fields', () => {
    expect(err('vm0 irq-line')).toBe(
      "12: expected 'spi <intid>', 'ppi vcpu<n> <intid>' or a kvm_irq_level.irq word after 'vm0 irq-line'",
    );
    expect(err('vm0 irq-line 0x1_0000_0000 1')).toBe("14: '0x1_0000_0000' does not fit in 32 bits");
    expect(err('vm0 irq-line spi 0x10000 1')).toBe("18: '0x10000' does not fit in irq_id (16 bits)");
    expect(err('vm0 irq-line spi 32')).toBe(
      "19: expected 'high', 'low' or a level (a 32-bit value) after 'vm0 irq-line spi 32'",
    );
    expect(err('vm0 irq-line ppi 27 1')).toBe("18: expected vcpu<n> after 'vm0 irq-line ppi', found '27'");
    expect(err('vm0 irq-line ppi vcpu4096 27 0')).toBe(
      "18: 'vcpu4096': an irq word holds vCPU numbers up to 4095 (vcpu2_index:vcpu_index)",
    );
    expect(err('vm0 irq-line spi 32 pulse')).toMatch(/^21: expected 'high', 'low' or a level/);
  });

  it('parses KVM_SIGNAL_MSI: devid= sets KVM_MSI_VALID_DEVID unless flags= says otherwise', () => {
    expect(ok('vm0 signal-msi addr=0x08090040 data=5 devid=16')).toEqual(
      k({ kind: 'signal-msi', addressLo: 0x0809_0040, addressHi: 0, data: 5, flags: 1, devid: 16 }),
    );
    expect(ok('vm0 signal-msi data=5 addr=0x1_0809_0040')).toEqual(
      k({ kind: 'signal-msi', addressLo: 0x0809_0040, addressHi: 1, data: 5, flags: 0, devid: 0 }),
    );
    expect(ok('vm0 signal-msi addr=0x08090040 data=5 flags=0 devid=16')).toEqual(
      k({ kind: 'signal-msi', addressLo: 0x0809_0040, addressHi: 0, data: 5, flags: 0, devid: 16 }),
    );
    expect(err('vm0 signal-msi data=5')).toBe('21: signal-msi needs addr=<the doorbell address>');
    expect(err('vm0 signal-msi addr=0x08090040')).toBe('30: signal-msi needs data=<the data (the EventID)>');
    expect(err('vm0 signal-msi addr=0x08090040 data=5 foo=1')).toBe(
      "39: signal-msi has no field 'foo' (fields: addr=, data=, devid=, flags=)",
    );
    expect(err('vm0 signal-msi addr=0x08090040 data=5 data=6')).toBe('39: data is given twice');
    expect(err('vm0 signal-msi addr=0x08090040 data=0x1_0000_0000')).toBe(
      "37: '0x1_0000_0000' does not fit in 32 bits",
    );
    expect(err('vm0 signal-msi addr 5')).toBe(
      "21: expected '=' and the doorbell address after 'vm0 signal-msi addr', found '5'",
    );
  });

  it('parses KVM_SET_GSI_ROUTING entries, and an empty table', () => {
    expect(ok('vm0 set-gsi-routing')).toEqual(k({ kind: 'set-gsi-routing', entries: [] }));
    expect(ok('vm0 set-gsi-routing none')).toEqual(k({ kind: 'set-gsi-routing', entries: [] }));
    expect(
      ok(
        'vm0 set-gsi-routing gsi=0:irqchip:5 gsi=1:msi:0x8090040:7 gsi=2:msi:0x8090040:7:16 gsi=3:raw:3:0:1:2',
      ),
    ).toEqual(
      k({
        kind: 'set-gsi-routing',
        entries: [
          irqchipRouteEntry(0, 5),
          msiRouteEntry(1, { address: 0x809_0040n, data: 7 }),
          msiRouteEntry(2, { address: 0x809_0040n, data: 7, devid: 16 }),
          { gsi: 3, type: 3, flags: 0, u: [1, 2, 0, 0, 0, 0, 0, 0] },
        ],
      }),
    );
    expect(err('vm0 set-gsi-routing gsi=0')).toBe(
      "25: expected ':irqchip', ':msi' or ':raw' after 'vm0 set-gsi-routing gsi=0'",
    );
    expect(err('vm0 set-gsi-routing gsi=0:foo:1')).toBe(
      "27: expected 'irqchip', 'msi' or 'raw' after 'vm0 set-gsi-routing gsi=0:', found 'foo'",
    );
    expect(err('vm0 set-gsi-routing gsi=1:msi:0x8090040')).toBe(
      "39: expected ':<data>' after 'vm0 set-gsi-routing gsi=1:msi:0x8090040'",
    );
    expect(err('vm0 set-gsi-routing gsi=3:raw:3:0:1:2:3:4:5:6:7:8:9')).toBe(
      '50: a routing entry has 8 words of data (u0 to u7)',
    );
    expect(err('vm0 set-gsi-routing none gsi=0:irqchip:0')).toBe(
      "26: unexpected 'gsi' after 'vm0 set-gsi-routing none'",
    );
    expect(err('vm0 set-gsi-routing 5')).toMatch(/^21: expected gsi=<n>:irqchip:<pin>, .* or 'none' after/);
  });

  it('parses eventfds, irqfds and VFIO', () => {
    expect(ok('vm0 eventfd')).toEqual(k({ kind: 'eventfd' }));
    expect(ok('vm0 eventfd-signal 3')).toEqual(k({ kind: 'eventfd-signal', fd: 3 }));
    expect(ok('vm0 irqfd fd=3 gsi=5')).toEqual(k({ kind: 'irqfd', fd: 3, gsi: 5, flags: 0, resamplefd: 0 }));
    expect(ok('vm0 irqfd gsi=5 fd=3 resample=4')).toEqual(
      k({ kind: 'irqfd', fd: 3, gsi: 5, flags: 2, resamplefd: 4 }),
    );
    expect(ok('vm0 irqfd fd=3 deassign gsi=5')).toEqual(
      k({ kind: 'irqfd', fd: 3, gsi: 5, flags: 1, resamplefd: 0 }),
    );
    expect(ok('vm0 irqfd fd=3 gsi=5 flags=8 resample=4')).toEqual(
      k({ kind: 'irqfd', fd: 3, gsi: 5, flags: 8, resamplefd: 4 }),
    );
    expect(ok('vm0 vfio nic0 vector=0 lpi=8200 fd=3')).toEqual(
      k({ kind: 'vfio-irq', device: 'nic0', vector: 0, hostIntid: 8200, fd: 3 }),
    );
    expect(ok('vm0 vfio "pci 00:02.0" fd=3 lpi=8200 vector=1')).toEqual(
      k({ kind: 'vfio-irq', device: 'pci 00:02.0', vector: 1, hostIntid: 8200, fd: 3 }),
    );
  });

  it("parses the VMM's migration of the VM", () => {
    expect(ok('vm0 migrate')).toEqual(k({ kind: 'migrate' }));
    expect(ok('VM1 MIGRATE')).toEqual(k({ kind: 'migrate' }, 1));
    expect(err('vm0 migrate now')).toBe("13: unexpected 'now' after 'vm0 migrate'");
  });

  it('refuses missing fields, unknown calls and flags twice', () => {
    expect(err('vm0 irqfd gsi=5')).toBe('15: irqfd needs fd=<an eventfd>');
    expect(err('vm0 irqfd fd=3 gsi=5 deassign deassign')).toBe('31: deassign is given twice');
    expect(err('vm0 irqfd fd=3 gsi=5 flags=1 deassign')).toBe(
      "30: 'deassign' with flags=: flags= gives every flag (DEASSIGN is 0x1)",
    );
    expect(err('vm0 eventfd 3')).toBe("13: unexpected '3' after 'vm0 eventfd'");
    expect(err('vm0 eventfd-signal')).toBe(
      "18: expected an eventfd (its fd number) after 'vm0 eventfd-signal'",
    );
    expect(err('vm0 vfio nic0 vector=0 fd=3')).toBe('27: vfio needs lpi=<the host LPI>');
    expect(err('vm0 vfio nic0 vector=0 lpi=27 fd=3')).toBe(
      "28: 27 is not an LPI (LPI INTIDs start at 8192): VFIO's MSI vectors are host LPIs",
    );
    expect(err('vm0 vfio vector=0')).toBe(
      "10: vfio names the assigned device first: 'vfio <device> vector=<n> lpi=<intid> fd=<n>'",
    );
    expect(err('vm0 vfio nic0 vector 0')).toBe(
      "22: expected '=' and an MSI vector after 'vm0 vfio nic0 vector', found '0'",
    );
    expect(err('vm0 vfio nic0 0')).toBe("15: vfio has no field '0' (fields: vector=, lpi=, fd=)");
    expect(err('vm0 frob')).toBe(
      "5: unknown KVM call 'frob' (expected vcpu<n>, irq-line, signal-msi, set-gsi-routing, eventfd, irqfd, eventfd-signal, vfio or migrate)",
    );
    expect(err('vm0 cpu1 read ICC_IAR1')).toBe("5: a VM's CPUs are vcpu<n>, not 'cpu1'");
    expect(err('vm0')).toBe(
      "3: expected vcpu<n> or a KVM call (irq-line, signal-msi, set-gsi-routing, eventfd, irqfd, eventfd-signal, vfio or migrate) after 'vm0'",
    );
  });
});

describe('VMs: expectations', () => {
  const gx = (vm: number, expect: Extract<Expectation, { kind: 'guest' }>['expect']): Action =>
    exp({ kind: 'guest', vm, expect });

  it('parses what the guest on a vCPU took, in both spellings', () => {
    expect(ok('expect vm0 vcpu1 delivered 27')).toEqual(
      gx(0, { kind: 'delivered', cpu: 1, intid: 27, count: 1 }),
    );
    expect(ok('expect vm1 vcpu0 delivered 8192x2')).toEqual(
      gx(1, { kind: 'delivered', cpu: 0, intid: 8192, count: 2 }),
    );
    expect(ok('expect vm0 vcpu0 delivered 0 x3')).toEqual(
      gx(0, { kind: 'delivered', cpu: 0, intid: 0, count: 3 }),
    );
    expect(ok('expect vm0 delivered vcpu1 27')).toEqual(
      gx(0, { kind: 'delivered', cpu: 1, intid: 27, count: 1 }),
    );
  });

  it("parses every view form on the guest's view, with vcpu<n> for cpu<n>", () => {
    expect(ok('expect vm0 deliveries vcpu3:8195 vcpu2:8196x2')).toEqual(
      gx(0, {
        kind: 'deliveries',
        exact: [
          { cpu: 3, intid: 8195, count: 1 },
          { cpu: 2, intid: 8196, count: 2 },
        ],
      }),
    );
    expect(ok('expect vm1 deliveries none')).toEqual(gx(1, { kind: 'deliveries', exact: [] }));
    expect(ok('expect vm0 reg rd0 GICR_ISACTIVER0 & 0x2 == 0')).toEqual(
      gx(0, {
        kind: 'reg',
        target: { kind: 'reg', reg: 'GICR_ISACTIVER0', unit: { type: 'rd', n: 0 } },
        check: { mask: 2n, equals: 0n },
      }),
    );
    expect(ok('expect vm0 reg32 GITS_TYPER unchanged')).toEqual(
      gx(0, {
        kind: 'reg',
        width: 32,
        target: { kind: 'reg', reg: 'GITS_TYPER' },
        check: { unchanged: true },
      }),
    );
    expect(ok('expect vm0 icc vcpu0 ICC_RPR == 0xa0')).toEqual(
      gx(0, { kind: 'icc', cpu: 0, reg: 'ICC_RPR_EL1', check: { equals: 0xa0n } }),
    );
    expect(ok('expect vm0 mem8 0x40130003 == 0xa3')).toEqual(
      gx(0, { kind: 'mem', width: 8, addr: 0x4013_0003, check: { equals: 0xa3n } }),
    );
    expect(ok('expect vm0 mem 0x40200400 == 0xaa 0xaa')).toEqual(
      gx(0, { kind: 'mem-bytes', addr: 0x4020_0400, bytes: [0xaa, 0xaa] }),
    );
    expect(ok('expect vm0 dte 2 valid=1 size=7 itt=0x40300000')).toEqual(
      gx(0, { kind: 'dte', its: 0, devid: 2, fields: { valid: 1n, size: 7n, itt: 0x4030_0000n } }),
    );
    expect(ok('expect vm0 ite its0 2 20 intid=8195 icid=3')).toEqual(
      gx(0, { kind: 'ite', its: 0, devid: 2, eventid: 20, fields: { intid: 8195n, icid: 3n } }),
    );
    expect(ok('expect vm0 cte 3 absent')).toEqual(
      gx(0, { kind: 'cte', its: 0, icid: 3, fields: {}, absent: true }),
    );
    expect(ok('expect vm0 pending rd3 8195')).toEqual(
      gx(0, { kind: 'lpi-pending', rd: 3, intid: 8195, pending: true }),
    );
    expect(ok('expect vm0 not-pending 8195')).toEqual(
      gx(0, { kind: 'lpi-pending', rd: 0, intid: 8195, pending: false }),
    );
  });

  it('refuses a missing vCPU or verb, host CPU names, and forms with no guest meaning', () => {
    expect(err('expect vm0')).toBe(
      "10: expected what to expect of vm0's guest (deliveries, delivered, reg, icc, mem, dte, ite, cte, pending, not-pending or vcpu<m> delivered) after 'expect vm0'",
    );
    expect(err('expect vm0 delivered 27')).toBe(
      "22: expected vcpu<n> after 'expect vm0 delivered', found '27'",
    );
    expect(err('expect vm0 vcpu1 took 27')).toBe(
      "18: expected 'delivered' after 'expect vm0 vcpu1', found 'took'",
    );
    expect(err('expect vm0 vcpu1 delivered')).toBe(
      "26: expected a virtual INTID after 'expect vm0 vcpu1 delivered'",
    );
    expect(err('expect vm0 delivered cpu1 27')).toBe(
      "22: a VM's CPUs are vcpu<n>, not 'cpu1' (expect vm0 reads the guest's view)",
    );
    expect(err('expect vm0 deliveries cpu3:8195')).toBe(
      "23: a VM's CPUs are vcpu<n>, not 'cpu3' (expect vm0 reads the guest's view)",
    );
    expect(err('expect vm0 icc cpu0 ICC_RPR == 0')).toBe(
      "16: a VM's CPUs are vcpu<n>, not 'cpu0' (expect vm0 reads the guest's view)",
    );
    expect(err('expect vm0 deliveries vcpu1:1 vcpu1:1')).toBe(
      '31: vcpu1:1 is listed twice (write one entry with x<count>)',
    );
    expect(err('expect vm0 events its.cmd == 1')).toBe(
      "12: 'events' has no guest form: the event log is the machine's, the VM's events included; filter it by VM: 'expect events <kind> vm=0 ...'",
    );
    expect(err('expect vm0 vm1 deliveries none')).toBe(
      "12: an expectation reads one VM: write 'expect vm1 ...' on a line of its own",
    );
    expect(err('expect vm0 frob')).toBe(
      "12: unknown expectation 'frob' for a guest (expected deliveries, delivered, reg, icc, mem, dte, ite, cte, pending, not-pending or vcpu<m> delivered)",
    );
    expect(err('expect vm0 reg ICC_PMR == 0')).toBe(
      "16: 'ICC_PMR' is a CPU interface system register: use 'expect vm0 icc vcpu<n> ICC_PMR ...'",
    );
    expect(err('expect deliveries vcpu1:1')).toBe(
      "19: expected 'none' or <cpu>:<intid>[x<count>] after 'expect deliveries', found 'vcpu1'",
    );
  });
});

describe('docs/command-language.md', () => {
  it('every concrete example parses (code blocks without <placeholders>), and prints back to the same action', () => {
    const doc = readFileSync(new URL('../../docs/command-language.md', import.meta.url), 'utf8');
    const blocks = [...doc.matchAll(/```\n([\s\S]*?)```/g)].map((m) => m[1]!.split('\n'));
    const concrete = blocks.filter((b) => !b.some((l) => l.includes('<')));
    expect(concrete.length).toBeGreaterThanOrEqual(4);
    const lines = concrete.flat().filter((l) => parseLine(l) !== null);
    expect(lines.filter((l) => l.startsWith('vm0')).length).toBeGreaterThanOrEqual(20);
    for (const l of lines) {
      const a = ok(l);
      expect(parseLine(printAction(a)), l).toEqual({ ok: true, action: a });
    }
  });
});

describe('lexical errors', () => {
  it('names the column of a character no token starts with', () => {
    expect(err('read GICD_CTLR $')).toBe("16: unexpected character '$'");
    expect(err('write GICD_CTLR\u0001')).toBe('16: unexpected character U+0001');
    expect(err('run\nmigrate')).toBe('4: a command cannot contain a line break');
    expect(err('msi "a\\q" 1')).toBe('7: unknown escape in a string (only \\" and \\\\ are allowed)');
  });
});

describe('parseScript', () => {
  it('parses every line, numbering from firstLine, and collects every error', () => {
    const script = [
      '# kvm-unit-tests its-trigger, C27',
      'its MAPD DeviceID=2 Size=7 ITT_addr=0x40410000 V=1',
      '',
      'its MAPX',
      'its INT DeviceID=2 EventID=20\r',
      'wait 5',
      'expect deliveries cpu3:8195',
    ].join('\n');
    const r = parseScript(script, 10);
    expect(r.lines.map((l) => [l.line, l.action.kind])).toEqual([
      [11, 'its-cmd'],
      [14, 'its-cmd'],
      [16, 'expect'],
    ]);
    expect(r.lines[0]!.text).toBe('its MAPD DeviceID=2 Size=7 ITT_addr=0x40410000 V=1');
    expect(r.errors.map(formatParseError)).toEqual([
      expect.stringMatching(/^line 13, column 5: unknown ITS command 'MAPX'/),
      "line 15, column 6: expected a time unit (ns, us, ms or s) after 'wait 5'",
    ]);
  });

  it('accepts CRLF and CR line ends', () => {
    expect(parseScript('run\r\nmigrate\rstep').lines.map((l) => [l.line, l.text])).toEqual([
      [1, 'run'],
      [2, 'migrate'],
      [3, 'step'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Robustness: parseLine never throws, whatever it is given.

const KEYWORDS = [
  ...(
    'read read8 read16 read32 read64 write write8 write16 write32 write64 write128 cpu0 cpu3 cpu mem fill ' +
    'lpi-config lpi-pending set clear its its1 raw msi rid line high low pulse software all eoi hold masked ' +
    'deactivate-icactiver run until idle delivery command event wait step migrate expect deliveries delivered ' +
    'none reg reg32 icc mem8 mem64 dte ite cte absent pending not-pending events total gicd rd0 rd3 gicr1 its0 ' +
    'GICD_CTLR GICR_CTLR GITS_CBASER GICD_IROUTER40 ICC_PMR_EL1 ICC_IAR1 its.cmd valid size itt intid icid ' +
    'target x2 nic0 K 64K 5ms 100us ns 1.5ms rdx __proto__ constructor toString ' +
    'vm0 vm1 vcpu0 vcpu1 vcpu4096 pcpu0 pcpu2 pin unpin irq-line spi ppi signal-msi addr data devid flags ' +
    'set-gsi-routing gsi irqchip raw eventfd irqfd resample deassign eventfd-signal vfio vector lpi fd'
  ).split(' '),
  ...ITS_COMMANDS.flatMap((c) => [c.name, ...c.fields.flatMap((f) => [f.name, ...f.aliases])]),
];
const PUNCT = '= == >= <= & @ + : , # " \\ < > ! . - _'.split(' ');
const NUMBERS = (
  '0 1 27 40 8195 0x2003 0x40410000 0b101 0x_1 1__0 0xffffffffffffffff 0x1_0000_0000_0000_0000 ' +
  '99999999999999999999 8195x2 0x2003x0'
).split(' ');

const tokenArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KEYWORDS) },
  { weight: 3, arbitrary: fc.constantFrom(...PUNCT) },
  { weight: 3, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);
const soupArb = fc
  .tuple(
    fc.array(tokenArb, { maxLength: 14 }),
    fc.array(fc.constantFrom(' ', '', '  ', '\t'), { minLength: 14, maxLength: 14 }),
  )
  .map(([toks, seps]) => toks.map((t, i) => t + seps[i]!).join(''));

function checkNoThrow(text: string): void {
  let r: LineResult | null = null;
  expect(() => {
    r = parseLine(text, 7);
  }).not.toThrow();
  const res = r as LineResult | null;
  if (res === null) return;
  if (!res.ok) {
    expect(res.error.line).toBe(7);
    expect(res.error.column).toBeGreaterThanOrEqual(1);
    expect(res.error.column).toBeLessThanOrEqual(text.length + 1);
    expect(res.error.message).not.toMatch(/internal parser error/);
    return;
  }
  // Whatever parses prints to a line that parses back to the same action.
  expect(parseLine(printAction(res.action))).toEqual({ ok: true, action: res.action });
}

describe('robustness', () => {
  it('never throws on random strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), checkNoThrow), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), checkNoThrow), { numRuns: 1000 });
  });

  it('never throws on token soups of the language, and what parses round-trips', () => {
    fc.assert(fc.property(soupArb, checkNoThrow), { numRuns: 5000 });
  });

  it('never throws on soups that start with a real command word', () => {
    const starts = fc.constantFrom(
      'read32',
      'write',
      'cpu1',
      'mem',
      'lpi-config',
      'its',
      'its1',
      'msi',
      'line',
      'software',
      'wait',
      'step',
      'expect',
      'run',
      'vm0',
      'vm0 vcpu1',
      'vm0 irq-line',
      'vm0 set-gsi-routing',
      'vm1 vcpu0 its',
    );
    const expectKinds = fc.constantFrom(
      '',
      'deliveries',
      'delivered',
      'reg',
      'reg32',
      'icc',
      'mem',
      'mem32',
      'dte',
      'ite',
      'cte',
      'pending',
      'events',
      'vm0',
      'vm0 vcpu1',
      'vm0 vcpu1 delivered',
    );
    fc.assert(
      fc.property(starts, expectKinds, soupArb, (s, k, rest) =>
        checkNoThrow(`${s} ${s === 'expect' ? k : ''} ${rest}`),
      ),
      { numRuns: 5000 },
    );
  });
});

describe('read-modify-write register forms', () => {
  it('parses |= and &= ~ with the bits they set or clear', () => {
    expect(parseLine('write rd3 GICR_CTLR |= 1')).toEqual({
      ok: true,
      action: {
        kind: 'mmio-write',
        target: { kind: 'reg', reg: 'GICR_CTLR', unit: { type: 'rd', n: 3 } },
        value: 1n,
        op: 'set-bits',
      },
    });
    expect(parseLine('write64 rd0 GICR_PENDBASER &= ~0x4000000000000000')).toEqual({
      ok: true,
      action: {
        kind: 'mmio-write',
        width: 64,
        target: { kind: 'reg', reg: 'GICR_PENDBASER', unit: { type: 'rd', n: 0 } },
        value: 0x4000000000000000n,
        op: 'clear-bits',
      },
    });
  });

  it('refuses &= without ~', () => {
    const r = parseLine('write GICR_CTLR &= 1');
    expect(r).toMatchObject({
      ok: false,
      error: { message: "'&=' must be followed by '~<bits>' (the bits to clear)" },
    });
  });
});

describe("the guest's virtual timer line", () => {
  it('parses timer <duration> and timer off, prints them back, and is refused outside a guest line', () => {
    const on = parseLine('vm0 vcpu1 timer 5us');
    expect(on && on.ok && on.action).toEqual({
      kind: 'guest',
      vm: 0,
      vcpu: 1,
      action: { kind: 'vtimer', ns: 5000 },
    });
    const off = parseLine('vm0 vcpu1 timer off');
    expect(off && off.ok && off.action).toEqual({
      kind: 'guest',
      vm: 0,
      vcpu: 1,
      action: { kind: 'vtimer', ns: null },
    });
    for (const r of [on, off]) if (r && r.ok) expect(parseLine(printAction(r.action))).toEqual(r);
    const bad = parseLine('vm0 vcpu1 timer soon');
    expect(bad && !bad.ok).toBe(true);
  });
});
