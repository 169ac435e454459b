import { describe, expect, it } from 'vitest';
import { GICD_REGISTERS } from '../gic/distributor';
import { ICC_REGISTERS } from '../gic/icc-registers';
import { GICR_REGISTERS } from '../gic/redistributor';
import { ITS_COMMANDS } from '../its/command-encoding';
import { GITS_REGISTERS } from '../its/its-registers';
import { parseLine } from './command-parser';
import { complete, type CompletionShape } from './completion';

const TWO_CPUS: CompletionShape = {
  cpus: 2,
  its: 1,
  devices: [
    { name: 'nic0', rid: 0x10, its: 0 },
    { name: 'disk0', rid: 0x18, its: 0 },
  ],
  eventKinds: ['its.cmd', 'icc.ack', 'gicr.lpi.pending'],
};

/** Candidate names for the word at the end of `line` (or at `cursor`). */
const names = (line: string, shape = TWO_CPUS, cursor = line.length): string[] =>
  complete(line, cursor, shape).candidates.map((c) => c.text);

/** The line with the first candidate applied. */
function apply(line: string, pick = 0, shape = TWO_CPUS, cursor = line.length): string {
  const c = complete(line, cursor, shape);
  const cand = c.candidates[pick];
  if (!cand) throw new Error(`no candidate ${pick} for '${line}'`);
  return line.slice(0, c.from) + cand.insert + line.slice(c.to);
}

describe('completion of the first word', () => {
  it('offers the commands, with widths, and only the units this machine has', () => {
    const all = names('');
    for (const w of ['read', 'read32', 'write', 'write64', 'its', 'mem', 'msi', 'run', 'expect', 'migrate'])
      expect(all).toContain(w);
    expect(all).toContain('cpu1');
    expect(all).not.toContain('cpu2');
    expect(all).toContain('its0');
    expect(all).not.toContain('its1');
    expect(names('wr')).toEqual(['write', 'write8', 'write16', 'write32', 'write64']);
    expect(names('CP')).toEqual(['cpu0', 'cpu1']);
    expect(names('', { cpus: 8, its: 3, devices: [] }).filter((n) => /^its[0-9]/.test(n))).toEqual([
      'its0',
      'its1',
      'its2',
    ]);
  });

  it('gives each candidate a detail, and every first word is one the parser knows', () => {
    const c = complete('', 0, TWO_CPUS).candidates;
    expect(c.every((x) => x.detail.length > 0)).toBe(true);
    for (const x of c) {
      const r = parseLine(x.text);
      // A bare command word is incomplete, but never an unknown command.
      if (r && !r.ok) expect(r.error.message).not.toMatch(/unknown command/);
    }
  });

  it('replaces the whole word around the cursor and adds a space after a finished word', () => {
    const c = complete('wri GICD_CTLR 1', 2, TWO_CPUS);
    expect(c.from).toBe(0);
    expect(c.to).toBe(3);
    expect(c.candidates[0]!.insert).toBe('write');
    expect(apply('wri', 0)).toBe('write ');
    expect(apply('wri GICD_CTLR 1', 0, TWO_CPUS, 2)).toBe('write GICD_CTLR 1');
  });

  it('offers nothing inside a comment or after a character the lexer refuses', () => {
    expect(names('# write GI')).toEqual([]);
    expect(names('write ! GI')).toEqual([]);
  });
});

