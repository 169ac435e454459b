import { describe, expect, it } from 'vitest';
import './kvm-extension';
import { Machine } from '../platform/machine';
import { resolveMachine } from '../platform/machine-config';
import type { KvmInput } from './kvm-input-types';
import type { SimEvent } from '../sim/event-log';
import { encodeKvmArmIrq, KVM_ARM_IRQ_TYPE_SPI } from './irq-line';
import {
  dumpFrom,
  eventsFrom,
  guest,
  guestLpiBringUp,
  hostItsCommands,
  itsCmd,
  RD,
  signalMsiCall,
  store,
  VITS,
  vmmWiresNic0,
} from './vm-fixture';

/** The guest brings up its GIC, LPIs on vCPU 1 and its ITS (vm-fixture.ts), and the machine runs. */
function guestWithLpi(m: Machine): void {
  guestLpiBringUp((v, op) => void m.input(guest(v, op)));
  m.run();
}

function vmMachine(vm: Record<string, unknown> = {}): Machine {
  const r = resolveMachine({ profile: 'spec', cpus: 2, vms: [{ vcpus: 2, ...vm }] });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return Machine.create(r.machine);
}

describe('a VM on the machine', () => {
  it('places its vCPUs, runs the guest, and blocks in WFI', () => {
    const m = vmMachine();
    m.run();
    const kinds = Array.from({ length: m.log.length }, (_, i) => m.log.get(i)!.kind);
    expect(kinds).toContain('kvm.schedule');
    expect(kinds.filter((k) => k === 'vcpu.entry').length).toBeGreaterThanOrEqual(2);
    expect(m.s.kvm!.vms[0]!.run.vcpus.map((v) => v.mode)).toEqual(['blocked', 'blocked']);
  });

  it('KVM_IRQ_LINE on an enabled SPI reaches the guest through a list register', () => {
    const m = vmMachine();
    m.input(guest(0, store(0x0800_0000, 0x12))); // GICD_CTLR: ARE + EnableGrp1A
    m.input(guest(0, store(0x0800_0104, 1))); // GICD_ISENABLER1: SPI 32
    m.input(guest(0, { kind: 'icc', reg: 'ICC_PMR_EL1', write: true, value: 0xf0n }));
    m.input(guest(0, { kind: 'icc', reg: 'ICC_IGRPEN1_EL1', write: true, value: 1n }));
    m.run();
    m.input({
      kind: 'kvm',
      vm: 0,
      call: {
        kind: 'irq-line',
        irq: encodeKvmArmIrq({ irqType: KVM_ARM_IRQ_TYPE_SPI, irqId: 32 }),
        level: 1,
      },
    });
    m.run();
    const ev = Array.from({ length: m.log.length }, (_, i) => m.log.get(i)!);
    const text = ev.map((e) => `${e.kind} ${JSON.stringify(e.data)}`).join('\n');
    const ack = ev.find((e) => e.kind === 'icv.ack' && e.intid === 32);
    expect(ack, text).toBeDefined();
    expect(
      ev.some((e) => e.kind === 'icv.eoi' && e.intid === 32),
      text,
    ).toBe(true);
    expect(m.s.kvm!.vms[0]!.guest[0]!.acked[32]).toBe(1);
  });
});

// ---- The guest's own ITS, KVM_SIGNAL_MSI, irqfd and VFIO -------------------------------------------

import { irqchipRouteEntry, msiRouteEntry } from './gsi-routing';

describe('one list register', () => {
  it('two pending interrupts livelock: underflow holds with one valid LR, so the vCPU exits at every entry', () => {
    // ICH_MISR_EL2.U is "UIE and zero or one valid LR": with a single LR and more pending than
    // fit, KVM sets UIE and the maintenance interrupt fires as soon as the guest is entered,
    // before it can take the interrupt in the LR. Hardware has at least one LR
    // (ICH_VTR_EL2.ListRegs = 0); KVM has no guard for it.
    const m = vmMachine({ lrs: 1 });
    m.input(guest(0, store(0x0800_0000, 0x12)));
    m.input(guest(0, store(0x0800_0104, 3)));
    m.input(guest(0, { kind: 'icc', reg: 'ICC_PMR_EL1', write: true, value: 0xf0n }));
    m.input(guest(0, { kind: 'icc', reg: 'ICC_IGRPEN1_EL1', write: true, value: 1n }));
    m.run();
    for (const intid of [32, 33])
      m.input({
        kind: 'kvm',
        vm: 0,
        call: {
          kind: 'irq-line',
          irq: encodeKvmArmIrq({ irqType: KVM_ARM_IRQ_TYPE_SPI, irqId: intid }),
          level: 1,
        },
      });
    const r = m.run({ maxEvents: 400 });
    expect(r.reason).toBe('budget');
    const ev = eventsFrom(m).slice(-100);
    expect(
      ev.filter((e) => e.kind === 'vcpu.exit' && (e.data as { source?: string }).source === 'maintenance')
        .length,
    ).toBeGreaterThan(40);
    expect(m.s.kvm!.vms[0]!.guest[0]!.acked).toEqual({});
  });
});

