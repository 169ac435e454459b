/**
 * A VM's guest physical memory in the memory inspector (guestMemoryMap, guestReadMemory): the
 * virtual ITS's queue and tables and the LPI tables the guest gave its vgic, found in guest RAM
 * the way the host's are found in host RAM. Track 3.5 ("The guest's own ITS") sets them up: device
 * table 0x4010_0000, collection table 0x4011_0000, queue 0x4012_0000 (64 KiB each), one property
 * table 0x4013_0000 with IDbits 15, pending tables 0x4020_0000 (vCPU 0) and 0x4021_0000 (vCPU 1),
 * the ITT of DeviceID 16 at 0x4030_0000 (2^5 events); the queue's contents are checked against the
 * its.cmd events the engine recorded.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import './kvm-extension';
import { encodeCommand } from '../its/command-encoding';
import { Machine } from '../platform/machine';
import { resolveMachine } from '../platform/machine-config';
import { memoryMap, readMemory, type MemoryDump, type MemoryStructure } from '../platform/memory-inspect';
import { loadScenario } from '../scenario/loader';
import { ScenarioRun } from '../scenario/runner';
import type { InspectError } from '../gic/gic-inspect';
import { guestMemoryMap, guestReadMemory } from './guest-inspect';
import type { KvmInput } from './kvm-input-types';

const FILE = 'public/scenarios/track3/3.5-the-guests-own-its.json';

function track35(): Machine {
  const r = loadScenario(readFileSync(FILE, 'utf8'), FILE);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  const run = new ScenarioRun(r.scenario);
  run.runAll();
  return run.machine;
}

/** The seq of the first command `command` vm0's vITS read (its its.cmd event). */
function firstCmd(m: Machine, command: string): number {
  for (let s = 0; s < m.log.length; s++) {
    const e = m.log.get(s)!;
    if (e.kind === 'its.cmd' && e.unit === 'vm0.its0' && (e.data as { command: string }).command === command)
      return s;
  }
  throw new Error(`no ${command}`);
}

function ok<T extends { ok: true }>(r: T | InspectError): T {
  if (!r.ok) throw new Error(r.error);
  return r;
}

const shape = (s: MemoryStructure): [string, number, number, string] => [s.kind, s.base, s.size, s.owner];