describe('completion of register names', () => {
  it('takes the names from the register tables of each frame', () => {
    const gicd = names('read GICD_');
    for (const d of GICD_REGISTERS.regs) expect(gicd).toContain(d.name);
    const gicr = names('read rd1 ');
    expect(gicr).toEqual(GICR_REGISTERS.regs.map((d) => d.name));
    expect(names('read its0 ')).toEqual(GITS_REGISTERS.regs.map((d) => d.name));
    expect(names('read gicd GICR_')).toEqual([]);
  });

  it('completes a prefix, case-insensitively, to the spec name', () => {
    expect(names('write GICD_CT')).toEqual(['GICD_CTLR']);
    expect(apply('write gicd_ct')).toBe('write GICD_CTLR ');
    expect(names('write rd1 GICR_PROP')).toEqual(['GICR_PROPBASER']);
    expect(apply('write64 rd1 GICR_PROP')).toBe('write64 rd1 GICR_PROPBASER ');
    expect(names('write64 GITS_CB')).toEqual(['GITS_CBASER']);
  });

  it('offers only the redistributors and ITSs the machine has', () => {
    expect(names('write rd')).toEqual(['rd0', 'rd1']);
    expect(names('write rd', { cpus: 4, its: 2, devices: [] })).toEqual(['rd0', 'rd1', 'rd2', 'rd3']);
    expect(names('write its')).toEqual(['its0']);
    expect(names('write its', { cpus: 1, its: 0, devices: [] })).toEqual([]);
  });

  it('offers an array register as its name without <n>, and an instance once the number is typed', () => {
    const c = complete('write8 GICD_IPRIO', 17, TWO_CPUS).candidates;
    expect(c.map((x) => x.text)).toEqual(['GICD_IPRIORITYR<n>']);
    expect(c[0]!.insert).toBe('GICD_IPRIORITYR');
    expect(c[0]!.detail).toMatch(/n = 0\.\.254/);
    expect(apply('write8 GICD_IPRIORITYR8')).toBe('write8 GICD_IPRIORITYR8 ');
    // Beyond the array: nothing.
    expect(names('write8 GICD_IPRIORITYR300')).toEqual([]);
  });

  it('keeps to the registers that accept the access width', () => {
    expect(names('read8 GICD_IPRIO')).toEqual(['GICD_IPRIORITYR<n>']);
    expect(names('read8 GICD_CTLR')).toEqual([]);
    expect(names('read64 GITS_BASE')).toEqual(['GITS_BASER<n>']);
  });

  it('a completed register line parses', () => {
    for (const prefix of ['read GITS_TY', 'read rd0 GICR_WA', 'read GICD_TYPER']) {
      const line = apply(prefix).trim();
      expect(parseLine(line)?.ok, line).toBe(true);
    }
  });

  it('completes ICC registers after cpu<n> read|write, keeping to what can be read or written', () => {
    expect(names('cpu0 ')).toEqual(['read', 'write']);
    expect(names('cpu1 read ICC_EO')).toEqual([]);
    expect(names('cpu1 write ICC_EO')).toEqual(['ICC_EOIR0_EL1', 'ICC_EOIR1_EL1']);
    expect(names('cpu1 read ICC_IAR')).toEqual(['ICC_IAR0_EL1', 'ICC_IAR1_EL1']);
    const all = names('cpu0 write ').length + names('cpu0 read ').length;
    const rw = ICC_REGISTERS.filter((r) => r.access === 'rw').length;
    expect(all).toBe(ICC_REGISTERS.length + rw);
  });
});

describe('completion of ITS commands and their fields', () => {
  it('offers the commands of ITS_COMMANDS and raw, then the ITS units after a bare its', () => {
    const c = names('its ');
    for (const cmd of ITS_COMMANDS) expect(c).toContain(cmd.name);
    expect(c).toContain('raw');
    expect(c).toContain('its0');
    expect(names('its MA')).toEqual(['MAPD', 'MAPC', 'MAPTI', 'MAPI']);
    expect(names('its0 MAPT')).toEqual(['MAPTI']);
    expect(names('its its0 SY')).toEqual(['SYNC']);
  });

  it('then the fields of that command as Field=, leaving out those already given', () => {
    expect(names('its MAPTI ')).toEqual(['DeviceID=', 'EventID=', 'pINTID=', 'ICID=']);
    expect(names('its MAPTI DeviceID=16 ')).toEqual(['EventID=', 'pINTID=', 'ICID=']);
    expect(names('its MAPTI devid=16 Ev')).toEqual(['EventID=']);
    expect(apply('its MAPD DeviceID=16 it')).toBe('its MAPD DeviceID=16 ITT_addr=');
    // After '=', a value: nothing to offer.
    expect(names('its MAPD DeviceID=')).toEqual([]);
    expect(names('its BOGUS ')).toEqual([]);
    const itt = complete('its MAPD I', 10, TWO_CPUS).candidates[0]!;
    expect(itt.detail).toMatch(/256-aligned/);
  });
});

