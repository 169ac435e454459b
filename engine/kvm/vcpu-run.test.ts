import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clonePlain, decodePlain, encodePlain } from '../sim/plain-codec';
import { rngSeed } from '../sim/rng';
import { kvmVgicInjectIrq, vgicV3DispatchSgi } from './ap-list';
import { decodeLrHalves, ICH_HCR_UIE, ICH_MISR_U } from './ich-registers';
import { icvAcknowledge, icvEndOfInterrupt } from './virtual-cpu-interface';
import { configure, physLines, testVm } from './vgic-fixture';
import { NO_VCPU } from './vgic-irq';
import type { VgicState } from './vgic-state';
import {
  checkKvmRun,
  createKvmRunState,
  KVM_KICK_IPI_SGI,
  KVM_MAINTENANCE_PPI,
  kvmIpiArrive,
  kvmPcpuLane,
  kvmSchedTick,
  kvmSchedule,
  kvmVcpuEnter,
  kvmVcpuExit,
  kvmVcpuGuestCheck,
  kvmVcpuKick,
  kvmVcpuPlace,
  kvmVcpuPowerOff,
  kvmVcpuPowerOn,
  kvmVcpuWfi,
  NO_PCPU,
  type KvmRunState,
  type VcpuRunEvent,
  type VcpuRunResult,
} from './vcpu-run';

const phys = physLines();
const kinds = (r: VcpuRunResult): string[] => r.events.map((e) => e.kind);
const lrIntids = (vgic: VgicState, vcpu: number): number[] => {
  const v3 = vgic.vcpus[vcpu]!.v3;
  return v3.lrHi
    .map((_, n) => decodeLrHalves(v3.lrLo[n]!, v3.lrHi[n]!))
    .filter((l) => l.state !== 0)
    .map((l) => l.vintid);
};
function only<K extends VcpuRunEvent['kind']>(r: VcpuRunResult, kind: K): Extract<VcpuRunEvent, { kind: K }> {
  const e = r.events.filter((x) => x.kind === kind);
  expect(e).toHaveLength(1);
  return e[0] as Extract<VcpuRunEvent, { kind: K }>;
}

/** vCPU i pinned to pCPU i and in the guest. */
function running(nrVcpus: number, nrPcpus = nrVcpus): { vgic: VgicState; run: KvmRunState } {
  const vgic = testVm(nrVcpus);
  const run = createKvmRunState(nrVcpus, nrPcpus);
  for (let v = 0; v < nrVcpus; v++) {
    expect(kvmVcpuPlace(run, vgic, v, v, phys).ok).toBe(true);
    expect(kvmVcpuEnter(run, vgic, v, phys).ok).toBe(true);
  }
  expect(checkKvmRun(run)).toEqual([]);
  return { vgic, run };
}

