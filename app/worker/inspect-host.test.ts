/**
 * The ITS views of a VM's virtual ITS and the memory views of its guest physical memory (`vm` in
 * the request), over track 3.5's history, where the guest programs its vITS through a command
 * queue in its own RAM. What the views show is checked
 * against what the engine recorded in its events (the slot and doublewords each command was read
 * from, the translation a KVM_SIGNAL_MSI made), and against the host's ITS, which the guest never
 * touches: a vITS is never confused with the host's ITS of the same index.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  loadScenario,
  Machine,
  resolveMachine,
  ScenarioRun,
  type ItsCacheView,
  type ItsCollectionsView,
  type ItsDevicesView,
  type ItsView,
  type IttView,
  type MemoryDump,
  type MemoryMapView,
  type QueueSlotsView,
} from '../../engine';
import type { EventRow, InspectRequest, InspectResult } from './api';
import { EngineHost, MAX_EVENTS_PER_CALL } from './engine-host';
import { inspectMachine } from './inspect-host';

const FILE = 'public/scenarios/track3/3.5-the-guests-own-its.json';

function open(): { host: EngineHost; rows: EventRow[] } {
  const host = new EngineHost();
  const r = host.load(readFileSync(FILE, 'utf8'), '3.5.json');
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return { host, rows: host.events(0, MAX_EVENTS_PER_CALL) };
}

/** The same history, run by the engine directly: its events' data (the rows carry only ids). */
function engineLog(): Machine['log'] {
  const r = loadScenario(readFileSync(FILE, 'utf8'), '3.5.json');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  const run = new ScenarioRun(r.scenario);
  run.runAll();
  return run.machine.log;
}

function ok<T>(r: InspectResult): T {
  if (!r.ok) throw new Error(r.error);
  return r as T;
}

const first = (rows: EventRow[], kind: string, unit: string, text?: RegExp): EventRow => {
  const e = rows.find((r) => r.kind === kind && r.unit === unit && (!text || text.test(r.text)));
  if (!e) throw new Error(`no ${kind} of ${unit}`);
  return e;
};

