import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clonePlain, decodePlain, encodePlain } from '../sim/plain-codec';
import {
  createKvmIrqRouting,
  irqchipRouteEntry,
  kvmSetGsiRouting,
  kvmVgicSetupDefaultIrqRouting,
  msiRouteEntry,
  type KvmIrqContext,
} from './gsi-routing';
import {
  createKvmIrqfdState,
  eventfdClose,
  eventfdCreate,
  eventfdRead,
  eventfdSignal,
  fileOpen,
  KVM_IRQFD_FLAG_DEASSIGN,
  KVM_IRQFD_FLAG_RESAMPLE,
  kvmIrqfd,
  kvmNotifyAckedPins,
  type KvmIrqfdState,
} from './irqfd';
import { KVM_ERRNO } from './kvm-errno';
import { kvmVgicFlushHwstate, kvmVgicSyncHwstate } from './list-registers';
import { GITS_TRANSLATER_OFFSET } from './msi';
import { configure, physLines, testVm } from './vgic-fixture';
import { irqIsPending, NO_VCPU, type VgicIrq } from './vgic-irq';
import { vgicGetIrq } from './vgic-state';
import { icvAcknowledge, icvEndOfInterrupt } from './virtual-cpu-interface';

const ITS = 0x8080000n;

function setup(): { ctx: KvmIrqContext; s: KvmIrqfdState } {
  const routing = createKvmIrqRouting();
  const vgic = testVm(2);
  kvmVgicSetupDefaultIrqRouting(routing, vgic.dist.nrSpis);
  return {
    ctx: { vgic, msi: { irqchipInKernel: true, hasIts: true, itsBases: [ITS] }, routing },
    s: createKvmIrqfdState(),
  };
}
const spi = (ctx: KvmIrqContext, intid: number): VgicIrq => vgicGetIrq(ctx.vgic!, NO_VCPU, intid)!;
const assign = (ctx: KvmIrqContext, s: KvmIrqfdState, fd: number, gsi: number, resamplefd?: number) =>
  kvmIrqfd(ctx, s, {
    fd,
    gsi,
    flags: resamplefd === undefined ? 0 : KVM_IRQFD_FLAG_RESAMPLE,
    resamplefd: resamplefd ?? 0,
  });

describe('KVM_IRQFD assign and its errors (§5.5)', () => {
  it('binds an eventfd to a GSI', () => {
    const { ctx, s } = setup();
    const fd = eventfdCreate(s);
    expect(assign(ctx, s, fd, 8)).toMatchObject({
      ok: true,
      ret: 0,
      assigned: { fd, gsi: 8, resamplefd: null },
    });
    expect(s.irqfds).toEqual([{ fd, gsi: 8, resamplefd: null }]);
  });

  it('before the vgic is initialised (or without one) → -EAGAIN', () => {
    const { ctx, s } = setup();
    const fd = eventfdCreate(s);
    ctx.vgic!.dist.initialized = false;
    expect(assign(ctx, s, fd, 8)).toMatchObject({ ok: false, errno: 'EAGAIN', ret: -11 });
    expect(assign({ ...ctx, vgic: null }, s, fd, 8).errno).toBe('EAGAIN');
    expect(s.irqfds).toEqual([]);
  });

  it('unknown flags → -EINVAL; a closed or negative fd → -EBADF; a file that is not an eventfd → -EINVAL', () => {
    const { ctx, s } = setup();
    const fd = eventfdCreate(s);
    const file = fileOpen(s);
    expect(kvmIrqfd(ctx, s, { fd, gsi: 0, flags: 4, resamplefd: 0 })).toMatchObject({
      errno: 'EINVAL',
      ret: -22,
    });
    expect(assign(ctx, s, 99, 0)).toMatchObject({ errno: 'EBADF', ret: -9 });
    expect(assign(ctx, s, 0xffffffff, 0).errno).toBe('EBADF');
    expect(assign(ctx, s, file, 0)).toMatchObject({ errno: 'EINVAL' });
    expect(assign(ctx, s, fd, 0, 99).errno).toBe('EBADF');
    expect(assign(ctx, s, fd, 0, file).errno).toBe('EINVAL');
    expect(s.irqfds).toEqual([]);
    expect(s.resamplers).toEqual([]);
  });

  it('one eventfd drives one irqfd per VM: a second assign, even to another GSI, → -EBUSY', () => {
    const { ctx, s } = setup();
    const fd = eventfdCreate(s);
    assign(ctx, s, fd, 8);
    expect(assign(ctx, s, fd, 9)).toMatchObject({ ok: false, errno: 'EBUSY', ret: -16 });
    expect(s.irqfds).toHaveLength(1);
  });

  it('a resample assign refused with -EBUSY undoes its new resampler, which lowers the GSI', () => {
    const { ctx, s } = setup();
    const fd = eventfdCreate(s);
    const rfd = eventfdCreate(s);
    assign(ctx, s, fd, 8);
    const r = assign(ctx, s, fd, 9, rfd);
    expect(r).toMatchObject({ errno: 'EBUSY', lowered: { gsi: 9, level: false } });
    expect(s.resamplers).toEqual([]);
  });

  it('an eventfd signalled before the assign injects at once', () => {
    const { ctx, s } = setup();
    configure(ctx.vgic!, NO_VCPU, 40, {});
    const fd = eventfdCreate(s);
    eventfdSignal(ctx, s, fd);
    const r = assign(ctx, s, fd, 8);
    expect(r.inject).toMatchObject({ gsi: 8, resample: false });
    expect(irqIsPending(spi(ctx, 40))).toBe(true);
  });
});