describe('run, kick, exit, re-entry', () => {
  it('a guest SGI from vCPU 1 kicks vCPU 0 on another pCPU: IPI, IRQ exit, the SGI flushed into an LR', () => {
    const { vgic, run } = running(2);
    expect(run.vcpus[0]!.mode).toBe('guest');
    // vCPU 1 writes ICC_SGI1R_EL1 (SGI 3 to Aff0 = 0): a trapped system register access.
    const trap = kvmVcpuExit(run, vgic, 1, { reason: 'sysreg' }, phys);
    expect(kinds(trap)).toEqual(['vcpu.exit']);
    expect(run.vcpus[1]!.mode).toBe('host');
    const sgi = vgicV3DispatchSgi(vgic, 1, (3n << 24n) | 1n, true);
    expect(sgi.kicks).toEqual([0]);
    const kick = kvmVcpuKick(run, vgic, 0, run.vcpus[1]!.pcpu);
    expect(only(kick, 'vcpu.kick')).toMatchObject({ action: 'ipi', from: 1, to: 0 });
    expect(run.vcpus[0]!).toMatchObject({ mode: 'guest', exiting: true, irqPendingRequest: true });
    // Until the IPI lands the guest still runs on the old LRs.
    expect(lrIntids(vgic, 0)).toEqual([]);
    const exit = kvmIpiArrive(run, vgic, 0, phys);
    expect(only(exit, 'vcpu.exit')).toMatchObject({
      vcpu: 0,
      pcpu: 0,
      reason: 'irq',
      source: 'kick',
      intid: KVM_KICK_IPI_SGI,
    });
    expect(run.vcpus[0]!).toMatchObject({ mode: 'host', exiting: false });
    const entry = only(kvmVcpuEnter(run, vgic, 0, phys), 'vcpu.entry');
    expect(entry.requestConsumed).toBe(true);
    expect(entry.flush.loaded.map((l) => l.intid)).toEqual([3]);
    expect(lrIntids(vgic, 0)).toEqual([3]);
    expect(run.vcpus[0]!.irqPendingRequest).toBe(false);
    expect(icvAcknowledge(vgic, 0, 1).intid).toBe(3);
    expect(checkKvmRun(run)).toEqual([]);
  });

  it('a second kick before the IPI lands sends no second IPI; an IPI to a pCPU with no guest is absorbed', () => {
    const { vgic, run } = running(2);
    expect(only(kvmVcpuKick(run, vgic, 0, 1), 'vcpu.kick').action).toBe('ipi');
    expect(only(kvmVcpuKick(run, vgic, 0, 1), 'vcpu.kick').action).toBe('already-exiting');
    expect(run.vcpus[0]!.counters).toMatchObject({ kicks: 2, ipis: 1 });
    kvmVcpuExit(run, vgic, 0, { reason: 'mmio' }, phys); // it exited for another reason first
    expect(only(kvmIpiArrive(run, vgic, 0, phys), 'vcpu.ipi-absorbed').why).toMatch(/not in the guest/);
    expect(run.vcpus[0]!.counters.exits).toMatchObject({ irq: 0, mmio: 1 });
  });

  it('a kick from the vCPU’s own pCPU, or of a vCPU in host mode, sends no IPI', () => {
    const { vgic, run } = running(1);
    expect(only(kvmVcpuKick(run, vgic, 0, 0), 'vcpu.kick').action).toBe('same-cpu');
    kvmVcpuExit(run, vgic, 0, { reason: 'irq', source: 'host', intid: 40 }, phys);
    expect(run.vcpus[0]!.lastExit).toEqual({ reason: 'irq', source: 'host', intid: 40 });
    expect(only(kvmVcpuKick(run, vgic, 0), 'vcpu.kick').action).toBe('request');
    expect(run.vcpus[0]!.counters.ipis).toBe(0);
  });
});