describe("a VM's virtual ITS in the ITS views", () => {
  it('shows the queue the guest wrote, slot by slot, as the vITS read it', () => {
    const { host, rows } = open();
    const cmds = rows.filter((r) => r.kind === 'its.cmd' && r.unit === 'vm0.its0');
    expect(cmds.length).toBeGreaterThanOrEqual(5);
    const mapti = first(rows, 'its.cmd', 'vm0.its0', /MAPTI/);
    const at = mapti.seq + 1;
    const its = ok<ItsView>(host.inspect(at, { view: 'its', its: 0, vm: 0 }));
    // The guest's GITS_CBASER (0x4012_0000, 64 KiB) and three commands consumed.
    expect(its).toMatchObject({ index: 0, profile: 'kvm', source: 'kvm lists', base: 0x0808_0000 });
    expect(its.cbaser).toMatchObject({ valid: true, base: 0x4012_0000, size: 0x10000 });
    expect(its.queue).toMatchObject({ slots: 2048, readSlot: 3, writeSlot: 3, waiting: 0 });
    const q = ok<QueueSlotsView>(host.inspect(at, { view: 'queue', its: 0, vm: 0, from: 0, count: 4 }));
    // Each slot holds the doublewords the command's event says the vITS read, at that address.
    const frame = host.frame(at);
    expect(frame.stage.focus).toMatchObject({ entry: { table: 'queue', id: 2 } });
    const log = engineLog();
    for (const [i, name] of ['MAPD', 'MAPC', 'MAPTI'].entries()) {
      const d = log.get(cmds[i]!.seq)!.data as { slot: number; addr: number; dws: string[]; command: string };
      expect(d).toMatchObject({ slot: i, command: name });
      const s = q.window[i]!;
      expect(s).toMatchObject({ slot: i, state: 'consumed', empty: false, command: name });
      expect(s.addr).toBe(d.addr);
      expect(s.dws).toEqual(d.dws);
    }
    expect(q.window[2]!.addr).toBe(0x4012_0040);
    expect(q.window[2]!.fields).toEqual({ DeviceID: '0x10', EventID: '0x3', pINTID: '0x2003', ICID: '0x1' });
    expect(q.window[3]).toMatchObject({ slot: 3, empty: true, atCreadr: true, atCwriter: true });
  });

  it('lists the device, its ITE and the collection MAPD, MAPTI and MAPC made, from KVM’s lists', () => {
    const { host, rows } = open();
    const at = first(rows, 'its.cmd', 'vm0.its0', /MAPTI/).seq + 1;
    const devs = ok<ItsDevicesView>(host.inspect(at, { view: 'devices', its: 0, vm: 0 }));
    expect(devs.source).toBe('kvm lists');
    expect(devs.devices).toMatchObject([{ devid: 16, itt: 0x4030_0000, eventIdBits: 5, events: 1 }]);
    // The DTE's address is in the guest's device table (GITS_BASER0 at 0x4010_0000, 8-byte entries).
    expect(devs.devices[0]!.dte).toBe(0x4010_0000 + 16 * 8);
    const itt = ok<IttView>(host.inspect(at, { view: 'itt', its: 0, vm: 0, devid: 16 }));
    expect(itt.events).toMatchObject([{ eventid: 3, intid: 8195, icid: 1, target: 1 }]);
    const cols = ok<ItsCollectionsView>(host.inspect(at, { view: 'collections', its: 0, vm: 0 }));
    expect(cols.collections.map((c) => [c.icid, c.target])).toEqual([[1, 1]]);
    // The host's ITS 0 has none of it.
    const hostDevs = ok<ItsDevicesView>(host.inspect(at, { view: 'devices', its: 0 }));
    expect(hostDevs.devices).toEqual([]);
    expect(ok<ItsView>(host.inspect(at, { view: 'its', its: 0 })).cbaser.valid).toBe(false);
  });

  it("fills the vITS's translation cache at the first KVM_SIGNAL_MSI, and the focus names the entries", () => {
    const { host, rows } = open();
    const signal = first(rows, 'kvm.signal-msi', 'vm0');
    expect(ok<ItsCacheView>(host.inspect(signal.seq, { view: 'cache', its: 0, vm: 0 })).entries).toEqual([]);
    const cte = rows.find((r) => r.seq > signal.seq && r.kind === 'its.cte' && r.unit === 'vm0.its0')!;
    expect(host.frame(cte.seq + 1).stage.focus).toMatchObject({
      places: [{ node: 'kvm', vm: 0, part: 'its' }],
      entry: { table: 'ct', id: 1 },
    });
    const after = rows.find((r) => r.seq > cte.seq && r.kind === 'icv.ack' && r.intid === 8195)!;
    const cache = ok<ItsCacheView>(host.inspect(after.seq, { view: 'cache', its: 0, vm: 0 }));
    expect(cache.entries).toMatchObject([{ devid: 16, eventid: 3, intid: 8195, cpu: 1, icid: 1 }]);
    expect(ok<ItsCacheView>(host.inspect(after.seq, { view: 'cache', its: 0 })).entries).toEqual([]);
  });

  it('refuses a VM or a vITS the machine lacks, with what is wrong', () => {
    const { host } = open();
    const err = (req: InspectRequest): string => {
      const r = host.inspect(10, req);
      return r.ok ? 'ok' : r.error;
    };
    expect(err({ view: 'its', its: 0, vm: 1 })).toBe('there is no VM 1 (the machine runs 1)');
    expect(err({ view: 'its', its: 1, vm: 0 })).toBe('vm0 has no virtual ITS 1 (it has 1)');
    expect(err({ view: 'devices', its: 0, vm: -1 })).toBe('-1 is not a VM index');
    expect(err({ view: 'cache', its: 0, vm: 'x' as unknown as number })).toBe('"x" is not a VM index');
    const c27 = new EngineHost();
    c27.load(readFileSync('public/scenarios/conformance/kut-c27-its-int-dev2.json', 'utf8'), 'c27.json');
    const r = c27.inspect(5, { view: 'queue', its: 0, vm: 0, from: 0, count: 4 });
    expect(r.ok ? 'ok' : r.error).toBe('this machine runs no VMs: it has no virtual ITS');
    const cfg = resolveMachine({ profile: 'kvm', cpus: 1, vms: [{ vcpus: 1, its: false }] });
    if (!cfg.ok) throw new Error(cfg.problems.join('; '));
    const m = Machine.create(cfg.machine);
    const none = inspectMachine(m, { view: 'its', its: 0, vm: 0 });
    expect(none.ok ? 'ok' : none.error).toBe('vm0 has no virtual ITS (KVM emulates none for it)');
  });
});