describe("the guest's virtual ITS", () => {
  it('maps an event in guest memory and KVM_SIGNAL_MSI delivers LPI 8192 to vCPU 1', () => {
    const m = vmMachine();
    guestWithLpi(m);
    const vm = m.s.kvm!.vms[0]!;
    expect(vm.its[0]!.devices.get(16)?.ites.get(0), dumpFrom(m)).toEqual({ intid: 8192, icid: 1 });
    expect(vm.vgic.dist.lpis.get(8192)?.enabled).toBe(true);
    const from = m.log.length;
    m.input({ kind: 'kvm', vm: 0, call: signalMsiCall(16, 0) });
    m.run();
    expect(vm.guest[1]!.acked[8192], dumpFrom(m, from)).toBe(1);
    expect(eventsFrom(m, from).some((e) => e.kind === 'vgic.lpi.pending' && e.intid === 8192)).toBe(true);
  });

  it('an irqfd on an MSI route injects through the vITS; an irqchip route into an SPI', () => {
    const m = vmMachine();
    guestWithLpi(m);
    m.input(guest(0, store(0x0800_0104, 1 << 5))); // SPI 37
    m.run();
    const vm = m.s.kvm!.vms[0]!;
    const call = (c: Extract<KvmInput, { kind: 'kvm' }>['call']) => m.input({ kind: 'kvm', vm: 0, call: c });
    call({
      kind: 'set-gsi-routing',
      entries: [
        irqchipRouteEntry(5, 5),
        msiRouteEntry(9, { address: BigInt(VITS + 0x10040), data: 0, devid: 16 }),
      ],
    });
    call({ kind: 'eventfd' });
    call({ kind: 'eventfd' });
    call({ kind: 'irqfd', fd: 3, gsi: 5, flags: 0, resamplefd: 0 });
    call({ kind: 'irqfd', fd: 4, gsi: 9, flags: 0, resamplefd: 0 });
    const from = m.log.length;
    call({ kind: 'eventfd-signal', fd: 3 });
    call({ kind: 'eventfd-signal', fd: 4 });
    m.run();
    expect(vm.guest[0]!.acked[37], dumpFrom(m, from)).toBe(1);
    expect(vm.guest[1]!.acked[8192], dumpFrom(m, from)).toBe(1);
  });

  it('refuses bad calls with the errno KVM returns and changes nothing', () => {
    const m = vmMachine();
    m.run();
    const from = m.log.length;
    m.input({
      kind: 'kvm',
      vm: 0,
      call: {
        kind: 'irq-line',
        irq: encodeKvmArmIrq({ irqType: KVM_ARM_IRQ_TYPE_SPI, irqId: 9999 }),
        level: 1,
      },
    });
    m.input({ kind: 'kvm', vm: 0, call: { kind: 'irqfd', fd: 42, gsi: 1, flags: 0, resamplefd: 0 } });
    m.input({ kind: 'kvm', vm: 3, call: { kind: 'eventfd' } });
    const ev = eventsFrom(m, from);
    expect(ev[0]!.data).toMatchObject({ ret: -22, errno: 'EINVAL' });
    expect(ev[1]!.data).toMatchObject({ errno: 'EBADF' });
    expect(ev[2]!.kind).toBe('input.bad');
  });
});

