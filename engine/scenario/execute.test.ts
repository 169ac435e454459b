/**
 * Executing command-language lines on a machine with VMs: guest lines compile to one GuestOp each
 * with register names resolved in the guest's address space, KVM calls and pinning go to the VM
 * as they are, and lines naming a VM, vCPU, virtual ITS, host PE or device the machine lacks are
 * refused before anything is applied. The end-to-end test drives a guest to take an SPI and
 * checks it with `expect vm0 vcpu0 delivered`.
 */

import { describe, expect, it } from 'vitest';
// The KVM layer joins the machine (VMs in descriptions, their inputs and tasks), as in the runner.
import '../kvm/kvm-extension';
import { cloneState, Machine } from '../platform/machine';
import { resolveMachine, type MachineOptions } from '../platform/machine-config';
import type { Action } from './actions';
import { formatParseError, GUEST_FILL_LIMIT, parseLine } from './command-parser';
import { executeAction, guestOp } from './execute';
import { checkExpectation, expectationTargetError } from './expectations';
import { guestFrames, resolveTarget } from './targets';

function machine(o: MachineOptions = { cpus: 2, vms: [{ vcpus: 2 }] }): Machine {
  const r = resolveMachine(o);
  if (!r.ok) throw new Error(r.problems.join('; '));
  return Machine.create(r.machine);
}

function action(text: string): Action {
  const r = parseLine(text);
  if (!r?.ok) throw new Error(`${text}: ${r ? formatParseError(r.error) : 'blank'}`);
  return r.action;
}

/** The GuestOp a guest line compiles to on vm0 of `m`. */
function op(m: Machine, text: string): unknown {
  const a = action(text);
  if (a.kind !== 'guest') throw new Error(`${text} is not a guest line`);
  return guestOp(m.s.kvm!.vms[a.vm]!, a.vcpu, a.action);
}

/** Runs lines (each settled) and returns where the first began. */
function run(m: Machine, lines: string[]): number {
  const from = m.seq;
  for (const l of lines) {
    const r = executeAction(m, action(l));
    if (!r.ok) throw new Error(`${l}: ${r.error}`);
    m.run({ maxEvents: 100_000 });
  }
  return from;
}

function check(m: Machine, text: string, from: number) {
  const a = action(text);
  if (a.kind !== 'expect') throw new Error(`${text} is not an expectation`);
  return checkExpectation(m, a.expect, from);
}

describe('guest register names', () => {
  it("resolve in the guest's address space, a bare GICR_ name at the issuing vCPU's redistributor", () => {
    const m = machine();
    const vm = m.s.kvm!.vms[0]!;
    const at = (vcpu: number, text: string) => {
      const a = action(`vm0 vcpu${vcpu} ${text}`);
      if (a.kind !== 'guest' || (a.action.kind !== 'mmio-read' && a.action.kind !== 'mmio-write'))
        throw new Error(text);
      return resolveTarget(guestFrames(vm, vcpu), a.action.target, a.action.width);
    };
    expect(at(0, 'read GICD_CTLR')).toMatchObject({ ok: true, addr: 0x0800_0000, width: 32 });
    expect(at(0, 'read GICR_TYPER')).toMatchObject({ ok: true, addr: 0x080a_0008, width: 64 });
    expect(at(1, 'read GICR_TYPER')).toMatchObject({ ok: true, addr: 0x080c_0008, width: 64 });
    expect(at(1, 'read rd0 GICR_TYPER')).toMatchObject({ ok: true, addr: 0x080a_0008 });
    // SGI_base frame: +0x10000 from RD_base.
    expect(at(1, 'read GICR_ISENABLER0')).toMatchObject({ ok: true, addr: 0x080c_0000 + 0x10100 });
    expect(at(0, 'read64 GITS_CBASER')).toMatchObject({ ok: true, addr: 0x0808_0000 + 0x80, width: 64 });
    expect(at(0, 'read32 its0+0x88')).toMatchObject({ ok: true, addr: 0x0808_0088 });
    expect(at(0, 'read rd2 GICR_CTLR')).toEqual({
      ok: false,
      error: 'there is no redistributor 2 in vm0 (vm0 has 2 vCPUs)',
    });
    expect(at(0, 'read its1 GITS_CTLR')).toEqual({
      ok: false,
      error: 'there is no virtual ITS 1 in vm0 (it has 1)',
    });
    // The host's names are untouched: rd0 by default, the host's frames.
    const host = action('read GICR_TYPER');
    if (host.kind !== 'mmio-read') throw new Error('read');
    expect(resolveTarget(m, host.target)).toMatchObject({
      ok: true,
      addr: m.s.gic.cfg.redistBase + 8,
    });
  });
});