describe('signalling an irqfd', () => {
  it('plain irqfd on an edge SPI: kvm_set_irq 1 then 0, the SPI latched and queued on its target', () => {
    const { ctx, s } = setup();
    configure(ctx.vgic!, NO_VCPU, 40, { target: 1 });
    const fd = eventfdCreate(s);
    assign(ctx, s, fd, 8);
    const r = eventfdSignal(ctx, s, fd);
    expect(r).toMatchObject({
      ok: true,
      count: 1,
      inject: { gsi: 8, resample: false, atomicCacheProbe: false, msis: [] },
    });
    expect(r.inject!.steps.map((st) => st.level)).toEqual([true, false]);
    expect(r.inject!.steps[0]!.routes[0]).toMatchObject({
      kind: 'spi',
      intid: 40,
      result: { acted: true, kick: 1 },
    });
    expect(spi(ctx, 40)).toMatchObject({ pendingLatch: true, vcpu: 1 });
  });

  it('plain irqfd on a LEVEL SPI: the pulse queues it but leaves it not pending (KVM ignores the source id)', () => {
    const { ctx, s } = setup();
    configure(ctx.vgic!, NO_VCPU, 40, { level: true });
    const fd = eventfdCreate(s);
    assign(ctx, s, fd, 8);
    eventfdSignal(ctx, s, fd);
    const irq = spi(ctx, 40);
    expect(irq.vcpu).toBe(0);
    expect(irqIsPending(irq)).toBe(false);
    expect(kvmVgicFlushHwstate(ctx.vgic!, 0).loaded).toEqual([]);
  });

  it('a signal on an eventfd with no irqfd only counts; a GSI with no route injects nothing', () => {
    const { ctx, s } = setup();
    const lone = eventfdCreate(s);
    expect(eventfdSignal(ctx, s, lone)).toMatchObject({ ok: true, count: 1 });
    expect(eventfdSignal(ctx, s, lone).inject).toBeUndefined();
    const fd = eventfdCreate(s);
    assign(ctx, s, fd, 3000);
    const r = eventfdSignal(ctx, s, fd);
    expect(r.inject!.steps.every((st) => st.routes.length === 0)).toBe(true);
    expect(r.reason).toMatch(/has no route/);
    expect(eventfdSignal(ctx, s, 77)).toMatchObject({ ok: false, errno: 'EBADF' });
  });

  it('an MSI route gives one MSI for the vITS (the 0 of the pulse is kvm_set_msi’s -1)', () => {
    const { ctx, s } = setup();
    kvmSetGsiRouting(ctx.routing, {
      nr: 1,
      flags: 0,
      entries: [msiRouteEntry(40, { address: ITS + GITS_TRANSLATER_OFFSET, data: 3, devid: 0x100 })],
    });
    const fd = eventfdCreate(s);
    assign(ctx, s, fd, 40);
    const r = eventfdSignal(ctx, s, fd).inject!;
    expect(r.atomicCacheProbe).toBe(true);
    expect(r.msis).toEqual([
      { itsIndex: 0, itsBase: ITS, doorbell: ITS + 0x10040n, devid: 0x100, eventid: 3 },
    ]);
    expect(r.steps[1]!.routes[0]!.result).toMatchObject({ ok: false, ret: -1 });
  });
});

