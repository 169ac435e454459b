/**
 * Property: whatever KVM is asked to inject, in whatever order, with the vCPUs moved around and
 * however many list registers there are, every interrupt reaches the guest: each SPI raised and
 * each MSI signalled is acknowledged by the guest on the vCPU it targets, at least once (edges
 * raised again while still pending merge) and never more often than it was raised; the ap_lists
 * and the vCPU threads stay consistent; nothing throws.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import './kvm-extension';
import { encodeCommand, ITS_COMMANDS } from '../its/command-encoding';
import { itsCmd, RD, store, VITS } from './vm-fixture';
import { Machine } from '../platform/machine';
import { resolveMachine } from '../platform/machine-config';
import { checkApLists } from './ap-list';
import { encodeKvmArmIrq, KVM_ARM_IRQ_TYPE_SPI } from './irq-line';
import type { GuestOp, KvmInput } from './kvm-input-types';
import { KVM_MSI_VALID_DEVID } from './msi';
import { checkKvmRun } from './vcpu-run';

type Op =
  | { kind: 'spi'; n: number }
  | { kind: 'msi'; event: number }
  | { kind: 'pin'; vcpu: number; pcpu: number }
  | { kind: 'run'; events: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('spi' as const), n: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('msi' as const), event: fc.integer({ min: 0, max: 3 }) }),
  fc.record({
    kind: fc.constant('pin' as const),
    vcpu: fc.integer({ min: 0, max: 1 }),
    pcpu: fc.integer({ min: -1, max: 2 }),
  }),
  fc.record({ kind: fc.constant('run' as const), events: fc.integer({ min: 1, max: 60 }) }),
);

describe('a VM under random injections', () => {
  it('delivers every interrupt raised, once per merge, on its vCPU', () => {
    fc.assert(
      fc.property(
        // Two LRs at least: with one, UIE is never satisfied (see vm-machine.test.ts).
        fc.integer({ min: 2, max: 4 }),
        fc.constantFrom('wfi' as const, 'spin' as const),
        fc.array(fc.integer({ min: 0, max: 0xf0 }), { minLength: 8, maxLength: 8 }),
        fc.array(op, { maxLength: 40 }),
        (lrs, idle, prios, ops) => {
          const r = resolveMachine({ profile: 'spec', cpus: 3, vms: [{ vcpus: 2, lrs, idle }] });
          if (!r.ok) throw new Error(r.problems.join());
          const m = Machine.create(r.machine);
          const g = (v: number, o: GuestOp): void => void m.input({ kind: 'guest', vm: 0, vcpu: v, op: o });
          g(0, store(0x0800_0000, 0x12n, 32));
          g(0, store(0x0800_0104, 0xffn, 32)); // SPIs 32..39
          for (let i = 0; i < 8; i += 4)
            g(
              0,
              store(
                0x0800_0420 + i,
                BigInt(prios.slice(i, i + 4).reduce((a, p, k) => a | ((p & 0xf8) << (8 * k)), 0) >>> 0),
                32,
              ),
            );
          g(0, store(0x0800_6000 + 8 * 33, 1n, 64)); // GICD_IROUTER33 → vCPU 1
          for (const v of [0, 1]) {
            g(v, { kind: 'icc', reg: 'ICC_PMR_EL1', write: true, value: 0xf8n });
            g(v, { kind: 'icc', reg: 'ICC_IGRPEN1_EL1', write: true, value: 1n });
            g(v, store(RD(v) + 0x78, BigInt(0x4021_0000 + v * 0x10000), 64));
          }
          g(0, store(RD(0) + 0x70, 0x4013_000fn, 64));
          for (let e = 0; e < 4; e++) g(0, { kind: 'lpi-config', intid: 8192 + e, value: 0xa1 });
          for (const v of [0, 1]) g(v, store(RD(v), 1n, 32));
          g(0, store(VITS + 0x100, 0x8107_0000_4010_0200n, 64));
          g(0, store(VITS + 0x108, 0x8407_0000_4011_0200n, 64));
          g(0, store(VITS + 0x80, 0x8000_0000_4012_000fn, 64));
          g(0, store(VITS, 1n, 32));
          g(0, itsCmd('MAPD', { DeviceID: 16n, Size: 1n, ITT_addr: 0x4030_0000n, V: 1n }));
          for (const v of [0, 1]) g(0, itsCmd('MAPC', { ICID: BigInt(v), RDbase: BigInt(v), V: 1n }));
          for (let e = 0; e < 4; e++)
            g(
              0,
              itsCmd('MAPTI', {
                DeviceID: 16n,
                EventID: BigInt(e),
                pINTID: BigInt(8192 + e),
                ICID: BigInt(e % 2),
              }),
            );
          m.run({ maxEvents: 100_000 });

          const raised = new Map<string, number>();
          const raise = (vcpu: number, intid: number): void => {
            const k = `${vcpu}:${intid}`;
            raised.set(k, (raised.get(k) ?? 0) + 1);
          };
          const input = (i: KvmInput): void => void m.input(i);
          for (const o of ops) {
            if (o.kind === 'spi') {
              input({
                kind: 'kvm',
                vm: 0,
                call: {
                  kind: 'irq-line',
                  irq: encodeKvmArmIrq({ irqType: KVM_ARM_IRQ_TYPE_SPI, irqId: 32 + o.n }),
                  level: 1,
                },
              });
              raise(o.n === 1 ? 1 : 0, 32 + o.n);
            } else if (o.kind === 'msi') {
              input({
                kind: 'kvm',
                vm: 0,
                call: {
                  kind: 'signal-msi',
                  addressLo: VITS + 0x10040,
                  addressHi: 0,
                  data: o.event,
                  flags: KVM_MSI_VALID_DEVID,
                  devid: 16,
                },
              });
              raise(o.event % 2, 8192 + o.event);
            } else if (o.kind === 'pin') input({ kind: 'vcpu-pin', vm: 0, vcpu: o.vcpu, pcpu: o.pcpu });
            else m.run({ maxEvents: o.events });
            const vm = m.s.kvm!.vms[0]!;
            expect(checkApLists(vm.vgic)).toEqual([]);
            expect(checkKvmRun(vm.run)).toEqual([]);
          }
          // A spinning guest never leaves its pCPU on its own: two vCPUs on one pCPU take turns
          // at each scheduler tick forever, so let 20 ms of model time pass (many slices).
          if (idle === 'spin') m.run({ until: m.time + 20_000_000, maxEvents: 200_000 });
          else {
            m.run({ maxEvents: 200_000 });
            expect(m.idle, 'the machine settles').toBe(true);
          }
          const vm = m.s.kvm!.vms[0]!;
          for (const [k, n] of raised) {
            const [vcpu, intid] = k.split(':').map(Number) as [number, number];
            const acked = vm.guest[vcpu]!.acked[intid] ?? 0;
            expect(acked, `${k} raised ${n}`).toBeGreaterThanOrEqual(1);
            expect(acked, `${k} raised ${n}`).toBeLessThanOrEqual(n);
          }
          for (const [v, g] of vm.guest.entries())
            for (const intid of Object.keys(g.acked))
              expect(raised.has(`${v}:${intid}`), `vCPU ${v} took ${intid}, never raised there`).toBe(true);
        },
      ),
      { numRuns: 120 },
    );
  });
});

describe('a guest throwing anything at its virtual ITS', () => {
  it('random commands and register accesses are KVM errors or effects, never an exception', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              kind: fc.constant('cmd' as const),
              cmd: fc.integer({ min: 0, max: ITS_COMMANDS.length - 1 }),
              values: fc.array(fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }), { minLength: 6, maxLength: 6 }),
            }),
            fc.record({
              kind: fc.constant('reg' as const),
              offset: fc.integer({ min: 0, max: 0x1ffff }),
              width: fc.constantFrom(8 as const, 16 as const, 32 as const, 64 as const),
              write: fc.boolean(),
              value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
            }),
            fc.record({
              kind: fc.constant('msi' as const),
              devid: fc.integer({ min: 0, max: 40 }),
              eventid: fc.integer({ min: 0, max: 40 }),
            }),
          ),
          { maxLength: 30 },
        ),
        (ops) => {
          const r = resolveMachine({ profile: 'spec', cpus: 2, vms: [{ vcpus: 2, idle: 'spin' }] });
          if (!r.ok) throw new Error(r.problems.join());
          const m = Machine.create(r.machine);
          const g = (o: GuestOp): void => void m.input({ kind: 'guest', vm: 0, vcpu: 0, op: o });
          g(store(RD(0) + 0x70, 0x4013_000fn, 64));
          g(store(VITS + 0x100, 0x8107_0000_4010_0200n, 64));
          g(store(VITS + 0x108, 0x8407_0000_4011_0200n, 64));
          g(store(VITS + 0x80, 0x8000_0000_4012_000fn, 64));
          g(store(VITS, 1n, 32));
          for (const o of ops) {
            if (o.kind === 'cmd') {
              const spec = ITS_COMMANDS[o.cmd]!;
              const fields: Record<string, bigint> = {};
              spec.fields.forEach((f, i) => {
                const bits = BigInt(f.msb - f.lsb + 1);
                fields[f.name] = o.values[i % o.values.length]! & ((1n << bits) - 1n);
              });
              const e = encodeCommand(spec.name, fields);
              if (e.ok) g({ kind: 'its-cmd', its: 0, dws: e.dws, name: spec.name });
            } else if (o.kind === 'reg') {
              const v = o.width === 64 ? o.value : o.value & ((1n << BigInt(o.width)) - 1n);
              g({
                kind: 'mmio',
                addr: VITS + o.offset,
                width: o.width,
                write: o.write,
                value: o.write ? v : 0n,
              });
            } else
              m.input({
                kind: 'kvm',
                vm: 0,
                call: {
                  kind: 'signal-msi',
                  addressLo: VITS + 0x10040,
                  addressHi: 0,
                  data: o.eventid,
                  flags: KVM_MSI_VALID_DEVID,
                  devid: o.devid,
                },
              });
          }
          m.run({ until: m.time + 5_000_000, maxEvents: 100_000 });
          expect(checkApLists(m.s.kvm!.vms[0]!.vgic)).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
  });
});