describe('WFI', () => {
  it('with nothing pending blocks; a kick with nothing pending is spurious; a queued IRQ + kick wakes it', () => {
    const { vgic, run } = running(2);
    const wfi = kvmVcpuWfi(run, vgic, 0, phys);
    expect(kinds(wfi)).toEqual(['vcpu.exit', 'vcpu.wfi', 'vcpu.put']);
    expect(only(wfi, 'vcpu.wfi').pending).toBe(false);
    expect(only(wfi, 'vcpu.put').to).toBe('blocked');
    expect(run.vcpus[0]!).toMatchObject({ mode: 'blocked', pcpu: NO_PCPU, lastPcpu: 0 });
    expect(kvmPcpuLane(run, 0)).toEqual({ vcpu: NO_VCPU, mode: 'idle' });

    expect(only(kvmVcpuKick(run, vgic, 0, 1), 'vcpu.kick').action).toBe('spurious-wake');
    expect(run.vcpus[0]!.mode).toBe('blocked');

    configure(vgic, NO_VCPU, 40, { target: 0 });
    const inj = kvmVgicInjectIrq(vgic, NO_VCPU, 40, true);
    expect(inj.kick).toBe(0);
    expect(only(kvmVcpuKick(run, vgic, inj.kick, 1), 'vcpu.kick').action).toBe('wake');
    expect(run.vcpus[0]!.mode).toBe('runnable');
    // The scheduler puts it back where it ran; the entry flushes the SPI.
    const sched = kvmSchedule(run, rngSeed(1));
    expect(only(sched, 'vcpu.load')).toMatchObject({
      vcpu: 0,
      pcpu: 0,
      migrated: false,
      flushContext: false,
    });
    expect(only(kvmVcpuEnter(run, vgic, 0, phys), 'vcpu.entry').flush.loaded.map((l) => l.intid)).toEqual([
      40,
    ]);
    expect(run.vcpus[0]!.counters).toMatchObject({ blocks: 1, wakeups: 1, spuriousWakeups: 1, entries: 2 });
    expect(checkKvmRun(run)).toEqual([]);
  });

  it('with an IRQ already queued (its IPI not yet arrived) does not block', () => {
    const { vgic, run } = running(1, 2);
    configure(vgic, NO_VCPU, 41, { target: 0 });
    kvmVgicInjectIrq(vgic, NO_VCPU, 41, true);
    expect(only(kvmVcpuKick(run, vgic, 0, 1), 'vcpu.kick').action).toBe('ipi');
    const wfi = kvmVcpuWfi(run, vgic, 0, phys);
    expect(kinds(wfi)).toEqual(['vcpu.exit', 'vcpu.wfi']);
    expect(only(wfi, 'vcpu.wfi').pending).toBe(true);
    expect(run.vcpus[0]!).toMatchObject({ mode: 'host', pcpu: 0 });
    expect(run.vcpus[0]!.counters).toMatchObject({ blocks: 0, wfiNoBlock: 1 });
    expect(only(kvmIpiArrive(run, vgic, 0, phys), 'vcpu.ipi-absorbed').pcpu).toBe(0);
  });

  it('with an IRQ pending in an LR does not block: the fold latches it again', () => {
    const vgic = testVm(1);
    const run = createKvmRunState(1, 1);
    configure(vgic, NO_VCPU, 42, { target: 0 });
    kvmVgicInjectIrq(vgic, NO_VCPU, 42, true);
    kvmSchedule(run, rngSeed(3));
    kvmVcpuEnter(run, vgic, 0, phys);
    expect(lrIntids(vgic, 0)).toEqual([42]);
    // The guest has IRQs masked (PSTATE.I) and executes WFI without acknowledging.
    const wfi = kvmVcpuWfi(run, vgic, 0, phys);
    expect(only(wfi, 'vcpu.exit').sync.folded?.lrs.map((l) => l.intid)).toEqual([42]);
    expect(only(wfi, 'vcpu.wfi').pending).toBe(true);
    expect(run.vcpus[0]!.mode).toBe('host');
  });

  it('an interrupt below the guest’s priority mask does not keep it awake', () => {
    const { vgic, run } = running(1);
    configure(vgic, NO_VCPU, 43, { target: 0, prio: 0xf0 });
    const v3 = vgic.vcpus[0]!.v3;
    v3.vmcr = ((v3.vmcr & 0x00ffffff) | (0x80 << 24)) >>> 0; // ICV_PMR_EL1 = 0x80
    kvmVgicInjectIrq(vgic, NO_VCPU, 43, true);
    expect(only(kvmVcpuWfi(run, vgic, 0, phys), 'vcpu.wfi').pending).toBe(false);
    expect(run.vcpus[0]!.mode).toBe('blocked');
  });
});