describe('completion of the other commands', () => {
  it('offers device names for msi', () => {
    expect(names('msi ')).toEqual(['nic0', 'disk0', 'rid=']);
    expect(names('msi d')).toEqual(['disk0']);
    expect(complete('msi n', 5, TWO_CPUS).candidates[0]!.detail).toMatch(/0x10/);
  });

  it('offers run-until targets, policies, line levels and mem operations', () => {
    expect(names('run ')).toEqual(['until']);
    expect(names('run until ')).toEqual(['idle', 'delivery', 'command', 'event']);
    expect(names('software ')).toEqual(['all', 'cpu0', 'cpu1']);
    expect(names('software cpu0,')).toEqual(['cpu0', 'cpu1']);
    expect(names('software cpu1 ')).toEqual(['eoi', 'deactivate-icactiver', 'hold', 'masked']);
    expect(names('line 40 ')).toEqual(['high', 'low', 'pulse']);
    expect(names('line 27 high ')).toEqual(['cpu0', 'cpu1']);
    expect(names('mem f')).toEqual(['fill']);
    expect(names('lpi-pending rd1 8195 ')).toEqual(['set', 'clear']);
    expect(names('lpi-config ')).toEqual(['rd0', 'rd1']);
  });

  it('offers the expectation kinds, then what each takes', () => {
    const kinds = names('expect ');
    for (const k of [
      'deliveries',
      'delivered',
      'reg',
      'icc',
      'mem',
      'dte',
      'ite',
      'cte',
      'pending',
      'events',
    ])
      expect(kinds).toContain(k);
    for (const k of kinds) {
      const r = parseLine(`expect ${k}`);
      if (r && !r.ok) expect(r.error.message).not.toMatch(/unknown expectation/);
    }
    expect(names('expect deliveries ')).toEqual(['none', 'cpu0', 'cpu1']);
    expect(names('expect deliveries cpu1:8195 ')).toEqual(['cpu0', 'cpu1']);
    expect(names('expect reg GITS_CT')).toEqual(['GITS_CTLR']);
    expect(names('expect reg rd1 GICR_CTLR ')).toEqual(['==', '&', 'unchanged']);
    expect(names('expect icc cpu0 ICC_RP')).toEqual(['ICC_RPR_EL1']);
    expect(names('expect dte 16 ')).toEqual(['valid=', 'size=', 'itt=', 'absent']);
    expect(names('expect ite its0 16 3 intid=8195 ')).toEqual(['icid=']);
    expect(names('expect cte ')).toEqual(['its0']);
    expect(names('expect pending ')).toEqual(['rd0', 'rd1']);
    expect(names('expect events ')).toEqual(['its.cmd', 'icc.ack', 'gicr.lpi.pending']);
    expect(names('expect events its.cmd co')).toEqual(['command=']);
    expect(names('expect events its.cmd command=MAPTI == 1 ')).toEqual(['total']);
  });

  it('is deterministic: the same question, the same answer', () => {
    for (const line of ['', 'write rd', 'its MAPTI ', 'expect '])
      expect(complete(line, line.length, TWO_CPUS)).toEqual(complete(line, line.length, TWO_CPUS));
  });
});