describe('resamplefd', () => {
  function levelResample() {
    const { ctx, s } = setup();
    configure(ctx.vgic!, NO_VCPU, 50, { level: true, prio: 0x80 });
    const fd = eventfdCreate(s);
    const rfd = eventfdCreate(s);
    expect(assign(ctx, s, fd, 18, rfd).ok).toBe(true);
    return { ctx, s, fd, rfd };
  }

  it('asserts and holds the line; the guest’s EOI lowers it and signals the resamplefd (end to end)', () => {
    const { ctx, s, fd, rfd } = levelResample();
    const sig = eventfdSignal(ctx, s, fd);
    expect(sig.inject!.steps.map((st) => st.level)).toEqual([true]);
    expect(spi(ctx, 50).lineLevel).toBe(true);
    const vgic = ctx.vgic!;
    kvmVgicFlushHwstate(vgic, 0);
    expect(icvAcknowledge(vgic, 0, 1).intid).toBe(50);
    icvEndOfInterrupt(vgic, 0, 1, 50);
    const sync = kvmVgicSyncHwstate(vgic, 0, physLines());
    expect(sync.folded!.ackedPins).toEqual([18]);
    expect(spi(ctx, 50).lineLevel).toBe(true); // still high: nobody lowered it yet
    const [ack] = kvmNotifyAckedPins(ctx, s, sync.folded!.ackedPins);
    expect(ack).toMatchObject({ pin: 18, gsi: 18, signalled: [rfd], lowered: { gsi: 18, level: false } });
    expect(spi(ctx, 50).lineLevel).toBe(false);
    expect(eventfdRead(s, rfd)).toMatchObject({ ok: true, count: 1 });
    expect(eventfdRead(s, rfd).count).toBe(0);
  });

  it('irqfds on one GSI share a resampler: one lowering, every resamplefd signalled (newest first)', () => {
    const { ctx, s, rfd } = levelResample();
    const fd2 = eventfdCreate(s);
    const rfd2 = eventfdCreate(s);
    assign(ctx, s, fd2, 18, rfd2);
    expect(s.resamplers).toEqual([{ gsi: 18, irqfds: [fd2, 3] }]);
    expect(kvmNotifyAckedPins(ctx, s, [18])[0]!.signalled).toEqual([rfd2, rfd]);
  });

  it('the ack goes through the pin → GSI reverse map of a custom routing', () => {
    const { ctx, s } = setup();
    kvmSetGsiRouting(ctx.routing, { nr: 1, flags: 0, entries: [irqchipRouteEntry(100, 18)] });
    configure(ctx.vgic!, NO_VCPU, 50, { level: true });
    const fd = eventfdCreate(s);
    const rfd = eventfdCreate(s);
    assign(ctx, s, fd, 100, rfd);
    eventfdSignal(ctx, s, fd);
    expect(spi(ctx, 50).lineLevel).toBe(true);
    expect(kvmNotifyAckedPins(ctx, s, [18])[0]).toMatchObject({ gsi: 100, signalled: [rfd] });
    expect(spi(ctx, 50).lineLevel).toBe(false);
    expect(kvmNotifyAckedPins(ctx, s, [19])[0]).toMatchObject({ gsi: -1, signalled: [] });
  });

  it('an ack for a GSI without a resampler does nothing', () => {
    const { ctx, s } = setup();
    expect(kvmNotifyAckedPins(ctx, s, [18])[0]).toMatchObject({ gsi: 18, signalled: [] });
  });
});