describe('the maintenance interrupt', () => {
  it('fires when the guest’s EOIs underflow the LRs (UIE): exit IRQ(maintenance), re-entry refills', () => {
    const { vgic, run } = running(1);
    [0xa0, 0x20, 0x80, 0x60, 0x40, 0xc0].forEach((prio, i) => {
      configure(vgic, NO_VCPU, 40 + i, { prio, target: 0 });
      kvmVgicInjectIrq(vgic, NO_VCPU, 40 + i, true);
    });
    kvmVcpuKick(run, vgic, 0, 1);
    kvmIpiArrive(run, vgic, 0, phys);
    const entry = kvmVcpuEnter(run, vgic, 0, phys);
    expect(kinds(entry)).toEqual(['vcpu.entry']); // four valid LRs: no underflow yet
    expect(only(entry, 'vcpu.entry').flush.hcr & ICH_HCR_UIE).toBe(ICH_HCR_UIE);
    for (let i = 0; i < 2; i++) {
      const ack = icvAcknowledge(vgic, 0, 1);
      icvEndOfInterrupt(vgic, 0, 1, ack.intid);
      const check = kvmVcpuGuestCheck(run, vgic, 0, phys);
      expect(check.maintenance).toBe(false);
      expect(check.virq).toBe(true);
    }
    const ack = icvAcknowledge(vgic, 0, 1);
    icvEndOfInterrupt(vgic, 0, 1, ack.intid); // one valid LR left: U
    const check = kvmVcpuGuestCheck(run, vgic, 0, phys);
    expect(check.maintenance).toBe(true);
    const exit = only(check.result, 'vcpu.exit');
    expect(exit).toMatchObject({ reason: 'irq', source: 'maintenance', intid: KVM_MAINTENANCE_PPI });
    expect(exit.misr! & ICH_MISR_U).toBe(ICH_MISR_U);
    expect(run.vcpus[0]!.counters.irqExits).toEqual({ kick: 1, maintenance: 1, host: 0 });
    const again = only(kvmVcpuEnter(run, vgic, 0, phys), 'vcpu.entry');
    expect(again.flush.loaded.map((l) => l.intid).sort()).toEqual([40, 42, 45]); // 42 was left pending in its LR
  });

  it('fires at entry when the LR state already triggers it (one LR, more pending)', () => {
    const vgic = testVm(1, { nrLr: 1 });
    const run = createKvmRunState(1, 1);
    configure(vgic, NO_VCPU, 40, { target: 0 });
    configure(vgic, NO_VCPU, 41, { target: 0 });
    kvmVgicInjectIrq(vgic, NO_VCPU, 40, true);
    kvmVgicInjectIrq(vgic, NO_VCPU, 41, true);
    kvmSchedule(run, rngSeed(1));
    expect(kinds(kvmVcpuEnter(run, vgic, 0, phys, { checkMaintenance: false }))).toEqual(['vcpu.entry']);
    expect(kvmVcpuGuestCheck(run, vgic, 0, phys).maintenance).toBe(true);
    const entry = kvmVcpuEnter(run, vgic, 0, phys);
    expect(kinds(entry)).toEqual(['vcpu.entry', 'vcpu.exit']);
    expect(run.vcpus[0]!.mode).toBe('host');
  });
});

describe('placement', () => {
  it('moving a running vCPU exits it (preempt), puts it and loads it on the new pCPU', () => {
    const { vgic, run } = running(2, 3);
    const move = kvmVcpuPlace(run, vgic, 0, 2, phys);
    expect(kinds(move)).toEqual(['vcpu.pin', 'vcpu.exit', 'vcpu.put', 'vcpu.load']);
    expect(only(move, 'vcpu.exit').reason).toBe('preempt');
    expect(only(move, 'vcpu.load')).toMatchObject({
      vcpu: 0,
      pcpu: 2,
      lastPcpu: 0,
      migrated: true,
      flushContext: true,
    });
    expect(run.vcpus[0]!).toMatchObject({ mode: 'host', pcpu: 2, pinned: 2 });
    expect(run.pcpus).toEqual([NO_VCPU, 1, 0]);
    expect(run.vcpus[0]!.counters).toMatchObject({ migrations: 1, loads: 2 });
    expect(run.vcpus[0]!.counters.exits.preempt).toBe(1);
    expect(checkKvmRun(run)).toEqual([]);
  });

  it('placing on an occupied pCPU preempts the occupant, which the scheduler then places elsewhere', () => {
    const { vgic, run } = running(2, 3);
    const move = kvmVcpuPlace(run, vgic, 1, 0, phys);
    expect(kinds(move)).toEqual(['vcpu.pin', 'vcpu.exit', 'vcpu.put', 'vcpu.exit', 'vcpu.put', 'vcpu.load']);
    expect(run.pcpus).toEqual([1, NO_VCPU, NO_VCPU]);
    expect(run.vcpus[0]!.mode).toBe('runnable');
    // vCPU 0 is pinned to pCPU 0, now taken: it waits there rather than run elsewhere.
    expect(kvmSchedule(run, rngSeed(1)).events).toEqual([]);
    kvmVcpuPlace(run, vgic, 0, NO_PCPU, phys);
    expect(only(kvmSchedule(run, rngSeed(1)), 'vcpu.load')).toMatchObject({ vcpu: 0, pcpu: 1 });
    expect(checkKvmRun(run)).toEqual([]);
  });

  it('pinning a blocked vCPU takes effect when it next runs', () => {
    const { vgic, run } = running(1, 2);
    kvmVcpuWfi(run, vgic, 0, phys);
    expect(kinds(kvmVcpuPlace(run, vgic, 0, 1, phys))).toEqual(['vcpu.pin']);
    configure(vgic, 0, 27, { level: true });
    kvmVgicInjectIrq(vgic, 0, 27, true, null);
    kvmVcpuKick(run, vgic, 0);
    expect(only(kvmSchedule(run, rngSeed(1)), 'vcpu.load')).toMatchObject({ pcpu: 1, migrated: true });
  });
});