describe('guest lines compile to one GuestOp', () => {
  it('for every form a guest line has', () => {
    const m = machine();
    expect(op(m, 'vm0 vcpu1 write GICR_CTLR 1')).toEqual({
      kind: 'mmio',
      addr: 0x080c_0000,
      width: 32,
      write: true,
      value: 1n,
    });
    expect(op(m, 'vm0 vcpu0 read16 @0x08000000')).toEqual({
      kind: 'mmio',
      addr: 0x0800_0000,
      width: 16,
      write: false,
      value: 0n,
    });
    expect(op(m, 'vm0 vcpu1 write ICC_PMR_EL1 0xf0')).toEqual({
      kind: 'icc',
      reg: 'ICC_PMR_EL1',
      write: true,
      value: 0xf0n,
    });
    expect(op(m, 'vm0 vcpu1 read ICC_IAR1')).toEqual({
      kind: 'icc',
      reg: 'ICC_IAR1_EL1',
      write: false,
      value: 0n,
    });
    expect(op(m, 'vm0 vcpu0 mem write32 0x40000000 0x11223344')).toEqual({
      kind: 'mem',
      addr: 0x4000_0000,
      bytes: [0x44, 0x33, 0x22, 0x11],
    });
    expect(op(m, 'vm0 vcpu0 mem write 0x40000000 1 2')).toEqual({
      kind: 'mem',
      addr: 0x4000_0000,
      bytes: [1, 2],
    });
    expect(op(m, 'vm0 vcpu0 mem fill 0x40000000 4 0xa2')).toEqual({
      kind: 'mem',
      addr: 0x4000_0000,
      bytes: [0xa2, 0xa2, 0xa2, 0xa2],
    });
    expect(op(m, 'vm0 vcpu0 its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=3')).toEqual({
      kind: 'its-cmd',
      its: 0,
      name: 'MAPTI',
      dws: [0x2_0000_000an, 0x2003_0000_0014n, 3n, 0n],
    });
    expect(op(m, 'vm0 vcpu0 its raw 0x000000020000000a 0x0000200300000014 0x3 0x0')).toEqual({
      kind: 'its-cmd',
      its: 0,
      name: 'MAPTI',
      dws: [0x2_0000_000an, 0x2003_0000_0014n, 3n, 0n],
    });
    expect(op(m, 'vm0 vcpu1 lpi-config 8195 0xa2')).toEqual({ kind: 'lpi-config', intid: 8195, value: 0xa2 });
    // The pending bit names whose table: the issuing vCPU's unless rd<k> says otherwise.
    expect(op(m, 'vm0 vcpu1 lpi-pending 8195 set')).toEqual({
      kind: 'lpi-pending',
      vcpu: 1,
      intid: 8195,
      set: true,
    });
    expect(op(m, 'vm0 vcpu1 lpi-pending rd0 8195 clear')).toEqual({
      kind: 'lpi-pending',
      vcpu: 0,
      intid: 8195,
      set: false,
    });
  });

  it('refusing a fill too big for the guest to store, and one of nothing', () => {
    const m = machine();
    expect(op(m, `vm0 vcpu0 mem fill 0x40000000 ${GUEST_FILL_LIMIT} 0`)).toMatchObject({ kind: 'mem' });
    expect(op(m, `vm0 vcpu0 mem fill 0x40000000 ${GUEST_FILL_LIMIT + 1} 0`)).toBe(
      "a guest fill is at most 64K (the guest's code stores every byte); 65537 bytes asked",
    );
    expect(op(m, 'vm0 vcpu0 mem fill 0x40000000 0 0')).toBe('a fill of 0 bytes stores nothing');
  });
});