describe('deassign and close', () => {
  it('deassign matches eventfd AND gsi; a mismatch is 0 with nothing removed', () => {
    const { ctx, s } = setup();
    const fd = eventfdCreate(s);
    assign(ctx, s, fd, 8);
    const deassign = (gsi: number) =>
      kvmIrqfd(ctx, s, { fd, gsi, flags: KVM_IRQFD_FLAG_DEASSIGN, resamplefd: 0 });
    expect(deassign(9)).toMatchObject({ ok: true, ret: 0, removed: [] });
    expect(s.irqfds).toHaveLength(1);
    expect(deassign(8)).toMatchObject({ ok: true, removed: [{ fd, gsi: 8 }] });
    expect(s.irqfds).toEqual([]);
    expect(assign(ctx, s, fd, 9).ok).toBe(true); // the eventfd is free again
  });

  it('deassign checks the fd: -EBADF, -EINVAL', () => {
    const { ctx, s } = setup();
    expect(kvmIrqfd(ctx, s, { fd: 42, gsi: 0, flags: KVM_IRQFD_FLAG_DEASSIGN, resamplefd: 0 }).errno).toBe(
      'EBADF',
    );
    expect(
      kvmIrqfd(ctx, s, { fd: fileOpen(s), gsi: 0, flags: KVM_IRQFD_FLAG_DEASSIGN, resamplefd: 0 }).errno,
    ).toBe('EINVAL');
  });

  it('the last resample irqfd of a GSI going away lowers the line; the eventfd counter is drained', () => {
    const { ctx, s } = setup();
    configure(ctx.vgic!, NO_VCPU, 50, { level: true });
    const fd = eventfdCreate(s);
    const rfd = eventfdCreate(s);
    assign(ctx, s, fd, 18, rfd);
    eventfdSignal(ctx, s, fd);
    const r = kvmIrqfd(ctx, s, {
      fd,
      gsi: 18,
      flags: KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE,
      resamplefd: 0,
    });
    expect(r.removed![0]).toMatchObject({ gsi: 18, lowered: { level: false } });
    expect(spi(ctx, 50).lineLevel).toBe(false);
    expect(s.resamplers).toEqual([]);
    expect(s.files.find((f) => f.fd === fd)!.count).toBe(0);
  });

  it('closing the eventfd shuts its irqfd down (EPOLLHUP)', () => {
    const { ctx, s } = setup();
    const fd = eventfdCreate(s);
    assign(ctx, s, fd, 8);
    expect(eventfdClose(ctx, s, fd)).toMatchObject({ ok: true, removed: [{ fd, gsi: 8 }] });
    expect(s.irqfds).toEqual([]);
    expect(eventfdSignal(ctx, s, fd).errno).toBe('EBADF');
    expect(eventfdClose(ctx, s, fd).ok).toBe(false);
  });

  it('the irqfd state survives the deep copy and the JSON snapshot codec', () => {
    const { ctx, s } = setup();
    const fd = eventfdCreate(s);
    assign(ctx, s, fd, 18, eventfdCreate(s));
    eventfdSignal(ctx, s, fd);
    expect(clonePlain(s)).toEqual(s);
    expect(decodePlain(JSON.parse(JSON.stringify(encodePlain(s))))).toEqual(s);
  });
});

describe('bad input (property)', () => {
  it('random KVM_IRQFD words and signals never throw; errors are named errnos', () => {
    const names = new Set(Object.keys(KVM_ERRNO));
    const w = fc.oneof(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 0, max: 8 }),
      fc.integer({ min: -2, max: 300 }),
    );
    const op = fc.record({
      fd: w,
      gsi: w,
      flags: fc.oneof(fc.integer({ min: 0, max: 3 }), w),
      resamplefd: w,
      signal: w,
      ack: fc.integer({ min: 0, max: 300 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 20 }), (ops) => {
        const { ctx, s } = setup();
        for (let i = 0; i < 4; i++) eventfdCreate(s);
        fileOpen(s);
        for (const o of ops) {
          const r = kvmIrqfd(ctx, s, o);
          if (r.ok) expect(r.ret).toBe(0);
          else {
            expect(names.has(r.errno!)).toBe(true);
            expect(r.ret).toBe(-KVM_ERRNO[r.errno!]);
          }
          const sig = eventfdSignal(ctx, s, o.signal);
          if (!sig.ok) expect(names.has(sig.errno!)).toBe(true);
          kvmNotifyAckedPins(ctx, s, [o.ack]);
          // each eventfd drives at most one irqfd; every resampler lists live resample irqfds
          expect(new Set(s.irqfds.map((x) => x.fd)).size).toBe(s.irqfds.length);
          for (const r2 of s.resamplers) {
            expect(r2.irqfds.length).toBeGreaterThan(0);
            for (const efd of r2.irqfds)
              expect(s.irqfds.find((x) => x.fd === efd)).toMatchObject({ gsi: r2.gsi });
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