describe('the scheduler', () => {
  const placement = (seed: number, nrVcpus = 4, nrPcpus = 4): number[] => {
    const run = createKvmRunState(nrVcpus, nrPcpus);
    kvmSchedule(run, rngSeed(seed));
    return run.pcpus;
  };

  it('is deterministic for a seed and breaks ties differently for another seed', () => {
    expect(placement(7)).toEqual(placement(7));
    const seen = new Set<string>();
    for (let seed = 1; seed <= 16; seed++) seen.add(placement(seed).join(','));
    expect(seen.size).toBeGreaterThan(1);
    // Every placement is a permutation: each vCPU on one pCPU.
    for (const p of seen) expect(p.split(',').sort()).toEqual(['0', '1', '2', '3']);
  });

  it('has no tie, and draws nothing, when vCPUs became runnable at different times', () => {
    const { vgic, run } = running(2, 2);
    kvmVcpuExit(run, vgic, 1, { reason: 'preempt' }, phys);
    kvmVcpuExit(run, vgic, 0, { reason: 'preempt' }, phys);
    kvmVcpuPlace(run, vgic, 0, NO_PCPU, phys);
    kvmVcpuPlace(run, vgic, 1, NO_PCPU, phys);
    const rng = rngSeed(5);
    const before = [...rng];
    kvmSchedule(run, rng);
    expect(rng).toEqual(before);
    expect(run.pcpus).toEqual([0, 1]); // each back on its last pCPU
  });

  it('prefers the last pCPU, then the lowest free one', () => {
    const run = createKvmRunState(3, 3);
    const vgic = testVm(3);
    kvmVcpuPlace(run, vgic, 2, 0, phys); // vCPU 2 last ran on pCPU 0
    kvmVcpuPlace(run, vgic, 2, NO_PCPU, phys);
    kvmVcpuExit(run, vgic, 2, { reason: 'preempt' }, phys); // refused: it is in host mode
    kvmVcpuEnter(run, vgic, 2, phys);
    kvmVcpuExit(run, vgic, 2, { reason: 'preempt' }, phys);
    expect(run.vcpus[2]!).toMatchObject({ mode: 'runnable', lastPcpu: 0 });
    kvmSchedule(run, rngSeed(9));
    expect(run.pcpus[0]).toBe(2);
    expect(new Set(run.pcpus)).toEqual(new Set([0, 1, 2]));
  });

  it('a tick preempts the longest-loaded vCPU for a waiting one (round robin) when pCPUs are short', () => {
    const vgic = testVm(3);
    const run = createKvmRunState(3, 2);
    const rng = rngSeed(11);
    kvmSchedule(run, rng);
    const waiting = run.vcpus.findIndex((r) => r.mode === 'runnable');
    for (let v = 0; v < 3; v++) if (run.vcpus[v]!.mode === 'host') kvmVcpuEnter(run, vgic, v, phys);
    const oldest = run.pcpus.reduce((a, b) => (run.vcpus[a]!.loadedAt < run.vcpus[b]!.loadedAt ? a : b));
    const tick = kvmSchedTick(run, vgic, rng, phys);
    expect(kinds(tick)).toEqual(['vcpu.exit', 'vcpu.put', 'vcpu.load']);
    expect(only(tick, 'vcpu.exit')).toMatchObject({ vcpu: oldest, reason: 'preempt' });
    expect(only(tick, 'vcpu.load').vcpu).toBe(waiting);
    expect(run.vcpus[oldest]!.mode).toBe('runnable');
    expect(checkKvmRun(run)).toEqual([]);
    // Three ticks later every vCPU has been preempted once and entered at least twice.
    for (let t = 0; t < 3; t++) {
      for (let v = 0; v < 3; v++) if (run.vcpus[v]!.mode === 'host') kvmVcpuEnter(run, vgic, v, phys);
      kvmSchedTick(run, vgic, rng, phys);
    }
    for (let v = 0; v < 3; v++) if (run.vcpus[v]!.mode === 'host') kvmVcpuEnter(run, vgic, v, phys);
    for (const r of run.vcpus) expect(r.counters.entries).toBeGreaterThanOrEqual(2);
    for (const r of run.vcpus) expect(r.counters.exits.preempt).toBeGreaterThanOrEqual(1);
  });
});

