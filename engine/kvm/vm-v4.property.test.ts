/**
 * Property: with GICv4 direct injection, no vLPI is lost and none is delivered twice, whatever
 * happens between the device's MSIs: vCPUs moved to other pCPUs (VMOVP), the guest's MOVI between
 * its vCPUs (VMOVI), vCPUs blocking in WFI and woken by doorbells, or spinning. Each MSI is sent
 * once the guest has taken the previous one, so each must be acknowledged exactly once, on the vCPU
 * its collection names; the host never takes the forwarded LPI itself (no software path), no
 * virtual pending table keeps a stale bit, and no command the driver sends fails.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { vptPending } from '../gic/vlpi';
import type { Machine } from '../platform/machine';
import { checkApLists } from './ap-list';
import { checkKvmRun } from './vcpu-run';
import { fire, guest, v4Machine } from './v4-fixture';
import { eventsFrom, itsCmd, RD } from './vm-fixture';

type Op =
  | { kind: 'msi' }
  | { kind: 'pin'; vcpu: number; pcpu: number }
  | { kind: 'movi'; to: number }
  | { kind: 'run'; us: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'msi' as const }) },
  fc.record({
    kind: fc.constant('pin' as const),
    vcpu: fc.integer({ min: 0, max: 1 }),
    pcpu: fc.integer({ min: -1, max: 1 }),
  }),
  fc.record({ kind: fc.constant('movi' as const), to: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ kind: fc.constant('run' as const), us: fc.integer({ min: 1, max: 3000 }) }),
);

const acked = (m: Machine): number[] => m.s.kvm!.vms[0]!.guest.map((g) => g.acked[8192] ?? 0);
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe('GICv4 direct injection under random moves', () => {
  it('delivers each vLPI exactly once, on the vCPU the guest targets, through any load/put, VMOVP, VMOVI and block', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('wfi' as const, 'spin' as const),
        fc.constantFrom(4 as const, 4.1 as const),
        fc.constantFrom('spec' as const, 'qemu' as const),
        fc.array(op, { maxLength: 25 }),
        (idle, gic, profile, ops) => {
          if (profile === 'qemu' && gic === 4.1) return;
          const m = v4Machine({ idle, gic, profile });
          // The guest's collection 0 -> vCPU 0 with LPIs on there too, so MOVI can go either way.
          m.input(guest(0, itsCmd('MAPC', { ICID: 0n, RDbase: 0n, V: 1n })));
          m.input(
            guest(0, { kind: 'mmio', addr: RD(0) + 0x78, width: 64, write: true, value: 0x4020_0000n }),
          );
          m.input(guest(0, { kind: 'mmio', addr: RD(0), width: 32, write: true, value: 1n }));
          m.run({ until: m.time + 200_000 });
          const start = m.log.length;
          let target = 1;
          let sent = 0;
          for (const o of ops) {
            switch (o.kind) {
              case 'msi': {
                const before = acked(m);
                fire(m);
                m.run({ until: m.time + 2_000_000 });
                sent++;
                const after = acked(m);
                const got = after.map((a, v) => a - before[v]!);
                expect(got[target], `MSI ${sent} on vCPU ${target}: ${JSON.stringify(got)}`).toBe(1);
                expect(sum(got), `MSI ${sent}`).toBe(1);
                break;
              }
              case 'pin':
                m.input({ kind: 'vcpu-pin', vm: 0, vcpu: o.vcpu, pcpu: o.pcpu });
                m.run({ until: m.time + 100_000 });
                break;
              case 'movi':
                m.input(guest(0, itsCmd('MOVI', { DeviceID: 16n, EventID: 0n, ICID: BigInt(o.to) })));
                m.run({ until: m.time + 200_000 });
                target = o.to;
                break;
              case 'run':
                m.run({ until: m.time + o.us * 1000 });
                break;
            }
            const vm = m.s.kvm!.vms[0]!;
            expect(checkApLists(vm.vgic)).toEqual([]);
            expect(checkKvmRun(vm.run)).toEqual([]);
          }
          const ev = eventsFrom(m, start);
          // The software path never ran: VFIO's handler never saw the forwarded LPI.
          expect(ev.filter((e) => e.kind === 'vfio.irq').length).toBe(0);
          // Every host command the driver sent was carried out.
          const bad = ev.filter(
            (e) =>
              e.kind === 'its.cmd' && e.unit === 'its0' && (e.data as { outcome: string }).outcome !== 'ok',
          );
          expect(bad.map((e) => JSON.stringify(e.data))).toEqual([]);
          // Nothing is left pending in a VPT.
          for (const vpe of m.s.kvm!.vms[0]!.v4!.vpes) expect(vptPending(m, vpe.vpt, 16)).toEqual([]);
          expect(sum(acked(m))).toBe(sent);
        },
      ),
      { numRuns: 40 },
    );
  });
});