describe("a VM's guest physical memory in the memory views", () => {
  it("maps the vITS's queue and tables and the vgic's LPI tables in guest RAM, not the host's", () => {
    const { host, rows } = open();
    const at = first(rows, 'its.cmd', 'vm0.its0', /MAPTI/).seq + 1;
    const map = ok<MemoryMapView>(host.inspect(at, { view: 'memoryMap', vm: 0 }));
    expect(map.ram).toEqual([{ name: 'vm0.ram0', base: 0x4000_0000, size: 0x4000_0000 }]);
    expect(map.structures.map((s) => [s.name, s.base])).toEqual([
      ['vm0.its0 device table', 0x4010_0000],
      ['vm0.its0 collection table', 0x4011_0000],
      ['vm0.its0 command queue', 0x4012_0000],
      ['LPI property table of vm0.vcpu0, vm0.vcpu1', 0x4013_0000],
      ['LPI pending table of vm0.vcpu0', 0x4020_0000],
      ['LPI pending table of vm0.vcpu1', 0x4021_0000],
      ['vm0.its0 ITT of DeviceID 16', 0x4030_0000],
    ]);
    // Without `vm`, the host's physical memory: the guest never set up the host's ITS or LPIs.
    expect(ok<MemoryMapView>(host.inspect(at, { view: 'memoryMap' })).structures).toEqual([]);
    // The queue's slots, as the vITS read them (the same labels as the ITS view's queue).
    const d = ok<MemoryDump>(host.inspect(at, { view: 'memory', vm: 0, addr: 0x4012_0000, len: 128 }));
    const q = ok<QueueSlotsView>(host.inspect(at, { view: 'queue', its: 0, vm: 0, from: 0, count: 4 }));
    expect(d.entries.map((e) => [e.addr, e.label])).toEqual(
      q.window
        .filter((s) => !s.empty)
        .map((s) => [s.addr, `vm0.its0 queue slot ${s.slot} (${s.state}): ${s.text}`]),
    );
    expect(d.entries.map((e) => e.label.split(':')[1]!.trim().split(' ')[0])).toEqual([
      'MAPD',
      'MAPC',
      'MAPTI',
    ]);
    const hostBytes = ok<MemoryDump>(host.inspect(at, { view: 'memory', addr: 0x4012_0000, len: 128 }));
    expect(hostBytes.entries).toEqual([]);
    expect(hostBytes.bytes.some((b) => b !== 0)).toBe(false);
  });

  it('refuses a VM the machine lacks, with what is wrong', () => {
    const { host } = open();
    const err = (req: InspectRequest): string => {
      const r = host.inspect(10, req);
      return r.ok ? 'ok' : r.error;
    };
    expect(err({ view: 'memoryMap', vm: 1 })).toBe('there is no VM 1 (the machine runs 1)');
    expect(err({ view: 'memory', vm: -1, addr: 0x4000_0000, len: 16 })).toBe('-1 is not a VM index');
    expect(err({ view: 'memory', vm: 0, addr: 0x4000_0000, len: 'x' as unknown as number })).toBe(
      'x is not a length',
    );
    const c27 = new EngineHost();
    c27.load(readFileSync('public/scenarios/conformance/kut-c27-its-int-dev2.json', 'utf8'), 'c27.json');
    const r = c27.inspect(5, { view: 'memoryMap', vm: 0 });
    expect(r.ok ? 'ok' : r.error).toBe('this machine runs no VMs: it has no guest memory');
  });
});
