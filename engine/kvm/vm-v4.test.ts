import { describe, expect, it } from 'vitest';
import './kvm-extension';
import type { Machine } from '../platform/machine';
import type { KvmInput } from './kvm-input-types';
import { dumpFrom, eventsFrom, itsCmd } from './vm-fixture';
import { fire, guest, v4Machine } from './v4-fixture';
import { memoryMap } from '../platform/memory-inspect';

const commands = (m: Machine, from = 0) =>
  eventsFrom(m, from)
    .filter(
      (e) =>
        e.kind === 'its.cmd' &&
        e.unit === m.log.get(e.seq)!.unit &&
        !String(m.log.get(e.seq)!.unit).startsWith('vm'),
    )
    .map(
      (e) =>
        (e.data as { command: string; outcome: string }).command +
        ':' +
        (e.data as { outcome: string }).outcome,
    );

describe('GICv4 direct injection (KVM vgic-v4)', () => {
  it('vgic_v4_init maps a vPE per vCPU; pairing VFIO with the irqfd forwards the event as a vLPI (DISCARD, VMAPTI)', () => {
    const m = v4Machine();
    const text = dumpFrom(m);
    const v4 = m.s.kvm!.vms[0]!.v4!;
    expect(v4, text).toBeDefined();
    expect(v4.vpes.map((p) => p.vpeid)).toEqual([0, 1]);
    expect(
      v4.forwarded.map((f) => [f.vintid, f.hostIntid, f.devid, f.eventid]),
      text,
    ).toEqual([[8192, 8200, 16, 0]]);
    const cmds = commands(m);
    expect(cmds, text).toContain('VMAPP:ok');
    expect(cmds, text).toContain('VMAPTI:ok');
    expect(
      cmds.filter((c) => c.endsWith(':error') || c.endsWith(':stall')),
      text,
    ).toEqual([]);
    // Both vCPUs' vPEs are resident where they run.
    expect(
      m.s.gic.rd.map((rd) => rd.vpendbaser >> 63n),
      text,
    ).toEqual([1n, 1n]);
  });

  it("a device's MSI reaches the running guest as a vLPI: no exit, no VFIO handler, no list register", () => {
    const m = v4Machine();
    const from = fire(m);
    const ev = eventsFrom(m, from);
    const text = dumpFrom(m, from);
    const kinds = ev.map((e) => e.kind);
    expect(kinds, text).toContain('gicr.vlpi');
    expect(kinds, text).not.toContain('vfio.irq');
    expect(kinds, text).not.toContain('vcpu.exit');
    const ack = ev.find((e) => e.kind === 'icv.ack')!;
    expect(ack?.intid, text).toBe(8192);
    expect((ack.data as { direct?: boolean }).direct, text).toBe(true);
    expect(m.s.kvm!.vms[0]!.guest[1]!.acked[8192], text).toBe(1);
  });

  it('a blocked vCPU: the vLPI is recorded in its VPT, the doorbell rings, the vCPU wakes and takes it without KVM injecting', () => {
    const m = v4Machine({ idle: 'wfi' });
    // vCPU 1 has nothing to run: it blocks in WFI (its vPE goes non-resident with a doorbell).
    m.run({ until: m.time + 100_000 });
    expect(m.s.kvm!.vms[0]!.run.vcpus[1]!.mode, dumpFrom(m)).toBe('blocked');
    const from = fire(m);
    const ev = eventsFrom(m, from);
    const text = dumpFrom(m, from);
    const order = ['gicr.vlpi', 'gicr.doorbell', 'kvm.v4.doorbell', 'vcpu.kick', 'vcpu.entry', 'icv.ack'];
    let at = -1;
    for (const k of order) {
      const i = ev.findIndex((e, j) => j > at && e.kind === k);
      expect(i, `${k}\n${text}`).toBeGreaterThan(at);
      at = i;
    }
    expect((ev.find((e) => e.kind === 'gicr.vlpi')!.data as { resident: boolean }).resident).toBe(false);
    expect(m.s.kvm!.vms[0]!.guest[1]!.acked[8192], text).toBe(1);
    expect(
      ev.filter((e) => e.kind === 'vgic.lpi.pending'),
      text,
    ).toEqual([]);
  });

  it('with gicv4 off for the VM the same MSI takes the software path', () => {
    const m = v4Machine({ gicv4: false });
    const from = fire(m);
    const kinds = eventsFrom(m, from).map((e) => e.kind);
    expect(kinds).toContain('vfio.irq');
    expect(kinds).not.toContain('gicr.vlpi');
    expect(m.s.kvm!.vms[0]!.guest[1]!.acked[8192]).toBe(1);
  });
});