/** Host GIC and ITS up, nic0's event 0 = host LPI 8200 on pCPU 1, assigned to vm0 as DeviceID 16 → vLPI 8192 on vCPU 1. */
function vfioMachine(idle: 'wfi' | 'spin'): Machine {
  const r = resolveMachine({
    profile: 'spec',
    cpus: 2,
    devices: [{ name: 'nic0', bdf: '00:02.0' }],
    vms: [{ vcpus: 2, assigned: [{ device: 'nic0', guestRid: 16 }], pin: [0, 1], idle }],
  });
  if (!r.ok) throw new Error(r.problems.join('; '));
  const m = Machine.create(r.machine);
  const host = (addr: number, width: 32 | 64, value: bigint) =>
    m.input({ kind: 'mmio', addr, width, write: true, value, by: 'host' });
  // The host kernel's GIC and ITS (as in lesson 2.2), LPI 8200 for nic0's vector 0 on pCPU 1.
  host(0x0800_0000, 32, 0x13n);
  for (const c of [0, 1]) {
    host(RD(c) + 0x14, 32, 0n);
    m.input({ kind: 'icc', cpu: c, reg: 'ICC_PMR_EL1', write: true, value: 0xf0n });
    m.input({ kind: 'icc', cpu: c, reg: 'ICC_IGRPEN1_EL1', write: true, value: 1n });
    host(RD(c) + 0x70, 64, 0x4013_000fn);
    host(RD(c) + 0x78, 64, BigInt(0x4040_0000 + c * 0x10000));
    host(RD(c), 32, 1n);
  }
  m.input({ kind: 'mem-fill', addr: 0x4013_0000, len: 64, byte: 0xa1 });
  host(VITS + 0x100, 64, 0x8107_0000_4010_0200n);
  host(VITS + 0x108, 64, 0x8407_0000_4011_0200n);
  host(VITS + 0x80, 64, 0x8000_0000_4012_000fn);
  host(VITS, 32, 1n);
  hostItsCommands(m, VITS, [
    ['MAPD', { DeviceID: 16n, Size: 4n, ITT_addr: 0x4030_0000n, V: 1n }],
    ['MAPC', { ICID: 1n, RDbase: 1n, V: 1n }],
    ['MAPTI', { DeviceID: 16n, EventID: 0n, pINTID: 8200n, ICID: 1n }],
  ]);
  guestWithLpi(m);
  vmmWiresNic0(m);
  return m;
}

describe('VFIO passthrough, the software path', () => {
  it("a device's MSI reaches the guest: host ITS, host LPI, VFIO's handler, eventfd, irqfd, vITS, list register", () => {
    const m = vfioMachine('wfi');
    // Keep vCPU 1 in the guest so the host interrupt has to make it exit.
    m.input(guest(1, store(0x4000_0000, 1)));
    m.run();
    const from = m.log.length;
    m.input({ kind: 'msi', device: 'nic0', rid: 0x10, devid: 0x10, its: 0, eventid: 0 });
    m.run();
    const kinds = eventsFrom(m, from).map((e) => e.kind);
    const text = dumpFrom(m, from);
    // Hop by hop, in this order.
    const hops = [
      'pci.msi',
      'gicr.lpi.pending',
      'icc.ack',
      'vfio.irq',
      'eventfd.signal',
      'vgic.lpi.pending',
      'vcpu.kick',
      'vcpu.entry',
      'icv.ack',
    ];
    let at = -1;
    for (const k of hops) {
      const next = kinds.indexOf(k, at + 1);
      expect(next, `${k} after ${hops[hops.indexOf(k) - 1]}\n${text}`).toBeGreaterThan(at);
      at = next;
    }
    expect(m.s.kvm!.vms[0]!.guest[1]!.acked[8192], text).toBe(1);
  });

  it('on the pCPU where the vCPU runs: one exit, the vLPI injected inside the host handler, no IPI', () => {
    const m = vfioMachine('spin');
    m.run();
    const fire = (): SimEvent[] => {
      const from = m.log.length;
      m.input({ kind: 'msi', device: 'nic0', rid: 0x10, devid: 0x10, its: 0, eventid: 0 });
      m.run({ until: m.time + 100_000 });
      return eventsFrom(m, from);
    };
    fire(); // the first MSI fills both translation caches
    const ev = fire();
    const text = ev.map((e) => `${e.seq} ${e.time} ${e.kind} ${JSON.stringify(e.data)}`).join('\n');
    const exits = ev.filter((e) => e.kind === 'vcpu.exit');
    expect(
      exits.map((e) => (e.data as { reason: string; source?: string }).source),
      text,
    ).toEqual(['host']);
    expect(
      ev.filter((e) => e.kind === 'vcpu.kick').map((e) => (e.data as { action: string }).action),
      text,
    ).not.toContain('ipi');
    const kinds = ev.map((e) => e.kind);
    // The host's EOI comes after the vLPI is queued: the injection ran inside its handler.
    expect(kinds.indexOf('icc.eoi'), text).toBeGreaterThan(kinds.indexOf('vgic.lpi.pending'));
    expect(m.s.kvm!.vms[0]!.guest[1]!.acked[8192], text).toBe(2);
  });
});