describe('power, refusals, snapshots', () => {
  it('power off exits and puts; a stopped vCPU is not kicked or scheduled; power on makes it runnable', () => {
    const { vgic, run } = running(1);
    expect(kinds(kvmVcpuPowerOff(run, vgic, 0, phys))).toEqual(['vcpu.power', 'vcpu.exit', 'vcpu.put']);
    expect(run.vcpus[0]!.mode).toBe('stopped');
    expect(only(kvmVcpuKick(run, vgic, 0), 'vcpu.kick').action).toBe('none');
    expect(kvmSchedule(run, rngSeed(1)).events).toEqual([]);
    expect(kvmVcpuPowerOn(run, vgic, 0).ok).toBe(true);
    expect(only(kvmSchedule(run, rngSeed(1)), 'vcpu.load').pcpu).toBe(0);
  });

  it('refuses what does not fit the state, changing nothing', () => {
    const vgic = testVm(2);
    const run = createKvmRunState(2, 1);
    const before = clonePlain(run);
    const enter = kvmVcpuEnter(run, vgic, 0, phys);
    expect(enter.ok).toBe(false);
    expect(enter.error).toMatch(/runnable/);
    expect(kvmVcpuExit(run, vgic, 0, { reason: 'irq' }, phys).ok).toBe(false);
    expect(kvmVcpuExit(run, vgic, 0, { reason: 'bogus' as 'irq' }, phys).ok).toBe(false);
    expect(kvmVcpuKick(run, vgic, 5).ok).toBe(false);
    expect(kvmVcpuPlace(run, vgic, 0, 3, phys).ok).toBe(false);
    expect(kvmIpiArrive(run, vgic, -2, phys).ok).toBe(false);
    expect(kvmVcpuPowerOn(run, vgic, 1).ok).toBe(false);
    expect(kvmVcpuGuestCheck(run, vgic, 1, phys).result.ok).toBe(false);
    expect(run).toEqual(before);
  });

  it('the run state is plain data: deep copies and the JSON codec round-trip it', () => {
    const { vgic, run } = running(2, 3);
    kvmVcpuKick(run, vgic, 0, 1);
    kvmVcpuWfi(run, vgic, 1, phys);
    expect(clonePlain(run)).toEqual(run);
    expect(decodePlain(JSON.parse(JSON.stringify(encodePlain(run))))).toEqual(run);
  });

  it('counts entries and exits by reason', () => {
    const { vgic, run } = running(1, 2);
    kvmVcpuExit(run, vgic, 0, { reason: 'mmio' }, phys);
    kvmVcpuEnter(run, vgic, 0, phys);
    kvmVcpuExit(run, vgic, 0, { reason: 'sysreg' }, phys);
    kvmVcpuEnter(run, vgic, 0, phys);
    kvmVcpuKick(run, vgic, 0, 1);
    kvmIpiArrive(run, vgic, 0, phys);
    kvmVcpuEnter(run, vgic, 0, phys);
    kvmVcpuWfi(run, vgic, 0, phys);
    expect(run.vcpus[0]!.counters).toEqual({
      entries: 4,
      exits: { irq: 1, wfi: 1, mmio: 1, sysreg: 1, preempt: 0 },
      irqExits: { kick: 1, maintenance: 0, host: 0 },
      loads: 1,
      migrations: 0,
      kicks: 1,
      ipis: 1,
      blocks: 1,
      wfiNoBlock: 0,
      wakeups: 0,
      spuriousWakeups: 0,
    });
  });
});