/** The host commands issued from event `from` on, as 'NAME:outcome'. */
const hostCommands = (m: Machine, from: number): string[] =>
  eventsFrom(m, from)
    .filter((e) => e.kind === 'its.cmd' && e.unit === 'its0')
    .map((e) => `${(e.data as { command: string }).command}:${(e.data as { outcome: string }).outcome}`);

/** Runs a guest line on vCPU 0 and lets the machine settle. */
function guestDoes(m: Machine, op: Extract<KvmInput, { kind: 'guest' }>['op']): number {
  const from = m.log.length;
  m.input(guest(0, op));
  m.run({ until: m.time + 200_000 });
  return from;
}

describe("guest commands on a forwarded LPI (the vITS's hooks into vgic-v4)", () => {
  it('INV: the new configuration is copied into the vLPI property page and the host ITS reloads it (INV + VSYNC)', () => {
    const m = v4Machine();
    guestDoes(m, { kind: 'lpi-config', intid: 8192, value: 0x81 });
    const from = guestDoes(m, itsCmd('INV', { DeviceID: 16n, EventID: 0n }));
    const text = dumpFrom(m, from);
    expect(hostCommands(m, from), text).toEqual(['INV:ok', 'VSYNC:ok']);
    const cfg = eventsFrom(m, from).find((e) => e.kind === 'kvm.v4.config');
    expect((cfg?.data as { byte: string }).byte, text).toBe('0x83');
  });

  it('INT: the pending state is set in the hardware (host INT + VSYNC) and the vLPI reaches the guest directly', () => {
    const m = v4Machine();
    const from = guestDoes(m, itsCmd('INT', { DeviceID: 16n, EventID: 0n }));
    const text = dumpFrom(m, from);
    expect(hostCommands(m, from), text).toEqual(['INT:ok', 'VSYNC:ok']);
    expect(m.s.kvm!.vms[0]!.guest[1]!.acked[8192], text).toBe(1);
  });

  it('MOVI to vCPU 0: the vLPI follows in the hardware (VMOVI + VSYNC) and the next MSI is taken on vCPU 0', () => {
    const m = v4Machine();
    guestDoes(m, itsCmd('MAPC', { ICID: 0n, RDbase: 0n, V: 1n }));
    m.input(
      guest(0, { kind: 'mmio', addr: 0x080a_0000 + 0x78, width: 64, write: true, value: 0x4020_0000n }),
    );
    m.input(guest(0, { kind: 'mmio', addr: 0x080a_0000, width: 32, write: true, value: 1n }));
    m.run({ until: m.time + 200_000 });
    const from = guestDoes(m, itsCmd('MOVI', { DeviceID: 16n, EventID: 0n, ICID: 0n }));
    const text = dumpFrom(m, from);
    expect(hostCommands(m, from), text).toEqual(['VMOVI:ok', 'VSYNC:ok']);
    fire(m);
    expect(m.s.kvm!.vms[0]!.guest[0]!.acked[8192], dumpFrom(m, from)).toBe(1);
  });

  it('DISCARD then MAPTI without VFIO being told: forwarding is undone and the MSI falls back to the software path', () => {
    const m = v4Machine();
    let from = guestDoes(m, itsCmd('DISCARD', { DeviceID: 16n, EventID: 0n }));
    let text = dumpFrom(m, from);
    expect(hostCommands(m, from), text).toEqual([
      'DISCARD:ok',
      'SYNC:ok',
      'MAPTI:ok',
      'SYNC:ok',
      'INV:ok',
      'SYNC:ok',
    ]);
    expect(m.s.kvm!.vms[0]!.v4!.forwarded, text).toEqual([]);
    guestDoes(m, itsCmd('MAPTI', { DeviceID: 16n, EventID: 0n, pINTID: 8192n, ICID: 1n }));
    from = fire(m);
    text = dumpFrom(m, from);
    const kinds = eventsFrom(m, from).map((e) => e.kind);
    expect(kinds, text).toContain('vfio.irq');
    expect(kinds, text).not.toContain('gicr.vlpi');
    expect(m.s.kvm!.vms[0]!.guest[1]!.acked[8192], text).toBe(1);
  });
});

