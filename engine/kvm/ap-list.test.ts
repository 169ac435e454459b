import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkApLists,
  kvmVgicInjectIrq,
  kvmVgicVcpuPendingIrq,
  vgicFlushPendingLpis,
  vgicIrqCmp,
  vgicKickVcpus,
  vgicPruneApList,
  vgicQueueIrq,
  vgicSortApList,
  vgicTargetOracle,
  vgicV3DispatchSgi,
} from './ap-list';
import { ICH_VMCR_VENG1, ICH_VMCR_VPMR_SHIFT, ichVmcrSanitize } from './ich-registers';
import { configure, testVm } from './vgic-fixture';
import { NO_VCPU, type VgicIrq } from './vgic-irq';
import {
  vgicAddLpi,
  vgicGetIrq,
  vgicPutIrq,
  vgicSetSpiAffinity,
  type VgicLrPolicy,
  type VgicState,
} from './vgic-state';

const spi = (vgic: VgicState, intid: number): VgicIrq => vgicGetIrq(vgic, NO_VCPU, intid)!;

describe('the target oracle (§6.3)', () => {
  it('sends an enabled pending SPI to its routed vCPU, and nowhere while the distributor is off', () => {
    const vgic = testVm(4);
    const irq = configure(vgic, NO_VCPU, 40, { target: 2 });
    expect(vgicTargetOracle(vgic, irq)).toBe(NO_VCPU); // not pending
    irq.pendingLatch = true;
    expect(vgicTargetOracle(vgic, irq)).toBe(2);
    vgic.dist.enabled = false;
    expect(vgicTargetOracle(vgic, irq)).toBe(NO_VCPU);
    vgic.dist.enabled = true;
    irq.enabled = false;
    expect(vgicTargetOracle(vgic, irq)).toBe(NO_VCPU);
  });

  it('keeps an active SPI where it is even when it is rerouted, and sends an unqueued one to its target', () => {
    const vgic = testVm(4);
    const irq = configure(vgic, NO_VCPU, 40, { target: 1 });
    irq.pendingLatch = true;
    vgicQueueIrq(vgic, irq);
    irq.active = true;
    irq.pendingLatch = false;
    vgicSetSpiAffinity(vgic, irq, vgic.vcpus[2]!.mpidr);
    expect(irq.targetVcpu).toBe(2);
    expect(vgicTargetOracle(vgic, irq)).toBe(1);
    irq.vcpu = NO_VCPU;
    expect(vgicTargetOracle(vgic, irq)).toBe(2);
    vgic.dist.enabled = false; // active interrupts ignore the distributor enable
    expect(vgicTargetOracle(vgic, irq)).toBe(2);
  });

  it('sends an LPI to its collection target, nowhere when the collection is unmapped', () => {
    const vgic = testVm(4);
    const lpi = vgicAddLpi(vgic, 8300, NO_VCPU)!;
    lpi.enabled = true;
    lpi.pendingLatch = true;
    expect(vgicTargetOracle(vgic, lpi)).toBe(NO_VCPU);
    lpi.targetVcpu = 3;
    expect(vgicTargetOracle(vgic, lpi)).toBe(3);
  });

  it('sends a private interrupt only to its own vCPU', () => {
    const vgic = testVm(3);
    const ppi = configure(vgic, 1, 27, { level: true });
    ppi.lineLevel = true;
    expect(vgicTargetOracle(vgic, ppi)).toBe(1);
    const sgi = vgic.vcpus[2]!.privateIrqs[3]!;
    sgi.pendingLatch = true;
    expect(vgicTargetOracle(vgic, sgi)).toBe(2);
  });
});