describe('refusals before anything runs', () => {
  const refused = (m: Machine, text: string): string => {
    const seq = m.seq;
    const r = executeAction(m, action(text));
    expect(m.seq, text).toBe(seq);
    if (r.ok) throw new Error(`${text} was accepted`);
    return r.error;
  };

  it('name the VM, vCPU, virtual ITS, host PE or device the machine lacks', () => {
    const m = machine({
      cpus: 2,
      devices: [
        { name: 'nic0', bdf: '00:02.0' },
        { name: 'disk0', bdf: '00:03.0' },
      ],
      vms: [{ vcpus: 2, assigned: [{ device: 'nic0' }] }],
    });
    expect(refused(m, 'vm9 eventfd')).toBe('there is no vm9 (the machine has 1 VM: vm0)');
    expect(refused(m, 'vm9 vcpu0 read GICD_CTLR')).toMatch(/^there is no vm9/);
    expect(refused(m, 'vm0 vcpu2 read GICD_CTLR')).toBe('there is no vcpu2 in vm0 (vm0 has 2 vCPUs)');
    expect(refused(m, 'vm0 vcpu2 pin pcpu0')).toBe('there is no vcpu2 in vm0 (vm0 has 2 vCPUs)');
    expect(refused(m, 'vm0 vcpu0 pin pcpu2')).toBe('there is no pcpu2 (the host has 2 PEs)');
    expect(refused(m, 'vm0 vcpu0 its1 SYNC')).toBe('there is no virtual ITS 1 in vm0 (it has 1)');
    expect(refused(m, 'vm0 vcpu0 its1 raw 5 0 0 0')).toBe('there is no virtual ITS 1 in vm0 (it has 1)');
    expect(refused(m, 'vm0 vcpu0 write rd5 GICR_CTLR 1')).toBe(
      'there is no redistributor 5 in vm0 (vm0 has 2 vCPUs)',
    );
    expect(refused(m, 'vm0 vfio nic9 vector=0 lpi=8200 fd=3')).toBe(
      "no device named 'nic9' (devices: nic0, disk0)",
    );
    expect(refused(m, 'vm0 vfio disk0 vector=0 lpi=8200 fd=3')).toBe(
      "device 'disk0' is not assigned to vm0 (assigned: nic0)",
    );
  });

  it('say when the machine runs no VMs at all, or its VM has no virtual ITS', () => {
    expect(refused(machine({ cpus: 2 }), 'vm0 irq-line spi 32 high')).toBe(
      'there is no vm0: the machine runs no VMs',
    );
    const noIts = machine({ cpus: 2, vms: [{ vcpus: 1, its: false }] });
    expect(refused(noIts, 'vm0 vcpu0 its SYNC')).toBe('there is no virtual ITS 0 in vm0 (it has none)');
    expect(refused(noIts, 'vm0 vcpu0 read GITS_CTLR')).toBe('there is no virtual ITS 0 in vm0 (it has none)');
  });

  it('for guest expectations too', () => {
    const m = machine();
    const x = (text: string) => {
      const a = action(text);
      if (a.kind !== 'expect') throw new Error(text);
      return expectationTargetError(m, a.expect);
    };
    expect(x('expect vm0 vcpu1 delivered 32')).toBeUndefined();
    expect(x('expect vm1 vcpu0 delivered 32')).toBe('there is no vm1 (the machine has 1 VM: vm0)');
    expect(x('expect vm0 vcpu2 delivered 32')).toBe('there is no vcpu2 in vm0 (vm0 has 2 vCPUs)');
    expect(check(m, 'expect vm0 vcpu2 delivered 32', 0)).toEqual({
      ok: false,
      message: 'there is no vcpu2 in vm0 (vm0 has 2 vCPUs)',
    });
    expect(x('expect vm0 deliveries vcpu0:1 vcpu5:1')).toBe('there is no vcpu5 in vm0 (vm0 has 2 vCPUs)');
    expect(x('expect vm0 icc vcpu2 ICC_RPR == 0xff')).toBe('there is no vcpu2 in vm0 (vm0 has 2 vCPUs)');
    expect(x('expect vm0 pending rd2 8192')).toBe('there is no redistributor 2 in vm0 (vm0 has 2 vCPUs)');
    expect(x('expect vm0 reg rd2 GICR_CTLR == 0')).toBe(
      'there is no redistributor 2 in vm0 (vm0 has 2 vCPUs)',
    );
    expect(x('expect vm0 reg GICR_CTLR == 0')).toBeUndefined();
    expect(x('expect vm0 dte its1 2 absent')).toBe('there is no virtual ITS 1 in vm0 (it has 1)');
    expect(x('expect vm0 reg its1 GITS_CTLR == 0')).toBe('there is no virtual ITS 1 in vm0 (it has 1)');
    expect(x('expect vm0 mem8 0x40000000 == 0')).toBeUndefined();
    // The host's own forms still name the host's CPUs: cpu2 is not a vCPU.
    expect(x('expect icc cpu2 ICC_RPR == 0xff')).toBe('there is no cpu2 (the machine has 2 PEs)');
    expect(refused(machine({ cpus: 2 }), 'vm0 migrate')).toBe('there is no vm0: the machine runs no VMs');
    expect(check(machine({ cpus: 2 }), 'expect vm0 deliveries none', 0)).toEqual({
      ok: false,
      message: 'there is no vm0: the machine runs no VMs',
    });
    const noIts = machine({ cpus: 2, vms: [{ vcpus: 1, its: false }] });
    expect(check(noIts, 'expect vm0 cte 0 absent', 0)).toEqual({
      ok: false,
      message: 'there is no virtual ITS 0 in vm0 (it has none)',
    });
    expect(refused(m, 'vm0 vcpu0 lpi-pending rd2 8192 set')).toBe(
      'there is no redistributor 2 in vm0 (vm0 has 2 vCPUs)',
    );
  });
});