describe('the GICv4.0 doorbell proxy device (QEMU: no GICR_TYPER.DirectLPI)', () => {
  it('vgic_v4_init maps DeviceID 0xffff; blocking unmasks the doorbell with INV + SYNC on the proxy, each load CLEARs it', () => {
    const m = v4Machine({ profile: 'qemu', idle: 'wfi' });
    m.run({ until: m.time + 100_000 });
    const text = dumpFrom(m);
    const cmds = eventsFrom(m)
      .filter((e) => e.kind === 'its.cmd' && e.unit === 'its0')
      .map(
        (e) =>
          `${(e.data as { command: string }).command}:${(e.data as { fields: Record<string, string> }).fields.DeviceID ?? ''}`,
      );
    expect(cmds, text).toContain('MAPD:0xffff');
    expect(cmds, text).toContain('MAPTI:0xffff');
    expect(cmds, text).toContain('INV:0xffff');
    expect(cmds, text).toContain('CLEAR:0xffff');
    const from = fire(m);
    expect(m.s.kvm!.vms[0]!.guest[1]!.acked[8192], dumpFrom(m, from)).toBe(1);
  });
});

describe('GICv4.1', () => {
  it('a blocked vCPU asks for a doorbell with VPENDBASER.DB; the default doorbell rings once and the vCPU takes the vLPI', () => {
    const m = v4Machine({ gic: 4.1, idle: 'wfi' });
    m.run({ until: m.time + 100_000 });
    const from = fire(m);
    const ev = eventsFrom(m, from);
    const text = dumpFrom(m, from);
    expect(ev.filter((e) => e.kind === 'gicr.doorbell').length, text).toBe(1);
    expect(m.s.kvm!.vms[0]!.guest[1]!.acked[8192], text).toBe(1);
  });
});

describe("the host's memory map on a GICv4", () => {
  it("names each vPE's virtual pending table (from the ITS's vPE table) and the vLPI property table", () => {
    const m = v4Machine();
    const map = memoryMap(m);
    const vpts = map.structures.filter((s) => s.name.startsWith('virtual pending table'));
    expect(vpts.map((s) => s.name)).toEqual([
      'virtual pending table of vPE 0',
      'virtual pending table of vPE 1',
    ]);
    expect(vpts.every((s) => s.size === 0x2000 && /resident on redistributor/.test(s.note ?? ''))).toBe(true);
    expect(map.structures.some((s) => s.name.startsWith('vLPI property table'))).toBe(true);
  });
});

describe('an ITS without GITS_TYPER.VMOVP (the ITS list)', () => {
  it('maps the vPEs lazily, at the first vLPI, and numbers each VMOVP with a sequence and the ITS list', () => {
    const m = v4Machine({ vmovp: false, idle: 'wfi' });
    const text = dumpFrom(m);
    const seqOf = (kind: string, command?: string): number[] =>
      eventsFrom(m)
        .filter((e) => e.kind === kind && (!command || (e.data as { command: string }).command === command))
        .map((e) => e.seq);
    // No VMAPP until VFIO and the irqfd pair up, then VMAPP before the VMAPTI (lazy: its_map_vm).
    const pairing = seqOf('vfio.set-irqs')[0]!;
    const vmapp = seqOf('its.cmd', 'VMAPP');
    expect(vmapp.length, text).toBe(2);
    expect(Math.min(...vmapp), text).toBeGreaterThan(pairing);
    expect(Math.max(...vmapp), text).toBeLessThan(seqOf('its.cmd', 'VMAPTI')[0]!);
    // vCPU 1 blocks, then moves to pCPU 0 and wakes: a VMOVP with ITSList bit 0 and a sequence.
    m.run({ until: m.time + 100_000 });
    m.input({ kind: 'vcpu-pin', vm: 0, vcpu: 1, pcpu: 0 });
    m.run({ until: m.time + 100_000 });
    const from = fire(m);
    const vmovp = eventsFrom(m, from).filter(
      (e) => e.kind === 'its.cmd' && (e.data as { command: string }).command === 'VMOVP',
    );
    expect(vmovp.length, dumpFrom(m, from)).toBe(1);
    const f = (vmovp[0]!.data as { fields: Record<string, string> }).fields;
    expect(f.ITSList).toBe('0x1');
    expect(m.s.kvm!.vms[0]!.guest[1]!.acked[8192], dumpFrom(m, from)).toBe(1);
  });
});