describe('any sequence of operations (property)', () => {
  type Op =
    | { k: 'enter' | 'wfi' | 'check' | 'off' | 'on'; v: number }
    | { k: 'exit'; v: number; reason: 'irq' | 'mmio' | 'sysreg' | 'preempt' }
    | { k: 'kick'; v: number; from: number }
    | { k: 'ipi'; p: number }
    | { k: 'place'; v: number; p: number }
    | { k: 'sched' | 'tick' }
    | { k: 'inject'; intid: number; target: number }
    | { k: 'ack'; v: number };
  const v = fc.integer({ min: -1, max: 3 });
  const p = fc.integer({ min: -1, max: 2 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      k: fc.constantFrom('enter' as const, 'wfi' as const, 'check' as const, 'off' as const, 'on' as const),
      v,
    }),
    fc.record({
      k: fc.constant('exit' as const),
      v,
      reason: fc.constantFrom('irq' as const, 'mmio' as const, 'sysreg' as const, 'preempt' as const),
    }),
    fc.record({ k: fc.constant('kick' as const), v, from: p }),
    fc.record({ k: fc.constant('ipi' as const), p }),
    fc.record({ k: fc.constant('place' as const), v, p }),
    fc.record({ k: fc.constantFrom('sched' as const, 'tick' as const) }),
    fc.record({
      k: fc.constant('inject' as const),
      intid: fc.integer({ min: 40, max: 47 }),
      target: fc.integer({ min: 0, max: 2 }),
    }),
    fc.record({ k: fc.constant('ack' as const), v }),
  );

  it('keeps each pCPU running at most one vCPU and each vCPU on at most one pCPU, and never throws', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 60 }),
        fc.integer(),
        fc.integer({ min: 1, max: 4 }),
        (ops, seed, nrLr) => {
          const vgic = testVm(3, { nrLr });
          for (let i = 40; i < 48; i++) configure(vgic, NO_VCPU, i, { prio: (i & 7) << 4 });
          const run = createKvmRunState(3, 2);
          const rng = rngSeed(seed);
          for (const o of ops) {
            let r: VcpuRunResult | undefined;
            switch (o.k) {
              case 'enter':
                r = kvmVcpuEnter(run, vgic, o.v, phys);
                break;
              case 'wfi':
                r = kvmVcpuWfi(run, vgic, o.v, phys);
                break;
              case 'check':
                r = kvmVcpuGuestCheck(run, vgic, o.v, phys).result;
                break;
              case 'off':
                r = kvmVcpuPowerOff(run, vgic, o.v, phys);
                break;
              case 'on':
                r = kvmVcpuPowerOn(run, vgic, o.v);
                break;
              case 'exit':
                r = kvmVcpuExit(run, vgic, o.v, { reason: o.reason }, phys);
                break;
              case 'kick':
                r = kvmVcpuKick(run, vgic, o.v, o.from);
                break;
              case 'ipi':
                r = kvmIpiArrive(run, vgic, o.p, phys);
                break;
              case 'place':
                r = kvmVcpuPlace(run, vgic, o.v, o.p, phys);
                break;
              case 'sched':
                r = kvmSchedule(run, rng);
                break;
              case 'tick':
                r = kvmSchedTick(run, vgic, rng, phys);
                break;
              case 'inject': {
                vgic.dist.spis[o.intid - 32]!.targetVcpu = o.target;
                const inj = kvmVgicInjectIrq(vgic, NO_VCPU, o.intid, true);
                if (inj.kick !== NO_VCPU) r = kvmVcpuKick(run, vgic, inj.kick);
                break;
              }
              case 'ack':
                if (run.vcpus[o.v]?.mode === 'guest') {
                  const a = icvAcknowledge(vgic, o.v, 1);
                  if (a.lr >= 0) icvEndOfInterrupt(vgic, o.v, 1, a.intid);
                }
                break;
            }
            if (r && !r.ok) expect(r.events.map((e) => e.kind)).toEqual(['vcpu.refused']);
            expect(checkKvmRun(run)).toEqual([]);
            const onPcpu = run.pcpus.filter((x) => x !== NO_VCPU);
            expect(new Set(onPcpu).size).toBe(onPcpu.length);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