describe("a VM's guest physical memory", () => {
  it("after the guest's MAPTI: the vITS's tables and queue, the vgic's LPI tables, the ITT", () => {
    const m = track35();
    m.seek(firstCmd(m, 'MAPTI') + 1);
    const map = ok(guestMemoryMap(m, 0));
    expect(map.ram).toEqual([{ name: 'vm0.ram0', base: 0x4000_0000, size: 0x4000_0000 }]);
    expect(map.structures.map(shape)).toEqual([
      ['its-device-table', 0x4010_0000, 0x10000, 'vm0.its0'],
      ['its-collection-table', 0x4011_0000, 0x10000, 'vm0.its0'],
      ['its-command-queue', 0x4012_0000, 0x10000, 'vm0.its0'],
      // vgic_dist.propbaser: one table for the VM, IDbits 15 (INTIDs below 65536).
      ['lpi-property-table', 0x4013_0000, 65536 - 8192, 'vm0.vcpu0 vm0.vcpu1'],
      ['lpi-pending-table', 0x4020_0000, 8192, 'vm0.vcpu0'],
      ['lpi-pending-table', 0x4021_0000, 8192, 'vm0.vcpu1'],
      ['its-itt', 0x4030_0000, 32 * 8, 'vm0.its0'],
    ]);
    expect(map.structures.map((s) => s.name)).toContain('vm0.its0 command queue');
    expect(map.structures.find((s) => s.kind === 'its-itt')).toMatchObject({ id: 16, source: 'kvm lists' });
    // The host's memory holds none of it: the guest never touched the host's ITS or redistributors.
    expect(memoryMap(m).structures).toEqual([]);
  });

  it('the command queue holds the commands the vITS read, slot by slot, in the bytes its events recorded', () => {
    const m = track35();
    const at = firstCmd(m, 'MAPTI');
    m.seek(at + 1);
    const d = ok(guestReadMemory(m, 0, 0x4012_0000, 128));
    expect(d.structures.map((s) => s.name)).toEqual(['vm0.its0 command queue']);
    expect(d.ram).toEqual([{ addr: 0x4012_0000, len: 128 }]);
    expect(d.entries.map((e) => [e.addr, e.kind, e.label])).toEqual([
      [
        0x4012_0000,
        'command',
        'vm0.its0 queue slot 0 (consumed): MAPD DeviceID=0x10 Size=0x4 ITT_addr=0x40300000 V=0x1',
      ],
      [0x4012_0020, 'command', 'vm0.its0 queue slot 1 (consumed): MAPC ICID=0x1 RDbase=0x1 V=0x1'],
      [
        0x4012_0040,
        'command',
        'vm0.its0 queue slot 2 (consumed): MAPTI DeviceID=0x10 EventID=0x3 pINTID=0x2003 ICID=0x1',
      ],
    ]);
    // The bytes at the MAPTI's slot are the doublewords its event says the vITS read.
    const ev = m.log.get(at)!.data as { addr: number; dws: string[] };
    expect(ev.addr).toBe(0x4012_0040);
    const dw = (k: number): bigint =>
      d.bytes.slice(0x40 + k * 8, 0x48 + k * 8).reduceRight((v, b) => (v << 8n) | BigInt(b), 0n);
    expect([0, 1, 2, 3].map((k) => BigInt(ev.dws[k]!))).toEqual([0, 1, 2, 3].map(dw));
    // The host's memory at the same address is not the guest's.
    const host = ok(readMemory(m, 0x4012_0000, 128));
    expect(host.entries).toEqual([]);
    expect(host.bytes.every((b) => b === 0)).toBe(true);
  });

  it("the ITE in the ITT, from KVM's lists, and the LPI's configuration byte", () => {
    const m = track35();
    m.seek(firstCmd(m, 'INV'));
    const itt = ok(guestReadMemory(m, 0, 0x4030_0000, 64));
    expect(itt.entries.map((e) => [e.addr, e.kind, e.source, e.label])).toEqual([
      [
        0x4030_0018,
        'ite',
        'kvm lists',
        "vm0.its0 ITE of DeviceID 16 EventID 3: LPI 8195, collection 1 (KVM's lists: written here when the tables are saved)",
      ],
    ]);
    // The guest filled its property table with 0xa2 and set LPI 8195's byte to 0xa3.
    const prop = ok(guestReadMemory(m, 0, 0x4013_0000, 16));
    expect(prop.bytes.slice(0, 5)).toEqual([0xa2, 0xa2, 0xa2, 0xa3, 0xa2]);
    expect(prop.structures.map(shape)).toEqual([
      ['lpi-property-table', 0x4013_0000, 65536 - 8192, 'vm0.vcpu0 vm0.vcpu1'],
    ]);
  });

  it('a pending table only where the guest wrote GICR_PENDBASER; nothing before the guest sets up', () => {
    const r = resolveMachine({ profile: 'spec', cpus: 2, vms: [{ vcpus: 2 }] });
    if (!r.ok) throw new Error(r.problems.join('; '));
    const m = Machine.create(r.machine);
    expect(ok(guestMemoryMap(m, 0)).structures).toEqual([]);
    const g = (vcpu: number, addr: number, value: bigint): void =>
      void m.input({ kind: 'guest', vm: 0, vcpu, op: { kind: 'mmio', addr, width: 64, write: true, value } });
    const RD1 = 0x080a_0000 + 0x20000;
    g(1, RD1 + 0x70, 0x4013_000dn); // GICR_PROPBASER, IDbits 13: the VM's one property table
    g(1, RD1 + 0x78, 0x4021_0000n); // vCPU 1's GICR_PENDBASER
    const e = encodeCommand('MAPC', { ICID: 1n, RDbase: 1n, V: 1n });
    if (!e.ok) throw new Error(e.error);
    const op: Extract<KvmInput, { kind: 'guest' }>['op'] = {
      kind: 'its-cmd',
      its: 0,
      dws: e.dws,
      name: 'MAPC',
    };
    g(0, 0x0808_0000 + 0x80, 0x8000_0000_4012_0000n); // GITS_CBASER: one 4 KiB page
    m.input({ kind: 'guest', vm: 0, vcpu: 0, op });
    m.run();
    expect(ok(guestMemoryMap(m, 0)).structures.map(shape)).toEqual([
      ['its-command-queue', 0x4012_0000, 0x1000, 'vm0.its0'],
      ['lpi-property-table', 0x4013_0000, 16384 - 8192, 'vm0.vcpu0 vm0.vcpu1'],
      ['lpi-pending-table', 0x4021_0000, 16384 / 8, 'vm0.vcpu1'],
    ]);
    // GITS_CTLR.Enabled is 0: the command waits in the queue, where the guest put it.
    const d: MemoryDump = ok(guestReadMemory(m, 0, 0x4012_0000, 32));
    expect(d.entries.map((x) => x.label)).toEqual([
      'vm0.its0 queue slot 0 (waiting): MAPC ICID=0x1 RDbase=0x1 V=0x1',
    ]);
  });

  it('refuses a VM the machine lacks and a bad address, with what is wrong', () => {
    const m = track35();
    const err = (r: { ok: true } | InspectError): string => (r.ok ? 'ok' : r.error);
    expect(err(guestMemoryMap(m, 1))).toBe('there is no VM 1 (the machine has 1)');
    expect(err(guestReadMemory(m, 3, 0x4000_0000, 16))).toBe('there is no VM 3 (the machine has 1)');
    expect(err(guestReadMemory(m, 0, -1, 16))).toBe('-1 is not a physical address');
    const r = resolveMachine({ profile: 'kvm', cpus: 1 });
    if (!r.ok) throw new Error(r.problems.join('; '));
    expect(err(guestMemoryMap(Machine.create(r.machine), 0))).toBe('the machine runs no VMs');
  });
});