describe('a VM under seek', () => {
  it('every event can be returned to exactly, backwards and forwards', () => {
    const m = Machine.create(
      (() => {
        const r = resolveMachine({ profile: 'spec', cpus: 2, vms: [{ vcpus: 2, lrs: 2, idle: 'spin' }] });
        if (!r.ok) throw new Error(r.problems.join());
        return r.machine;
      })(),
      4,
    );
    guestWithLpi(m);
    m.input(guest(0, store(0x0800_0104, 0xf)));
    m.run({ maxEvents: 500 });
    for (const id of [32, 33, 34, 35])
      m.input({
        kind: 'kvm',
        vm: 0,
        call: {
          kind: 'irq-line',
          irq: encodeKvmArmIrq({ irqType: KVM_ARM_IRQ_TYPE_SPI, irqId: id }),
          level: 1,
        },
      });
    m.input({ kind: 'kvm', vm: 0, call: signalMsiCall(16, 0) });
    m.input({ kind: 'vcpu-pin', vm: 0, vcpu: 0, pcpu: 1 });
    const snaps: string[] = [];
    const n0 = m.log.length;
    m.run({ maxEvents: 2000 });
    const end = m.log.length;
    expect(m.s.kvm!.vms[0]!.guest[0]!.acked, dumpFrom(m, n0)).toMatchObject({ 32: 1, 33: 1, 34: 1, 35: 1 });
    for (let k = n0; k <= end; k += 3) {
      m.seek(k);
      snaps[k] = m.snapshot();
    }
    for (let k = end - ((end - n0) % 3); k >= n0; k -= 3) {
      m.seek(k);
      expect(m.snapshot()).toBe(snaps[k]);
    }
  });
});

describe("KVM's save and restore of a VM's interrupt state", () => {
  it('a pending LPI survives: saved into the pending table, consumed again at restore', () => {
    const m = vmMachine();
    guestWithLpi(m);
    // Disable LPI 8192 in the property table, then INV: the MSI stays pending, undelivered.
    m.input(guest(0, { kind: 'lpi-config', intid: 8192, value: 0xa0 }));
    m.input(guest(0, itsCmd('INV', { DeviceID: 16n, EventID: 0n })));
    m.run();
    m.input({ kind: 'kvm', vm: 0, call: signalMsiCall(16, 0) });
    m.run();
    const vm = () => m.s.kvm!.vms[0]!;
    expect(vm().vgic.dist.lpis.get(8192)?.pendingLatch).toBe(true);
    const from = m.log.length;
    m.input({ kind: 'kvm', vm: 0, call: { kind: 'migrate' } });
    const ev = eventsFrom(m, from)[0]!;
    expect(ev.kind).toBe('kvm.migrate');
    expect(ev.data).toMatchObject({
      pendingSaved: 1,
      restored: [{ devices: 1, events: 1, pendingFromTables: 1 }],
    });
    expect(vm().vgic.dist.lpis.get(8192)?.pendingLatch).toBe(true);
    expect(vm().its[0]!.devices.get(16)?.ites.get(0)).toEqual({ intid: 8192, icid: 1 });
    // Enabled again, it is delivered once.
    m.input(guest(0, { kind: 'lpi-config', intid: 8192, value: 0xa1 }));
    m.input(guest(0, itsCmd('INV', { DeviceID: 16n, EventID: 0n })));
    m.run();
    expect(vm().guest[1]!.acked[8192], dumpFrom(m, from)).toBe(1);
  });
});