describe('a VM driven through the language', () => {
  it("takes an SPI raised with KVM_IRQ_LINE, and 'expect vm<n> vcpu<m> delivered' counts it", () => {
    const m = machine();
    m.run({ maxEvents: 100_000 });
    run(m, [
      'vm0 vcpu0 write GICD_CTLR 0x12',
      'vm0 vcpu0 write32 GICD_ISENABLER1 1',
      'vm0 vcpu0 write ICC_PMR_EL1 0xf0',
      'vm0 vcpu0 write ICC_IGRPEN1_EL1 1',
    ]);
    const from = run(m, ['vm0 irq-line spi 32 high', 'vm0 irq-line spi 32 low']);
    expect(check(m, 'expect vm0 vcpu0 delivered 32', from)).toEqual({
      ok: true,
      message: 'vm0 vcpu0 took virtual INTID 32 1 time(s)',
    });
    expect(check(m, 'expect vm0 vcpu0 delivered 32 x2', from)).toEqual({
      ok: false,
      message: 'vm0 vcpu0 took virtual INTID 32 1 time(s), expected 2',
    });
    expect(check(m, 'expect vm0 vcpu1 delivered 32 x0', from).ok).toBe(true);
    // The host CPUs took nothing: guest acknowledges are not host deliveries.
    expect(check(m, 'expect deliveries none', from).ok).toBe(true);
    // Counted from the step's start: a later step sees none.
    expect(check(m, 'expect vm0 vcpu0 delivered 32 x0', m.seq).ok).toBe(true);
  });

  it("reads the guest's view for every expectation form, and migrates its ITS through guest memory", () => {
    const m = machine();
    m.run({ maxEvents: 100_000 });
    run(m, [
      'vm0 vcpu0 write GICD_CTLR 0x12',
      'vm0 vcpu1 write ICC_PMR_EL1 0xf0',
      'vm0 vcpu1 write ICC_IGRPEN1_EL1 1',
      'vm0 vcpu0 write64 GITS_BASER0 0x9907000040100600',
      'vm0 vcpu0 write64 GITS_BASER1 0x9c07000040110600',
      'vm0 vcpu0 write64 GITS_CBASER 0x800000004012000f',
      'vm0 vcpu0 write64 rd0 GICR_PROPBASER 0x4013000d',
      'vm0 vcpu0 write64 rd1 GICR_PENDBASER 0x40210000',
      'vm0 vcpu1 write GICR_CTLR 1',
      'vm0 vcpu0 write GITS_CTLR 1',
      'vm0 vcpu0 lpi-config 8195 0xa2',
      'vm0 vcpu0 its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
      'vm0 vcpu0 its MAPC ICID=1 RDbase=1 V=1',
      'vm0 vcpu0 its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=1',
    ]);
    // LPI 8195 is disabled (0xa2): INT leaves it pending at vCPU 1, nobody takes it.
    let from = run(m, ['vm0 vcpu0 its INT DeviceID=2 EventID=20']);
    const yes = (text: string, message?: string): void => {
      const r = check(m, text, from);
      expect(r.ok, `${text}: ${r.message}`).toBe(true);
      if (message) expect(r.message).toBe(message);
    };
    const no = (text: string, message: string): void =>
      expect(check(m, text, from)).toEqual({ ok: false, message });
    yes('expect vm0 deliveries none', 'vm0 deliveries are exactly none');
    yes('expect vm0 pending rd1 8195', 'LPI 8195 is pending at vm0 rd1');
    no('expect vm0 not-pending rd1 8195', 'LPI 8195 is pending at vm0 rd1, expected not pending');
    yes('expect vm0 not-pending rd0 8195');
    yes('expect vm0 dte 2 valid=1 size=7 itt=0x40300000');
    yes('expect vm0 ite 2 20 intid=8195 icid=1');
    no('expect vm0 ite 2 21 intid=8195', 'vm0 ITE of DeviceID 2 EventID 21 is absent');
    yes('expect vm0 cte 1 valid=1 target=1');
    yes('expect vm0 cte 0 absent');
    yes('expect vm0 mem8 0x40130003 == 0xa2', 'vm0 mem8 0x40130003 is 0xa2');
    yes('expect vm0 mem 0x40130003 == 0xa2');
    no('expect vm0 mem 0x40130003 == 0xa3', 'bytes at vm0 0x40130003 are a2, expected a3');
    no('expect vm0 mem8 0x10 == 0', 'vm0 0x10 is not RAM');
    yes('expect vm0 reg rd1 GICR_CTLR & 1 == 1', 'vm0 rd1 GICR_CTLR is 0x7 & 0x1 = 0x1');
    yes('expect vm0 reg GITS_CREADR & 0xfffe0 == 0x80');
    yes('expect vm0 reg GITS_CTLR & 1 == 1');
    yes('expect vm0 icc vcpu1 ICC_PMR == 0xf0', 'vm0 vcpu1 ICC_PMR_EL1 is 0xf0');
    // The host's view is a different machine: its ITS saw none of this.
    yes('expect cte 1 absent');
    no('expect reg GITS_CTLR & 1 == 1', 'its0 GITS_CTLR is 0x80000000 & 0x1 = 0x0, expected 0x1');

    // The guest sets a pending bit of its own, in vCPU 1's table, from vCPU 0.
    from = run(m, ['vm0 vcpu0 lpi-pending rd1 8196 set']);
    yes('expect vm0 mem8 0x40210400 & 0x10 == 0x10');
    yes('expect events guest.mem vm=0 vcpu=0 == 1');

    // Migration: the tables go through guest memory and come back; LPI 8195 is still pending.
    from = run(m, ['vm0 migrate']);
    yes('expect events kvm.migrate vm=0 == 1');
    yes('expect vm0 ite 2 20 intid=8195 icid=1');
    yes('expect vm0 pending rd1 8195');
    yes('expect vm0 deliveries none');

    // Enabled and invalidated, it reaches vCPU 1's guest, once.
    from = run(m, ['vm0 vcpu0 lpi-config 8195 0xa3', 'vm0 vcpu0 its INV DeviceID=2 EventID=20']);
    yes('expect vm0 deliveries vcpu1:8195', 'vm0 deliveries are exactly vcpu1:8195');
    yes('expect vm0 delivered vcpu1 8195', 'vm0 vcpu1 took virtual INTID 8195 1 time(s)');
    no(
      'expect vm0 deliveries vcpu0:8195',
      'vm0 deliveries: vcpu0 INTID 8195: missing; vcpu1 INTID 8195: 1 unexpected delivery',
    );
    yes('expect vm0 not-pending rd1 8195');
    yes('expect deliveries none');
  });

  it("compares 'unchanged' with the guest's view as the step began", () => {
    const m = machine();
    m.run({ maxEvents: 100_000 });
    const before = new Machine(cloneState(m.s));
    const from = run(m, ['vm0 vcpu0 write32 GITS_IIDR 0xffffffff', 'vm0 vcpu0 write ICC_PMR_EL1 0xf0']);
    const a = (text: string) => {
      const x = action(text);
      if (x.kind !== 'expect') throw new Error(text);
      return checkExpectation(m, x.expect, from, before);
    };
    expect(a('expect vm0 reg GITS_IIDR unchanged')).toMatchObject({ ok: true });
    expect(a('expect vm0 icc vcpu0 ICC_PMR unchanged')).toEqual({
      ok: false,
      message: 'vm0 vcpu0 ICC_PMR_EL1 changed: 0xf0, it was 0x0',
    });
    expect(a('expect vm0 icc vcpu1 ICC_PMR unchanged')).toMatchObject({ ok: true });
  });

  it('applies KVM calls and pinning as one input each, with the outcome KVM gives', () => {
    const m = machine();
    m.run({ maxEvents: 100_000 });
    const seq = m.seq;
    expect(executeAction(m, action('vm0 eventfd'))).toEqual({ ok: true, inputs: 1 });
    expect(m.seq).toBe(seq + 1);
    // An irq word KVM refuses is not the language's business: it is applied, and KVM says no.
    expect(executeAction(m, action('vm0 irq-line 0x07000020 1'))).toEqual({ ok: true, inputs: 1 });
    expect(executeAction(m, action('vm0 vcpu1 pin pcpu1'))).toEqual({ ok: true, inputs: 1 });
    m.run({ maxEvents: 100_000 });
    expect(m.s.kvm!.vms[0]!.run.vcpus[1]!.pinned).toBe(1);
    expect(executeAction(m, action('vm0 vcpu1 unpin'))).toEqual({ ok: true, inputs: 1 });
    m.run({ maxEvents: 100_000 });
    expect(m.s.kvm!.vms[0]!.run.vcpus[1]!.pinned).toBe(-1);
  });
});