describe('completion of VM lines', () => {
  const VM: CompletionShape = {
    ...TWO_CPUS,
    cpus: 4,
    vms: [
      { vcpus: 2, its: 1, assigned: ['nic0'] },
      { vcpus: 1, its: 0, assigned: [] },
    ],
  };

  it('offers the VMs the machine has as first words, and none without VMs', () => {
    expect(names('v', VM)).toEqual(['vm0', 'vm1']);
    expect(names('v')).toEqual([]);
    expect(names('vm2 ', VM)).toEqual([]);
  });

  it('offers the vCPUs and the KVM calls after vm<n>, each a word the parser knows there', () => {
    const after = names('vm0 ', VM);
    expect(after).toEqual([
      'vcpu0',
      'vcpu1',
      'irq-line',
      'signal-msi',
      'set-gsi-routing',
      'eventfd',
      'irqfd',
      'eventfd-signal',
      'vfio',
      'migrate',
    ]);
    expect(names('vm1 vc', VM)).toEqual(['vcpu0']);
    for (const w of after) {
      const r = parseLine(`vm0 ${w}`);
      if (r && !r.ok) expect(r.error.message).not.toMatch(/unknown/);
    }
  });

  it('completes a guest line on the VM shape: its redistributors, its virtual ITSs, ICC registers', () => {
    const guest = names('vm0 vcpu1 ', VM);
    for (const w of ['read', 'write32', 'mem', 'its', 'lpi-config', 'lpi-pending', 'pin', 'unpin'])
      expect(guest).toContain(w);
    expect(guest).not.toContain('cpu0');
    expect(names('vm0 vcpu1 read rd', VM)).toEqual(['rd0', 'rd1']);
    expect(names('vm0 vcpu1 read its', VM)).toEqual(['its0']);
    expect(names('vm1 vcpu0 read its', VM)).toEqual([]);
    expect(names('vm0 vcpu1 read ICC_IA', VM)).toEqual(['ICC_IAR0_EL1', 'ICC_IAR1_EL1']);
    expect(names('vm0 vcpu1 write ICC_EO', VM)).toEqual(['ICC_EOIR0_EL1', 'ICC_EOIR1_EL1']);
    // ICC registers take no width.
    expect(names('vm0 vcpu1 read32 ICC_', VM)).toEqual([]);
    expect(names('vm0 vcpu1 write GICR_PROP', VM)).toEqual(['GICR_PROPBASER']);
    expect(names('vm0 vcpu1 its MAPTI ', VM)).toEqual(['DeviceID=', 'EventID=', 'pINTID=', 'ICID=']);
    expect(names('vm0 vcpu1 mem f', VM)).toEqual(['fill']);
    expect(names('vm0 vcpu1 lpi-config ', VM)).toEqual([]);
    expect(names('vm0 vcpu1 lpi-pending ', VM)).toEqual(['rd0', 'rd1']);
    expect(names('vm0 vcpu1 lpi-pending rd1 8192 ', VM)).toEqual(['set', 'clear']);
    expect(names('vm0 vcpu1 lpi-pending 8192 ', VM)).toEqual(['set', 'clear']);
    expect(names('vm0 vcpu1 msi ', VM)).toEqual([]);
    expect(names('vm0 vcpu1 cpu0 ', VM)).toEqual([]);
    expect(names('vm0 vcpu1 pin ', VM)).toEqual(['pcpu0', 'pcpu1', 'pcpu2', 'pcpu3']);
    expect(names('vm0 vcpu2 ', VM)).toEqual([]);
    for (const prefix of ['vm0 vcpu1 read ICC_IAR1', 'vm0 vcpu0 read GICR_TY', 'vm0 vcpu1 pin pcpu3']) {
      const line = apply(prefix, 0, VM).trim();
      expect(parseLine(line)?.ok, line).toBe(true);
    }
  });

  it("completes each KVM call's arguments, leaving out fields already given", () => {
    expect(names('vm0 irq-line ', VM)).toEqual(['spi', 'ppi']);
    expect(names('vm0 irq-line ppi ', VM)).toEqual(['vcpu0', 'vcpu1']);
    expect(names('vm0 irq-line ppi vcpu1 27 ', VM)).toEqual(['high', 'low']);
    expect(names('vm0 irq-line spi 32 ', VM)).toEqual(['high', 'low']);
    expect(names('vm0 irq-line 0x01000020 ', VM)).toEqual(['high', 'low']);
    expect(names('vm0 signal-msi ', VM)).toEqual(['addr=', 'data=', 'devid=', 'flags=']);
    expect(names('vm0 signal-msi addr=0x8090040 ', VM)).toEqual(['data=', 'devid=', 'flags=']);
    expect(names('vm0 signal-msi addr=', VM)).toEqual([]);
    expect(names('vm0 irqfd fd=3 ', VM)).toEqual(['gsi=', 'resample=', 'flags=', 'deassign']);
    expect(names('vm0 irqfd fd=3 gsi=5 deassign ', VM)).toEqual(['resample=', 'flags=']);
    expect(names('vm0 vfio ', VM)).toEqual(['nic0']);
    expect(names('vm1 vfio ', VM)).toEqual([]);
    // A host that does not say what is assigned gets every host device.
    expect(names('vm0 vfio ', { ...VM, vms: [{ vcpus: 1, its: 1 }] })).toEqual(['nic0', 'disk0']);
    expect(names('vm0 vfio nic0 lpi=8200 ', VM)).toEqual(['vector=', 'fd=']);
    expect(names('vm0 set-gsi-routing ', VM)).toEqual(['none', 'gsi=']);
    expect(names('vm0 set-gsi-routing gsi=5:', VM)).toEqual(['irqchip', 'msi', 'raw']);
    expect(names('vm0 set-gsi-routing gsi=5:irqchip:5 ', VM)).toEqual(['gsi=']);
    expect(names('vm0 eventfd ', VM)).toEqual([]);
    const line = `${apply('vm0 signal-msi ad', 0, VM)}0x8090040 ${apply('vm0 signal-msi addr=0x8090040 da', 0, VM).split(' ').pop()!}5`;
    expect(parseLine(line)?.ok, line).toBe(true);
  });

  it('offers the guest expectations after expect vm<n>: the view forms on vCPUs, no events', () => {
    expect(names('expect v', VM)).toEqual(['vm0', 'vm1']);
    const kinds = names('expect vm0 ', VM);
    for (const k of [
      'deliveries',
      'delivered',
      'reg',
      'icc',
      'mem8',
      'dte',
      'ite',
      'cte',
      'pending',
      'vcpu0',
    ])
      expect(kinds).toContain(k);
    expect(kinds).not.toContain('events');
    expect(kinds).not.toContain('vm0');
    for (const k of kinds) {
      const r = parseLine(`expect vm0 ${k}`);
      if (r && !r.ok) expect(r.error.message, k).not.toMatch(/unknown|no guest form/);
    }
    expect(names('expect vm0 vcpu1 ', VM)).toEqual(['delivered']);
    expect(names('expect vm0 vcpu1 delivered ', VM)).toEqual([]);
    expect(parseLine(`${apply('expect vm0 vcpu1 del', 0, VM)}27`)?.ok).toBe(true);
    expect(names('expect vm0 deliveries ', VM)).toEqual(['none', 'vcpu0', 'vcpu1']);
    expect(names('expect vm0 deliveries vcpu1:27 ', VM)).toEqual(['vcpu0', 'vcpu1']);
    expect(names('expect vm1 delivered ', VM)).toEqual(['vcpu0']);
    expect(names('expect vm0 icc ', VM)).toEqual(['vcpu0', 'vcpu1']);
    expect(names('expect vm0 icc vcpu0 ICC_RP', VM)).toEqual(['ICC_RPR_EL1']);
    expect(names('expect vm0 pending ', VM)).toEqual(['rd0', 'rd1']);
    expect(names('expect vm0 dte ', VM)).toEqual(['its0']);
    expect(names('expect vm1 dte ', VM)).toEqual([]);
    expect(names('expect vm0 reg rd', VM)).toEqual(['rd0', 'rd1']);
    expect(names('expect vm0 reg GITS_CRE', VM)).toEqual(['GITS_CREADR']);
    expect(names('expect vm0 reg GITS_CREADR ', VM)).toEqual(['==', '&', 'unchanged']);
    expect(names('expect vm2 ', VM)).toEqual([]);
    const line = `${apply('expect vm0 icc vcpu1 ICC_RP', 0, VM)}== 0xa0`;
    expect(parseLine(line)?.ok, line).toBe(true);
  });
});