describe('guest handler policies', () => {
  it("'deactivate-icactiver' clears the active state through GICD_ICACTIVER1, an MMIO exit, instead of an EOI", () => {
    const m = vmMachine({ software: { 0: 'deactivate-icactiver' } });
    m.input(guest(0, store(0x0800_0000, 0x12)));
    m.input(guest(0, store(0x0800_0104, 1)));
    m.input(guest(0, { kind: 'icc', reg: 'ICC_PMR_EL1', write: true, value: 0xf0n }));
    m.input(guest(0, { kind: 'icc', reg: 'ICC_IGRPEN1_EL1', write: true, value: 1n }));
    m.run();
    const from = m.log.length;
    m.input({
      kind: 'kvm',
      vm: 0,
      call: {
        kind: 'irq-line',
        irq: encodeKvmArmIrq({ irqType: KVM_ARM_IRQ_TYPE_SPI, irqId: 32 }),
        level: 1,
      },
    });
    m.run();
    const ev = eventsFrom(m, from);
    const text = dumpFrom(m, from);
    expect(
      ev.some((e) => e.kind === 'icv.ack' && e.intid === 32),
      text,
    ).toBe(true);
    expect(
      ev.some((e) => e.kind === 'icv.eoi'),
      text,
    ).toBe(false);
    const mmio = ev.find((e) => e.kind === 'vgic.mmio');
    expect(mmio?.data, text).toMatchObject({ reg: 'GICD_ICACTIVER1', write: true });
    expect(m.s.kvm!.vms[0]!.vgic.dist.spis[0]!.active, text).toBe(false);
  });
});

describe('the virtual timer, a mapped (HW) interrupt', () => {
  function timerGuest(idle: 'wfi' | 'spin'): Machine {
    const m = vmMachine({ idle, pin: [0, 1] });
    m.input(guest(0, store(0x0800_0000, 0x12)));
    m.input(guest(0, store(RD(0) + 0x10100, 1 << 27))); // GICR_ISENABLER0: PPI 27 on vCPU 0
    m.input(guest(0, { kind: 'icc', reg: 'ICC_PMR_EL1', write: true, value: 0xf0n }));
    m.input(guest(0, { kind: 'icc', reg: 'ICC_IGRPEN1_EL1', write: true, value: 1n }));
    m.input(guest(0, { kind: 'timer', ns: 50_000 }));
    return m;
  }

  it('fires while the guest runs: exit, vINTID 27 in an LR with HW = 1 and pINTID 27, masked by the handler, resampled low', () => {
    const m = timerGuest('spin');
    m.run({ until: 200_000 });
    const ev = eventsFrom(m);
    const text = dumpFrom(m);
    const exit = ev.find((e) => e.kind === 'vcpu.exit' && e.intid === 27);
    expect(exit?.data, text).toMatchObject({ reason: 'irq', source: 'host' });
    const entry = ev.find((e) => e.kind === 'vcpu.entry' && e.seq > exit!.seq);
    expect((entry!.data as { lrs: unknown[] }).lrs, text).toContainEqual(
      expect.objectContaining({ vintid: 27, hw: true, pintid: 27 }),
    );
    expect(m.s.kvm!.vms[0]!.guest[0]!.acked[27], text).toBe(1);
    const irq = m.s.kvm!.vms[0]!.vgic.vcpus[0]!.privateIrqs[27]!;
    // The next exit's fold asked the timer (masked by the handler): the line is low again.
    m.input(guest(0, store(0x0800_0000, 0x12)));
    m.run({ until: m.time + 100_000 });
    expect(irq.lineLevel, dumpFrom(m)).toBe(false);
    expect(irq.active).toBe(false);
  });

  it('fires while the vCPU sleeps in WFI: the background timer wakes it', () => {
    const m = timerGuest('wfi');
    m.run();
    const ev = eventsFrom(m);
    const text = dumpFrom(m);
    expect(ev.find((e) => e.kind === 'vtimer.expire')?.data, text).toMatchObject({ mode: 'blocked' });
    expect(
      ev.some((e) => e.kind === 'vcpu.kick' && (e.data as { action: string }).action === 'wake'),
      text,
    ).toBe(true);
    expect(m.s.kvm!.vms[0]!.guest[0]!.acked[27], text).toBe(1);
  });

  it('a timer turned off before its deadline never fires; KVM_IRQ_LINE cannot drive the timer PPI', () => {
    const m = timerGuest('wfi');
    m.input(guest(0, { kind: 'timer', ns: null }));
    m.run();
    m.input({ kind: 'kvm', vm: 0, call: { kind: 'irq-line', irq: 0x0200_001b, level: 1 } });
    m.run();
    const text = dumpFrom(m);
    expect(
      eventsFrom(m).some((e) => e.kind === 'vtimer.expire' || (e.kind === 'vcpu.exit' && e.intid === 27)),
      text,
    ).toBe(false);
    expect(m.s.kvm!.vms[0]!.guest[0]!.acked[27], text).toBeUndefined();
  });
});
