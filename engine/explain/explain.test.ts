import { existsSync, readdirSync, readFileSync } from 'node:fs';
import {
  icc,
  itsCmd as guestItsCmd,
  guestLpiBringUp,
  RD,
  signalMsiCall,
  store,
  VITS,
  VM_GICD,
} from '../kvm/vm-fixture';
import { describe, expect, it } from 'vitest';
import '../kvm/kvm-extension';
import type { ProfileName } from '../gic/gic-rules';
import { encodeCommand } from '../its/command-encoding';
import { irqchipRouteEntry, msiRouteEntry } from '../kvm/gsi-routing';
import { encodeKvmArmIrq, KVM_ARM_IRQ_TYPE_SPI } from '../kvm/irq-line';
import type { GuestOp, KvmCall } from '../kvm/kvm-input-types';
import { KVM_MSI_VALID_DEVID } from '../kvm/msi';
import { Machine } from '../platform/machine';
import { resolveMachine, type MachineOptions } from '../platform/machine-config';
import type { SimEvent } from '../sim/event-log';
import { formatDiagnostic, loadScenario, type Scenario } from '../scenario/loader';
import { ScenarioRun } from '../scenario/runner';
import { explain } from './explain';
import { fire as v4Fire, v4Machine } from '../kvm/v4-fixture';

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

/** The shipped scenarios and the complete example of docs/scenario-format.md (MSIs from a device). */
function scenarios(): { name: string; text: string }[] {
  const dir = 'public/scenarios/conformance/';
  const shipped = readdirSync(new URL(dir, root))
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ name: f, text: read(dir + f) }));
  const doc = read('docs/scenario-format.md');
  const example = /```json\n([\s\S]*?)\n```/.exec(doc)![1]!;
  return [...shipped, { name: 'scenario-format.md example', text: example }];
}

function events(text: string, name: string, profile: ProfileName): SimEvent[] {
  const r = loadScenario(text, name);
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  const m = resolveMachine({ ...r.scenario.machineOptions, profile });
  if (!m.ok) throw new Error(m.problems.join('; '));
  const sc: Scenario = { ...r.scenario, machine: m.machine };
  const run = new ScenarioRun(sc);
  run.runAll();
  return run.machine.log.slice();
}