/** Builds an ap_list on vCPU 0 from SPIs in the given order, bypassing the queue's rules. */
function craftList(
  vgic: VgicState,
  entries: {
    intid: number;
    prio: number;
    active?: boolean;
    pending?: boolean;
    enabled?: boolean;
    hw?: boolean;
    group?: 0 | 1;
  }[],
): void {
  for (const e of entries) {
    const irq = configure(vgic, NO_VCPU, e.intid, { prio: e.prio, target: 0, enabled: e.enabled ?? true });
    irq.active = e.active ?? false;
    irq.pendingLatch = e.pending ?? false;
    irq.hw = e.hw ?? false;
    if (e.group !== undefined) irq.group = e.group;
    irq.vcpu = 0;
    vgic.vcpus[0]!.apList.push(e.intid);
  }
}

describe('sorting the ap_list, classic rule (§6.4)', () => {
  it('puts active IRQs first in list order, then pending ones by priority, ties in list order, the rest last', () => {
    const vgic = testVm(1);
    craftList(vgic, [
      { intid: 40, prio: 0x80, pending: true }, // A
      { intid: 41, prio: 0x10 }, // X: neither pending nor active
      { intid: 42, prio: 0xf0, active: true }, // B: active, low priority
      { intid: 43, prio: 0x40, pending: true }, // C
      { intid: 44, prio: 0x10, active: true, pending: true }, // D: active+pending, high priority
      { intid: 45, prio: 0x80, pending: true }, // E: same priority as A, queued after it
      { intid: 46, prio: 0x00, pending: true, enabled: false }, // F: pending but disabled
    ]);
    vgicSortApList(vgic, 0);
    // Actives are not ordered by priority between themselves (B before D), the non-pending
    // entries compare equal and keep their order (X before F).
    expect(vgic.vcpus[0]!.apList).toEqual([42, 44, 43, 40, 45, 41, 46]);
  });

  it('sorts an active IRQ ahead of a pending one of far higher priority', () => {
    const vgic = testVm(1);
    craftList(vgic, [
      { intid: 40, prio: 0x00, pending: true },
      { intid: 41, prio: 0xf8, active: true },
    ]);
    vgicSortApList(vgic, 0);
    expect(vgic.vcpus[0]!.apList).toEqual([41, 40]);
  });

  it('is a stable sort by its comparator, whatever the list (property)', () => {
    const entry = fc.record({
      prio: fc.integer({ min: 0, max: 31 }).map((p) => p << 3),
      active: fc.boolean(),
      pending: fc.boolean(),
      enabled: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 24 }),
        fc.constantFrom<VgicLrPolicy>('classic', 'v6.19'),
        (list, policy) => {
          const vgic = testVm(1, { lrPolicy: policy });
          craftList(
            vgic,
            list.map((e, i) => ({ intid: 32 + i, ...e })),
          );
          const before = [...vgic.vcpus[0]!.apList];
          vgicSortApList(vgic, 0);
          const after = vgic.vcpus[0]!.apList;
          expect([...after].sort((a, b) => a - b)).toEqual(before);
          for (let i = 1; i < after.length; i++) {
            const c = vgicIrqCmp(vgic, 0, spi(vgic, after[i - 1]!), spi(vgic, after[i]!));
            expect(c).toBeLessThanOrEqual(0);
            // Equal elements keep their original relative order.
            if (c === 0) expect(before.indexOf(after[i - 1]!)).toBeLessThan(before.indexOf(after[i]!));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('sorting the ap_list, v6.19 rule', () => {
  it('puts pending IRQs before active ones, undeliverable and group-disabled ones last, HW first on ties', () => {
    const vgic = testVm(2, { lrPolicy: 'v6.19' });
    craftList(vgic, [
      { intid: 40, prio: 0x10, active: true }, // active: after the pending ones
      { intid: 41, prio: 0xa0, pending: true },
      { intid: 42, prio: 0x80, pending: true, group: 0 }, // Group 0 is disabled in the VMCR
      { intid: 43, prio: 0xa0, pending: true, hw: true }, // same priority as 41, HW first
      { intid: 44, prio: 0x00, pending: true }, // routed to vCPU 1: undeliverable here
      { intid: 45, prio: 0x20, active: true, pending: true }, // pending+active sorts with active
    ]);
    spi(vgic, 44).targetVcpu = 1;
    vgicSortApList(vgic, 0);
    expect(vgic.vcpus[0]!.apList).toEqual([43, 41, 40, 45, 42, 44]);
  });
});

describe('queueing (vgic_queue_irq_unlock)', () => {
  it('appends to the tail of the target list, kicks it, and only once', () => {
    const vgic = testVm(2);
    const a = configure(vgic, NO_VCPU, 40, { target: 1, prio: 0x20 });
    const b = configure(vgic, NO_VCPU, 41, { target: 1, prio: 0x10 });
    b.pendingLatch = true;
    expect(vgicQueueIrq(vgic, b)).toEqual({ queued: true, kick: 1 });
    a.pendingLatch = true;
    expect(vgicQueueIrq(vgic, a)).toEqual({ queued: true, kick: 1 });
    expect(vgic.vcpus[1]!.apList).toEqual([41, 40]); // not sorted: the tail, in arrival order
    expect(a.vcpu).toBe(1);
    // Re-triggered while queued: not queued again, but the vCPU is still kicked.
    expect(vgicQueueIrq(vgic, a)).toEqual({ queued: false, kick: 1 });
    expect(vgic.vcpus[1]!.apList).toEqual([41, 40]);
  });

  it('queues nothing and kicks no one for an IRQ the oracle sends nowhere', () => {
    const vgic = testVm(2);
    const irq = configure(vgic, NO_VCPU, 40, { enabled: false });
    irq.pendingLatch = true;
    expect(vgicQueueIrq(vgic, irq)).toEqual({ queued: false, kick: NO_VCPU });
    expect(vgic.vcpus[0]!.apList).toEqual([]);
  });

  it('takes a reference on a queued LPI', () => {
    const vgic = testVm(1);
    const lpi = vgicAddLpi(vgic, 8192, 0)!;
    lpi.enabled = true;
    lpi.pendingLatch = true;
    vgicQueueIrq(vgic, lpi);
    expect(lpi.refcount).toBe(2);
  });
});

describe('kvm_vgic_inject_irq (§6.5)', () => {
  it('raises a level line once, ignores the same level again, and lowering it does not dequeue', () => {
    const vgic = testVm(2);
    const irq = configure(vgic, NO_VCPU, 40, { level: true, target: 1 });
    expect(kvmVgicInjectIrq(vgic, NO_VCPU, 40, true)).toEqual({ ret: 0, acted: true, queued: true, kick: 1 });
    expect(kvmVgicInjectIrq(vgic, NO_VCPU, 40, true)).toMatchObject({ ret: 0, acted: false });
    expect(kvmVgicInjectIrq(vgic, NO_VCPU, 40, false)).toMatchObject({ acted: true, queued: false });
    expect(irq.lineLevel).toBe(false);
    expect(vgic.vcpus[1]!.apList).toEqual([40]);
  });

  it('latches an edge on each rising edge', () => {
    const vgic = testVm(1);
    const irq = configure(vgic, NO_VCPU, 40);
    expect(kvmVgicInjectIrq(vgic, NO_VCPU, 40, false).acted).toBe(false);
    expect(kvmVgicInjectIrq(vgic, NO_VCPU, 40, true).queued).toBe(true);
    expect(irq.pendingLatch).toBe(true);
  });

  it('returns KVM errors: no vCPU for a private INTID, an INTID the VM lacks, an uninitialised GICv3', () => {
    const vgic = testVm(1, { nrSpis: 32 });
    expect(kvmVgicInjectIrq(vgic, NO_VCPU, 27, true)).toMatchObject({ ret: -22, error: 'EINVAL' });
    expect(kvmVgicInjectIrq(vgic, 5, 27, true)).toMatchObject({ ret: -22, error: 'EINVAL' });
    expect(kvmVgicInjectIrq(vgic, NO_VCPU, 64, true)).toMatchObject({ ret: -22, error: 'EINVAL' });
    expect(kvmVgicInjectIrq(vgic, NO_VCPU, 1020, true)).toMatchObject({ ret: -22 });
    vgic.dist.initialized = false;
    expect(kvmVgicInjectIrq(vgic, NO_VCPU, 40, true)).toMatchObject({ ret: -16, error: 'EBUSY' });
    const v2 = testVm(1, { model: 2 });
    v2.dist.initialized = false;
    configure(v2, NO_VCPU, 40);
    expect(kvmVgicInjectIrq(v2, NO_VCPU, 40, true)).toMatchObject({ ret: 0, queued: true });
    expect(v2.dist.initialized).toBe(true);
  });

  it('refuses a userspace injection into a line a device owns, without error', () => {
    const vgic = testVm(1);
    const timer = configure(vgic, 0, 27, { level: true });
    timer.owner = 'arch-timer';
    expect(kvmVgicInjectIrq(vgic, 0, 27, true)).toMatchObject({ ret: 0, acted: false });
    expect(kvmVgicInjectIrq(vgic, 0, 27, true, 'arch-timer')).toMatchObject({ ret: 0, queued: true });
  });
});

describe('pruning (vgic_prune_ap_list, §6.8)', () => {
  it('drops what goes nowhere, keeps what stays, moves what goes elsewhere to the tail and kicks there', () => {
    const vgic = testVm(3);
    const dropped = configure(vgic, NO_VCPU, 40, { level: true, target: 0 });
    const kept = configure(vgic, NO_VCPU, 41, { target: 0 });
    const moved = configure(vgic, NO_VCPU, 42, { target: 0 });
    const activeStays = configure(vgic, NO_VCPU, 43, { target: 0 });
    const other = configure(vgic, NO_VCPU, 44, { target: 2 });
    expect([dropped, kept, moved, activeStays, other].map((i) => i.config)).toEqual([1, 0, 0, 0, 0]);
    for (const intid of [40, 41, 42, 43, 44]) kvmVgicInjectIrq(vgic, NO_VCPU, intid, true);
    expect(vgic.vcpus[0]!.apList).toEqual([40, 41, 42, 43]);
    kvmVgicInjectIrq(vgic, NO_VCPU, 40, false); // the line dropped
    vgicSetSpiAffinity(vgic, moved, vgic.vcpus[2]!.mpidr);
    activeStays.active = true;
    activeStays.pendingLatch = false;
    vgicSetSpiAffinity(vgic, activeStays, vgic.vcpus[1]!.mpidr);
    const r = vgicPruneApList(vgic, 0);
    expect(r.removed).toEqual([40]);
    expect(r.migrated).toEqual([{ intid: 42, to: 2 }]);
    expect(r.kicks).toEqual([2]);
    expect(vgic.vcpus[0]!.apList).toEqual([41, 43]);
    expect(vgic.vcpus[2]!.apList).toEqual([44, 42]);
    expect(dropped.vcpu).toBe(NO_VCPU);
    expect(moved.vcpu).toBe(2);
    expect(checkApLists(vgic)).toEqual([]);
  });

  it('frees an LPI whose ITE went away when the list drops the last reference', () => {
    const vgic = testVm(1);
    const lpi = vgicAddLpi(vgic, 8192, 0)!;
    lpi.enabled = true;
    lpi.pendingLatch = true;
    vgicQueueIrq(vgic, lpi);
    vgicPutIrq(vgic, lpi); // DISCARD: the ITE's reference; pending state is kept
    expect(vgic.dist.lpis.has(8192)).toBe(true);
    lpi.pendingLatch = false; // say the guest took it
    expect(vgicPruneApList(vgic, 0)).toMatchObject({ removed: [8192], freed: [8192] });
    expect(vgic.dist.lpis.has(8192)).toBe(false);
  });

  it('vgic_flush_pending_lpis removes the LPIs and keeps their latches', () => {
    const vgic = testVm(1);
    const lpi = vgicAddLpi(vgic, 8192, 0)!;
    lpi.enabled = true;
    lpi.pendingLatch = true;
    vgicQueueIrq(vgic, lpi);
    kvmVgicInjectIrq(vgic, NO_VCPU, 40, true);
    configure(vgic, NO_VCPU, 40);
    kvmVgicInjectIrq(vgic, NO_VCPU, 40, true);
    expect(vgicFlushPendingLpis(vgic, 0)).toEqual([8192]);
    expect(vgic.vcpus[0]!.apList).toEqual([40]);
    expect(lpi.pendingLatch).toBe(true);
    expect(lpi.refcount).toBe(1);
  });
});

describe('pending checks and kicks (§6.10)', () => {
  it('wakes a vCPU only for an enabled, pending, inactive IRQ above its priority mask', () => {
    const vgic = testVm(2);
    const irq = configure(vgic, NO_VCPU, 40, { prio: 0xa0, target: 1 });
    kvmVgicInjectIrq(vgic, NO_VCPU, 40, true);
    expect(kvmVgicVcpuPendingIrq(vgic, 1)).toBe(true);
    const v3 = vgic.vcpus[1]!.v3;
    v3.vmcr = ichVmcrSanitize(ICH_VMCR_VENG1 | (0xa0 << ICH_VMCR_VPMR_SHIFT), 5);
    expect(kvmVgicVcpuPendingIrq(vgic, 1)).toBe(false); // priority 0xa0 is not below PMR 0xa0
    v3.vmcr = ichVmcrSanitize(ICH_VMCR_VENG1 | (0xa8 << ICH_VMCR_VPMR_SHIFT), 5);
    expect(kvmVgicVcpuPendingIrq(vgic, 1)).toBe(true);
    irq.active = true;
    expect(kvmVgicVcpuPendingIrq(vgic, 1)).toBe(false);
    irq.active = false;
    vgic.dist.enabled = false;
    expect(kvmVgicVcpuPendingIrq(vgic, 1)).toBe(false);
    vgic.dist.enabled = true;
    expect(vgicKickVcpus(vgic)).toEqual([1]);
  });
});

describe('guest SGIs (vgic_v3_dispatch_sgi, §6.11)', () => {
  const sgi1r = (intid: number, list: number, aff1 = 0, irm = false): bigint =>
    BigInt(list) | (BigInt(aff1) << 16n) | (BigInt(intid) << 24n) | (irm ? 1n << 40n : 0n);

  it('targets the vCPUs of the TargetList, by affinity', () => {
    const vgic = testVm(20);
    const r = vgicV3DispatchSgi(vgic, 0, sgi1r(5, 0b1010), true);
    expect(r).toMatchObject({ intid: 5, targets: [1, 3], accepted: [true, true], kicks: [1, 3] });
    expect(vgic.vcpus[3]!.privateIrqs[5]!.pendingLatch).toBe(true);
    expect(vgic.vcpus[3]!.apList).toEqual([5]);
    // Aff1 = 1 reaches vCPUs 16..19; Aff0 bits with no vCPU are skipped.
    expect(vgicV3DispatchSgi(vgic, 0, sgi1r(2, 0b100010, 1), true).targets).toEqual([17]);
  });

  it('broadcasts to every vCPU but the sender with IRM', () => {
    const vgic = testVm(4);
    expect(vgicV3DispatchSgi(vgic, 2, sgi1r(1, 0, 0, true), true).targets).toEqual([0, 1, 3]);
  });

  it('applies the group rule: SGI0R cannot raise a Group 1 SGI, SGI1R can raise either', () => {
    const vgic = testVm(2);
    expect(vgicV3DispatchSgi(vgic, 0, sgi1r(7, 0b10), false).accepted).toEqual([false]);
    expect(vgic.vcpus[1]!.privateIrqs[7]!.pendingLatch).toBe(false);
    vgic.vcpus[1]!.privateIrqs[7]!.group = 0;
    expect(vgicV3DispatchSgi(vgic, 0, sgi1r(7, 0b10), false).accepted).toEqual([true]);
    vgic.vcpus[1]!.privateIrqs[8]!.group = 0;
    expect(vgicV3DispatchSgi(vgic, 0, sgi1r(8, 0b10), true).accepted).toEqual([true]);
  });
});

describe('ap_list invariants under random operations (property)', () => {
  type Op =
    | { k: 'inject'; intid: number; level: boolean }
    | { k: 'route'; intid: number; to: number }
    | { k: 'enable'; intid: number; on: boolean }
    | { k: 'activate'; intid: number; on: boolean }
    | { k: 'prune'; vcpu: number }
    | { k: 'sort'; vcpu: number }
    | { k: 'dist'; on: boolean }
    | { k: 'sgi'; from: number; intid: number; list: number };
  const intid = fc.integer({ min: 32, max: 39 });
  const vcpu = fc.integer({ min: 0, max: 2 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ k: fc.constant('inject' as const), intid, level: fc.boolean() }),
    fc.record({ k: fc.constant('route' as const), intid, to: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ k: fc.constant('enable' as const), intid, on: fc.boolean() }),
    fc.record({ k: fc.constant('activate' as const), intid, on: fc.boolean() }),
    fc.record({ k: fc.constant('prune' as const), vcpu }),
    fc.record({ k: fc.constant('sort' as const), vcpu }),
    fc.record({ k: fc.constant('dist' as const), on: fc.boolean() }),
    fc.record({
      k: fc.constant('sgi' as const),
      from: vcpu,
      intid: fc.integer({ min: 0, max: 15 }),
      list: fc.integer({ min: 0, max: 15 }),
    }),
  );

  it('every queued IRQ is on exactly the list its vcpu names, whatever happens', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const vgic = testVm(3);
        for (let i = 32; i < 40; i++)
          configure(vgic, NO_VCPU, i, { level: i % 2 === 0, prio: (i * 24) & 0xf8 });
        for (const o of ops) {
          switch (o.k) {
            case 'inject':
              kvmVgicInjectIrq(vgic, NO_VCPU, o.intid, o.level);
              break;
            case 'route':
              // vCPU 3 does not exist: the IRQ becomes unroutable.
              vgicSetSpiAffinity(vgic, spi(vgic, o.intid), o.to < 3 ? vgic.vcpus[o.to]!.mpidr : 0xff);
              vgicQueueIrq(vgic, spi(vgic, o.intid));
              break;
            case 'enable':
              spi(vgic, o.intid).enabled = o.on;
              vgicQueueIrq(vgic, spi(vgic, o.intid));
              break;
            case 'activate': {
              const irq = spi(vgic, o.intid);
              // Only an IRQ a vCPU has (it is queued there) can be acknowledged.
              if (o.on && irq.vcpu !== NO_VCPU) irq.active = true;
              if (!o.on) irq.active = false;
              break;
            }
            case 'prune':
              vgicPruneApList(vgic, o.vcpu);
              break;
            case 'sort':
              vgicSortApList(vgic, o.vcpu);
              break;
            case 'dist':
              vgic.dist.enabled = o.on;
              break;
            case 'sgi':
              vgicV3DispatchSgi(vgic, o.from, BigInt(o.list) | (BigInt(o.intid) << 24n), true);
              break;
          }
          expect(checkApLists(vgic)).toEqual([]);
        }
        // After a prune of every list, every listed IRQ is one its oracle sends there.
        for (let v = 0; v < 3; v++) vgicPruneApList(vgic, v);
        for (let v = 0; v < 3; v++) {
          for (const id of vgic.vcpus[v]!.apList)
            expect(vgicTargetOracle(vgic, vgicGetIrq(vgic, v, id)!)).toBe(v);
        }
      }),
      { numRuns: 300 },
    );
  });
});