describe('explain', () => {
  const all = scenarios();

  it.each(['kvm', 'qemu', 'spec'] as const)(
    'gives every event of every shipped scenario a sentence of its own (%s)',
    (profile) => {
      const kinds = new Set<string>();
      for (const s of all)
        for (const e of events(s.text, s.name, profile)) {
          const text = explain(e);
          kinds.add(e.kind);
          expect(text, `${s.name} #${e.seq} ${e.kind}`).not.toBe(`${e.kind} at ${e.unit}.`);
          expect(text, `${s.name} #${e.seq} ${e.kind}`).not.toMatch(/undefined|NaN|\[object/);
          expect(text, `${s.name} #${e.seq} ${e.kind}`).toMatch(/[.]$/);
        }
      // The walk covered the MSI path, commands, register accesses and the whole interrupt life.
      for (const k of ['pci.msi', 'its.translater', 'its.cmd', 'gicr.lpi.pending', 'icc.ack', 'icc.eoi'])
        expect(kinds).toContain(k);
    },
  );

  it('does not give an LPI an active state, and does give one to an SGI', () => {
    const evs = all.flatMap((s) => events(s.text, s.name, 'kvm'));
    const ack = (pred: (intid: number) => boolean): string =>
      explain(evs.find((e) => e.kind === 'icc.ack' && pred((e.data as { intid: number }).intid))!);
    const lpi = ack((i) => i >= 8192);
    expect(lpi).toMatch(/no longer pending \(an LPI has no active state\)/);
    expect(lpi).not.toMatch(/is now active/);
    expect(ack((i) => i < 16)).toMatch(/it is now active and the running priority rises to 0x[0-9a-f]+/);
  });

  it('names the error of a command the ITS refuses', () => {
    const text = JSON.stringify({
      format: 'giclab-scenario/1',
      id: 'unmapped',
      title: 'MAPTI of an unmapped device',
      machine: { profile: 'kvm' },
      steps: [
        {
          title: 'ITS up, then MAPTI with no MAPD',
          actions: [
            'write64 GITS_BASER0 0x8107000040100200',
            'write64 GITS_BASER1 0x8407000040110200',
            'write64 GITS_CBASER 0x800000004012000f',
            'write GITS_CTLR 1',
            'its MAPTI DeviceID=5 EventID=0 pINTID=8192 ICID=0',
          ],
          expect: [],
        },
      ],
    });
    const cmd = events(text, 'unmapped.json', 'kvm').find((e) => e.kind === 'its.cmd')!;
    expect(explain(cmd)).toMatch(/MAPTI .*E_ITS_MAPTI_UNMAPPED_DEVICE/);
  });
});

// ---- VMs -----------------------------------------------------------------------------------------

/** A machine with VMs, and the guest's and the VMM's inputs to VM 0. */
function vmMachine(o: MachineOptions) {
  const r = resolveMachine(o);
  if (!r.ok) throw new Error(r.problems.join('; '));
  const m = Machine.create(r.machine);
  const g = (vcpu: number, op: GuestOp): void => void m.input({ kind: 'guest', vm: 0, vcpu, op });
  const call = (c: KvmCall): void => void m.input({ kind: 'kvm', vm: 0, call: c });
  const spi = (irqId: number, level = 1): void =>
    call({ kind: 'irq-line', irq: encodeKvmArmIrq({ irqType: KVM_ARM_IRQ_TYPE_SPI, irqId }), level });
  const msi = (devid: number, eventid: number, flags = KVM_MSI_VALID_DEVID): void =>
    call(signalMsiCall(devid, eventid, flags));
  const gicUp = (vcpus: number[]): void => {
    g(vcpus[0]!, store(VM_GICD, 0x12)); // GICD_CTLR: ARE, EnableGrp1
    for (const v of vcpus) {
      g(v, icc('ICC_PMR_EL1', 0xf0n));
      g(v, icc('ICC_IGRPEN1_EL1', 1n));
    }
  };
  const itsCmd = (name: string, f: Record<string, bigint>): void => g(0, guestItsCmd(name, f));
  /** LPIs on vCPU 1, the guest's ITS up, DeviceID 16 EventID 0 -> LPI 8192 on vCPU 1. */
  const lpiUp = (): void => {
    guestLpiBringUp(g);
    m.run();
  };
  return { m, g, call, spi, msi, gicUp, itsCmd, lpiUp };
}

/** Runs that between them make every kind of VM event the engine emits (its.cache.flush aside). */
function vmRuns(): { name: string; events: SimEvent[] }[] {
  const out: { name: string; events: SimEvent[] }[] = [];
  {
    // An SPI's life; a refused KVM_IRQ_LINE; spurious and ignored ICV accesses; EOImode 1; a
    // trapped SGI; accesses that fail; a register KVM does not emulate.
    const { m, g, spi, gicUp } = vmMachine({ profile: 'spec', cpus: 2, vms: [{ vcpus: 2 }] });
    gicUp([0]);
    g(0, store(VM_GICD + 0x104, 3)); // GICD_ISENABLER1: SPIs 32, 33
    m.run();
    spi(32);
    spi(9999);
    m.run();
    g(0, icc('ICC_IAR1_EL1'));
    g(0, icc('ICC_EOIR1_EL1', 77n));
    g(0, icc('ICC_CTLR_EL1', 2n)); // EOImode 1
    g(0, icc('ICC_BOGUS_EL1'));
    g(0, store(0x2000_0000, 1));
    g(0, { kind: 'mem', addr: 0x4000_0000, bytes: [1, 2, 3] });
    g(0, icc('ICC_SGI1R_EL1', (1n << 24n) | 2n)); // SGI 1 to vCPU 1
    g(0, store(VM_GICD + 0x40, 32)); // GICD_SETSPI_NSR: not in KVM's table
    m.run();
    spi(33);
    m.run();
    out.push({ name: 'spi', events: m.log.slice() });
  }
  {
    // Three vCPUs on two pCPUs: the scheduler tick.
    const { m } = vmMachine({ profile: 'spec', cpus: 2, vms: [{ vcpus: 3, idle: 'spin' }] });
    m.run({ maxEvents: 200 });
    out.push({ name: 'tick', events: m.log.slice() });
  }
  {
    // The guest's ITS: KVM_SIGNAL_MSI, refused and unmapped MSIs, routing, irqfds, INV, INT,
    // CLEAR, INVALL, LPIs disabled.
    const { m, g, call, msi, itsCmd, lpiUp } = vmMachine({ profile: 'spec', cpus: 2, vms: [{ vcpus: 2 }] });
    lpiUp();
    msi(16, 0);
    msi(16, 0, 0);
    msi(16, 5);
    m.run();
    g(0, store(VM_GICD + 0x104, 1 << 5)); // SPI 37
    m.run();
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
    call({ kind: 'irqfd', fd: 42, gsi: 1, flags: 0, resamplefd: 0 });
    call({ kind: 'eventfd-signal', fd: 3 });
    call({ kind: 'eventfd-signal', fd: 4 });
    call({ kind: 'eventfd-signal', fd: 9 });
    m.run();
    g(0, { kind: 'lpi-config', intid: 8192, value: 0xa0 });
    itsCmd('INV', { DeviceID: 16n, EventID: 0n });
    itsCmd('INT', { DeviceID: 16n, EventID: 0n });
    itsCmd('CLEAR', { DeviceID: 16n, EventID: 0n });
    itsCmd('INVALL', { ICID: 1n });
    g(1, store(RD(1), 0)); // EnableLPIs off
    m.run();
    out.push({ name: 'its', events: m.log.slice() });
  }
  {
    // Spinning vCPUs with two LRs each, a burst of SPIs, an MSI and an SGI, then a pin that moves
    // a running vCPU onto the other's pCPU, and an unpin.
    const { m, g, spi, msi, lpiUp } = vmMachine({
      profile: 'spec',
      cpus: 2,
      vms: [{ vcpus: 2, lrs: 2, idle: 'spin', pin: [0, 1] }],
    });
    lpiUp();
    g(0, store(VM_GICD + 0x104, 0xf));
    g(1, store(RD(1) + 0x10100, 1 << 3)); // vCPU 1's GICR_ISENABLER0: SGI 3
    m.run({ maxEvents: 500 });
    for (const id of [32, 33, 34, 35]) spi(id);
    msi(16, 0);
    g(0, icc('ICC_SGI1R_EL1', (3n << 24n) | 2n));
    m.input({ kind: 'vcpu-pin', vm: 0, vcpu: 0, pcpu: 1 });
    m.run({ maxEvents: 2000 });
    m.input({ kind: 'vcpu-pin', vm: 0, vcpu: 0, pcpu: -1 });
    m.run({ maxEvents: 200 });
    out.push({ name: 'storm', events: m.log.slice() });
  }
  {
    // A guest that holds an interrupt and unmasks, then takes a higher-priority one.
    const { m, g, spi, gicUp } = vmMachine({
      profile: 'spec',
      cpus: 2,
      vms: [{ vcpus: 1, software: 'hold' }],
    });
    gicUp([0]);
    g(0, store(VM_GICD + 0x104, 3));
    g(0, store(VM_GICD + 0x420, 0x80a0)); // SPI 32 at 0xa0, SPI 33 at 0x80
    m.run();
    spi(32);
    m.run({ maxEvents: 200 });
    spi(33);
    m.run({ maxEvents: 200 });
    out.push({ name: 'hold', events: m.log.slice() });
  }
  {
    // Two kicks of a vCPU in the guest (an IPI, then none), and the IPI arriving after the vCPU
    // left on its own (an MMIO exit).
    const { m, g, spi, gicUp } = vmMachine({
      profile: 'spec',
      cpus: 2,
      vms: [{ vcpus: 1, idle: 'spin', pin: [1] }],
    });
    gicUp([0]);
    g(0, store(VM_GICD + 0x104, 3));
    m.run({ maxEvents: 100 });
    spi(32);
    spi(33);
    for (let i = 0; i < 50 && m.log.get(m.log.length - 1)!.kind !== 'vcpu.kick'; i++) m.run({ maxEvents: 1 });
    g(0, store(VM_GICD + 0x104, 4));
    m.run({ maxEvents: 200 });
    out.push({ name: 'ipi', events: m.log.slice() });
  }
  {
    // SPI 32 waits on vCPU 0 behind PMR 0 until the guest routes it to vCPU 1: the prune moves it.
    const { m, g, spi, gicUp } = vmMachine({ profile: 'spec', cpus: 2, vms: [{ vcpus: 2 }] });
    gicUp([0, 1]);
    g(0, icc('ICC_PMR_EL1', 0n));
    g(0, store(VM_GICD + 0x104, 1));
    m.run();
    spi(32);
    m.run({ maxEvents: 300 });
    g(0, store(VM_GICD + 0x6100, 1, 64)); // GICD_IROUTER32: Aff0 = 1
    g(0, store(VM_GICD + 0x104, 1));
    m.run({ maxEvents: 300 });
    out.push({ name: 'migrate', events: m.log.slice() });
  }
  {
    // A guest that runs with IRQs masked: its WFI finds an interrupt pending and does not block.
    const { m, g, spi, gicUp } = vmMachine({
      profile: 'spec',
      cpus: 2,
      vms: [{ vcpus: 1, software: 'masked' }],
    });
    gicUp([0]);
    g(0, store(VM_GICD + 0x104, 1));
    m.run();
    spi(32);
    m.run({ maxEvents: 60 });
    out.push({ name: 'masked', events: m.log.slice() });
  }
  {
    // VFIO: a host device's MSI, through the host's ITS, VFIO's handler, an eventfd and an irqfd,
    // into the guest's ITS (engine/kvm/vm-machine.test.ts).
    const { m, g, call, lpiUp } = vmMachine({
      profile: 'spec',
      cpus: 2,
      devices: [{ name: 'nic0', bdf: '00:02.0' }],
      vms: [{ vcpus: 2, assigned: [{ device: 'nic0', guestRid: 16 }], pin: [0, 1], idle: 'spin' }],
    });
    const host = (addr: number, width: 32 | 64, value: bigint): void =>
      void m.input({ kind: 'mmio', addr, width, write: true, value, by: 'host' });
    host(0x0800_0000, 32, 0x13n); // the host's GICD_CTLR (its own address space)
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
    const hostCmd = (name: string, f: Record<string, bigint>, slot: number): void => {
      const e = encodeCommand(name, f);
      if (!e.ok) throw new Error(e.error);
      const bytes = e.dws.flatMap((d) =>
        Array.from({ length: 8 }, (_, i) => Number((d >> BigInt(8 * i)) & 0xffn)),
      );
      m.input({ kind: 'mem-write', addr: 0x4012_0000 + slot * 32, bytes });
      host(VITS + 0x88, 64, BigInt((slot + 1) * 32));
    };
    hostCmd('MAPD', { DeviceID: 16n, Size: 4n, ITT_addr: 0x4030_0000n, V: 1n }, 0);
    hostCmd('MAPC', { ICID: 1n, RDbase: 1n, V: 1n }, 1);
    hostCmd('MAPTI', { DeviceID: 16n, EventID: 0n, pINTID: 8200n, ICID: 1n }, 2);
    lpiUp();
    call({
      kind: 'set-gsi-routing',
      entries: [msiRouteEntry(9, { address: BigInt(VITS + 0x10040), data: 0, devid: 16 })],
    });
    call({ kind: 'eventfd' });
    call({ kind: 'irqfd', fd: 3, gsi: 9, flags: 0, resamplefd: 0 });
    call({ kind: 'vfio-irq', device: 'nic0', vector: 0, hostIntid: 8200, fd: 3 });
    call({ kind: 'vfio-irq', device: 'nic9', vector: 0, hostIntid: 8201, fd: 3 });
    g(1, store(0x4000_0000, 1));
    m.run({ maxEvents: 300 });
    m.input({ kind: 'msi', device: 'nic0', rid: 0x10, devid: 0x10, its: 0, eventid: 0 });
    m.run({ maxEvents: 500 });
    out.push({ name: 'vfio', events: m.log.slice() });
  }
  return out;
}

/** The VM event kinds (data.vm set) the engine emits, as docs/kvm-vgic.md lists them. */
const VM_KINDS = [
  'kvm.schedule',
  'kvm.tick',
  'vcpu.entry',
  'vcpu.exit',
  'vcpu.kick',
  'vcpu.ipi',
  'vcpu.pin',
  'guest.program',
  'guest.take',
  'icv.ack',
  'icv.eoi',
  'icv.dir',
  'icv.access',
  'guest.eret',
  'guest.unmask',
  'guest.mem',
  'guest.bad',
  'vgic.mmio',
  'vgic.sgi',
  'vgic.lpi.pending',
  'vgic.lpi.clear',
  'vgic.lpi.inv',
  'kvm.irq-line',
  'kvm.signal-msi',
  'kvm.set-gsi-routing',
  'kvm.irqfd',
  'vmm.eventfd',
  'vmm.eventfd-write',
  'eventfd.signal',
  'vfio.set-irqs',
  'vfio.irq',
];

const isFallback = (e: SimEvent, text: string): boolean => text === `${e.kind} at ${e.unit}.`;

describe('explain, in a VM', () => {
  const runs = vmRuns();
  const all = runs.flatMap((r) => r.events.map((e) => ({ run: r.name, e })));
  const texts = (pred: (e: SimEvent) => boolean): string[] =>
    all.filter((x) => pred(x.e)).map((x) => explain(x.e));
  const data = (e: SimEvent): Record<string, unknown> => (e.data ?? {}) as Record<string, unknown>;

  it('gives every event of runs with VMs a sentence of its own', () => {
    const kinds = new Set<string>();
    for (const { run, e } of all) {
      const text = explain(e);
      const at = `${run} #${e.seq} ${e.kind} ${JSON.stringify(e.data)}`;
      if (data(e).vm !== undefined) kinds.add(e.kind);
      expect(isFallback(e, text), at).toBe(false);
      expect(text, at).not.toMatch(/undefined|NaN|\[object/);
      expect(text, at).toMatch(/[.]$/);
      // A VM's sentences start with a capital, or with the VM's own name.
      if (data(e).vm !== undefined) expect(text, at).toMatch(/^([A-Z]|vm0)/);
    }
    // Every VM event kind was made, and nothing the list does not know of.
    expect([...kinds].sort()).toEqual([...VM_KINDS].sort());
  });

  it('gives every shipped track-3 scenario event a sentence of its own', () => {
    const dir = 'public/scenarios/track3/';
    const url = new URL(dir, root);
    const files = existsSync(url) ? readdirSync(url).filter((f) => f.endsWith('.json')) : [];
    for (const f of files) {
      const r = loadScenario(read(dir + f), f);
      if (!r.ok) continue; // scripts/teaching-scenarios.test.ts says why
      const run = new ScenarioRun(r.scenario);
      run.runAll();
      for (const e of run.machine.log.slice()) {
        const text = explain(e);
        expect(isFallback(e, text), `${f} #${e.seq} ${e.kind}`).toBe(false);
        expect(text, `${f} #${e.seq} ${e.kind}`).not.toMatch(/undefined|NaN|\[object/);
      }
    }
  });

  it('says why the vCPU exited, and what the exit did with the list registers', () => {
    const exit = (reason: string, more: (d: Record<string, unknown>) => boolean = () => true): string[] =>
      texts((e) => e.kind === 'vcpu.exit' && data(e).reason === reason && more(data(e)));
    expect(exit('wfi', (d) => d.wfiPending === false)[0]).toMatch(
      /^vm0's vCPU \d exits to KVM on pCPU \d: the guest has nothing to do and executes WFI, which traps \(HCR_EL2\.TWI\); .*nothing is pending, so the thread blocks \(vcpu_put\)/,
    );
    expect(exit('wfi', (d) => d.wfiPending === true)[0]).toMatch(
      /an interrupt is pending for it, so it does not block/,
    );
    expect(exit('mmio')[0]).toMatch(
      /its 32-bit store to 0x8000000 hits a GIC frame KVM emulates .*KVM emulates the access\.$/,
    );
    expect(exit('sysreg')[0]).toMatch(/its ICC_SGI1R_EL1 write traps \(a system-register exit\)/);
    expect(exit('irq', (d) => d.source === 'maintenance' && d.misr === '0x2')[0]).toMatch(
      /the vgic maintenance interrupt \(PPI 25\) is taken at EL2, ICH_MISR_EL2 = 0x2 \(U: underflow, at most one LR still valid\); kvm_vgic_sync_hwstate folds LR0 \(vINTID \d+\)/,
    );
    expect(exit('irq', (d) => d.source === 'kick')[0]).toMatch(
      /the kick's reschedule IPI \(SGI 0\) is taken at EL2/,
    );
    expect(exit('irq', (d) => d.source === 'host')[0]).toMatch(/host interrupt LPI 8200 is taken at EL2/);
    expect(exit('mmio', (d) => arr(d.migrated).length > 0)[0]).toMatch(
      /the prune moves vINTID 32 to vCPU 1's ap_list \(a kick tells that vCPU\)/,
    );
    // An entry names the list registers it writes, and why it asks for an underflow interrupt.
    expect(texts((e) => e.kind === 'vcpu.entry' && arr(data(e).notLoaded).length > 0)[0]).toMatch(
      /kvm_vgic_flush_hwstate sorts the ap_list by priority and writes 2 list registers \(LR0: vINTID \d+ pending, priority 0x[0-9a-f]+; LR1: .*\); vINTID .* on the ap_list only; ICH_HCR_EL2 = 0x3 \(En; UIE: the LRs are full/,
    );
  });

  it('tells an acknowledge from a spurious read, and an EOI that deactivates from one that does not', () => {
    const acks = texts((e) => e.kind === 'icv.ack' && e.intid === 32);
    expect(acks[0]).toMatch(
      /^vm0's vCPU 0 reads ICV_IAR1_EL1 and acknowledges virtual SPI 32 from LR\d \(priority 0x[0-9a-f]+\), without exiting: the LR goes from pending to active/,
    );
    const spurious = texts((e) => e.kind === 'icv.ack' && e.intid === 1023);
    expect(spurious[0]).toMatch(/gets 1023 \(spurious\): no list register holds a pending interrupt/);
    expect(spurious[0]).not.toMatch(/acknowledges/);
    expect(texts((e) => e.kind === 'icv.eoi' && data(e).deactivated === true)[0]).toMatch(
      /ends virtual SPI 32 by writing ICV_EOIR1_EL1, without exiting: priority 0x[0-9a-f]+ dropped, LR\d deactivated/,
    );
    expect(texts((e) => e.kind === 'icv.dir' && data(e).deactivated === true)[0]).toMatch(
      /deactivates virtual SPI 33 with ICV_DIR_EL1 \(EOImode 1\), without exiting: LR\d deactivated/,
    );
  });

  it('names a refused ioctl and its errno, and says nothing changed', () => {
    expect(texts((e) => e.kind === 'kvm.irq-line' && Number(data(e).ret) < 0)[0]).toBe(
      "The VMM's KVM_IRQ_LINE on vm0 (irq 0x100270f: irq_type SPI, irq_id 9999; level 1) is refused with -EINVAL (-22): INTID 9999 does not exist in this VM (224 SPIs, INTIDs 32..255; LPIs only when mapped); nothing changed.",
    );
    expect(texts((e) => e.kind === 'kvm.irqfd' && Number(data(e).ret) < 0)[0]).toBe(
      "The VMM's KVM_IRQFD on vm0 (fd 42, GSI 1) is refused with -EBADF (-9): fd 42 is not an open file; nothing changed.",
    );
    expect(texts((e) => e.kind === 'kvm.signal-msi' && data(e).errno === 'EINVAL')[0]).toMatch(
      /^The VMM's KVM_SIGNAL_MSI on vm0 is refused with -EINVAL \(-22\): KVM_MSI_VALID_DEVID is clear/,
    );
    expect(texts((e) => e.kind === 'kvm.irq-line' && data(e).ret === 0)[0]).toMatch(
      /^The VMM calls KVM_IRQ_LINE on vm0 \(irq 0x1000020: irq_type SPI, irq_id 32; level 1\), which returns 0: INTID 32 asserted/,
    );
  });

  it("says vCPU, not CPU, for a collection's target in a VM's virtual ITS", () => {
    const cte = texts((e) => e.kind === 'its.cte' && e.unit === 'vm0.its0');
    expect(cte[0]).toMatch(
      /^vm0's vITS 0 looks up collection 1 in the Collection Table: redistributor of vCPU 1/,
    );
    const hit = texts((e) => e.kind === 'its.cache' && e.unit === 'vm0.its0' && data(e).hit === true);
    expect(hit[0]).toMatch(/-> LPI 8192 on vCPU 1; no table walk needed\.$/);
    // The host's own ITS still names a CPU.
    const host = texts((e) => e.kind === 'its.cte' && e.unit === 'its0');
    expect(host[0]).toMatch(/^ITS0 looks up collection 1 in the Collection Table: redistributor of CPU 1/);
  });

  it('explains every kick, and a flush of the virtual ITS caches', () => {
    const at = (data: Record<string, unknown>, kind = 'vcpu.kick', unit = 'vm0.vcpu1'): SimEvent => ({
      seq: 0,
      time: 0,
      kind,
      unit,
      cause: null,
      cpu: -1,
      data: { vm: 0, vcpu: 1, ...data },
    });
    const actions = ['ipi', 'already-exiting', 'same-cpu', 'wake', 'spurious-wake', 'request', 'none'];
    const kicks = actions.map((action) => explain(at({ action, to: action === 'ipi' ? 2 : -1 })));
    expect(new Set(kicks).size).toBe(actions.length);
    expect(kicks[0]).toBe(
      "KVM kicks vm0's vCPU 1 (KVM_REQ_IRQ_PENDING, kvm_vcpu_kick): it is running the guest, so a reschedule IPI goes to pCPU 2 to make it exit.",
    );
    const flush = at({ reason: 'GICR_CTLR.EnableLPIs cleared', entries: 2 }, 'its.cache.flush', 'vm0');
    expect(explain(flush)).toBe(
      "vm0's virtual ITS translation caches are flushed (2 entries): GICR_CTLR.EnableLPIs cleared.",
    );
  });
});

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

// ---- GICv4 ---------------------------------------------------------------------------------------

describe('explain, GICv4', () => {
  /** A GICv4 machine's ITS and redistributors brought up, then `actions`; every event of the run. */
  function v4Events(profile: ProfileName, gic: 4 | 4.1, actions: string[]): SimEvent[] {
    const up = [
      'write64 GITS_BASER0 0xb907000040100600',
      'write64 GITS_BASER1 0xbc07000040110600',
      'write64 GITS_BASER2 0x8000000040140200',
      'write64 GITS_CBASER 0x800000004012000f',
      'write GICD_CTLR 0x13',
      'write GICD_IGROUPR1 0xffffffff',
      'write rd0 GICR_WAKER 0',
      'write rd0 GICR_IGROUPR0 0xffffffff',
      'cpu0 write ICC_PMR_EL1 0xf0',
      'cpu0 write ICC_IGRPEN1_EL1 1',
      'write64 rd0 GICR_PROPBASER 0x4013000d',
      'write64 rd0 GICR_PENDBASER 0x40200000',
      ...(gic === 4 ? ['write64 rd0 GICR_VPROPBASER 0x4050000f'] : []),
      'write rd0 GICR_CTLR |= 1',
      'write GITS_CTLR 1',
      'lpi-config 8200 0xa3',
      'mem write8 0x40500003 0xa3',
      'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
    ];
    const text = JSON.stringify({
      format: 'giclab-scenario/1',
      id: 'v4',
      title: 'GICv4',
      machine: { profile, cpus: 2, gic },
      steps: [{ title: 'all', actions: [...up, ...actions], expect: [] }],
    });
    const r = loadScenario(text, 'v4.json');
    if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
    const run = new ScenarioRun(r.scenario);
    run.runAll();
    return run.machine.log.slice();
  }

  const v40 = (profile: ProfileName) =>
    v4Events(profile, 4, [
      'its VMAPP vPEID=1 RDbase=0 V=1 VPT_addr=0x40410000 VPT_size=15',
      'its VMAPTI DeviceID=2 EventID=20 vPEID=1 vINTID=8195 Dbell_pINTID=8200',
      'msi rid=2 20',
      'its CLEAR DeviceID=2 EventID=20',
      'write64 rd0 GICR_VPENDBASER 0x8000000040410000',
      'msi rid=2 20',
      'its INV DeviceID=2 EventID=20',
      'its VINVALL vPEID=1',
      'its CLEAR DeviceID=2 EventID=20',
      'write64 rd0 GICR_VPENDBASER 0x0000000040410000',
      'write64 rd0 GICR_VPENDBASER 0x0000000040410000',
      'its VMAPTI DeviceID=2 EventID=21 vPEID=9 vINTID=8196 Dbell_pINTID=1023',
      'msi rid=2 21',
    ]);
  const v41 = () =>
    v4Events('spec', 4.1, [
      'its VMAPP vPEID=1 RDbase=0 V=1 VPT_addr=0x40410000 VPT_size=15 VCONF_addr=0x40500000 Default_Doorbell=8200 Alloc=1',
      'its VMAPTI DeviceID=2 EventID=20 vPEID=1 vINTID=8195 Dbell_pINTID=1023',
      'its VSGI vPEID=1 vINTID=3 Enable=1 Priority=8',
      'write64 rd0 GICR_VPENDBASER 0x8000000000000001',
      'write64 rd0 GICR_VPENDBASER 0x4000000000000001',
      'msi rid=2 20',
      'write64 GITS_SGIR 0x0000000100000003',
      'write64 rd0 GICR_VPENDBASER 0x8000000000000001',
      'write64 rd0 GICR_VPENDBASER 0x8000000000000001',
      'write64 GITS_SGIR 0x0000000100000003',
      'write64 GITS_SGIR 0x0000000700000003',
    ]);

  it('gives every event of GICv4 runs a sentence of its own', () => {
    const kinds = new Set<string>();
    for (const evs of [v40('qemu'), v40('spec'), v41()])
      for (const e of evs) {
        const text = explain(e);
        kinds.add(e.kind);
        expect(text, `#${e.seq} ${e.kind}`).not.toBe(`${e.kind} at ${e.unit}.`);
        expect(text, `#${e.seq} ${e.kind}`).not.toMatch(/undefined|NaN|\[object/);
        expect(text, `#${e.seq} ${e.kind}`).toMatch(/[.]$/);
      }
    for (const k of ['its.ite', 'its.vte', 'its.sgir', 'gicr.vlpi', 'gicr.doorbell', 'gicr.vinv', 'gicr.vpe'])
      expect(kinds).toContain(k);
  });

  it('says where a vLPI went and why a doorbell rang', () => {
    const texts = v40('qemu').map(explain);
    expect(texts).toContain(
      'Redistributor 0: vLPI 8195 for vPE 1 recorded in its virtual pending table at 0x40410000 (via MSI): the vPE is not resident on redistributor 0, so its doorbell LPI 8200 rings there.',
    );
    expect(texts).toContain(
      'Redistributor 0: doorbell LPI 8200 rings for vPE 1: virtual LPI 8195 became pending while the vPE is not resident here, so the hypervisor is told with a physical LPI (it can then schedule the vPE).',
    );
    expect(
      texts.some((t) => /vLPI 8195 for vPE 1 is now pending \(via MSI\); the vPE is resident here/.test(t)),
    ).toBe(true);
    expect(texts.some((t) => /deschedules the vPE whose VPT is at 0x40410000 \(Valid 1 -> 0\)/.test(t))).toBe(
      true,
    );
    expect(texts.some((t) => /drops the MSI .* at the vte step: the VTE of vPE 9 is not valid/.test(t))).toBe(
      true,
    );
    const v41Texts = v41().map(explain);
    expect(v41Texts.some((t) => /DB = 1 arms its default doorbell/.test(t))).toBe(true);
    expect(v41Texts.some((t) => /GITS_SGIR write: virtual SGI 3 for vPE 1 is now pending/.test(t))).toBe(
      true,
    );
  });
});

describe('explain, with GICv4 direct injection', () => {
  it('gives every event of GICv4 VM runs a sentence of its own (KVM vgic-v4, the host driver, the hardware)', () => {
    const runs: { name: string; m: Machine }[] = [];
    for (const o of [
      { name: 'v4.0 spec, blocking', idle: 'wfi' as const, gic: 4 as const, profile: 'spec' as const },
      { name: 'v4.0 qemu, the proxy', idle: 'wfi' as const, gic: 4 as const, profile: 'qemu' as const },
      {
        name: 'v4.1 spec, default doorbell',
        idle: 'wfi' as const,
        gic: 4.1 as const,
        profile: 'spec' as const,
      },
    ]) {
      const m = v4Machine(o);
      m.run({ until: m.time + 100_000 });
      v4Fire(m);
      m.input({ kind: 'vcpu-pin', vm: 0, vcpu: 1, pcpu: 0 });
      m.run({ until: m.time + 100_000 });
      v4Fire(m);
      runs.push({ name: o.name, m });
    }
    const kinds = new Set<string>();
    for (const { name, m } of runs)
      for (const e of m.log.slice()) {
        const text = explain(e);
        const at = `${name} #${e.seq} ${e.kind} ${JSON.stringify(e.data)}`;
        kinds.add(e.kind);
        expect(isFallback(e, text), at).toBe(false);
        expect(text, at).not.toMatch(/undefined|NaN|\[object/);
        expect(text, at).toMatch(/[.]$/);
      }
    for (const k of [
      'kvm.v4.init',
      'kvm.v4.vpt',
      'kvm.v4.config',
      'kvm.v4.doorbell',
      'gicr.vlpi',
      'gicr.doorbell',
      'gicr.vpe',
      'its.vte',
    ])
      expect(kinds, k).toContain(k);
  });
});
