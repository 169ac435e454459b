/**
 * The 'icv-ack' and 'icv-eoi' inputs: the virtual CPU interface of a PE on the GICv4 direct path
 * (no hypervisor, no list registers), as the QEMU replay uses them for a nested guest's
 * ICV_IAR1_EL1 reads and ICV_EOIR1_EL1 writes of vLPIs.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from './machine';
import { resolveMachine } from './machine-config';

const VPT = 0x4977_0000;
const VCONF = 0x4976_0000;

function machine(gic: 3 | 4): Machine {
  const r = resolveMachine({
    profile: 'qemu',
    gic,
    cpus: 2,
    memory: [{ name: 'ram', base: 0x4000_0000, size: 0x1000_0000 }],
    software: { all: 'masked' },
  });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return Machine.create(r.machine);
}

/** vLPIs `pending` configured (enabled, priority `prio` each) and pending in the VPT; the vPE resident on PE 0. */
function resident(pending: [vintid: number, prio: number][]): Machine {
  const m = machine(4);
  const rd = m.s.gic.cfg.redistBase;
  const vpt = new Map<number, number>();
  for (const [vintid, prio] of pending) {
    m.input({ kind: 'mem-write', addr: VCONF + vintid - 8192, bytes: [prio | 3] });
    const byte = VPT + Math.floor(vintid / 8);
    vpt.set(byte, (vpt.get(byte) ?? 0) | (1 << (vintid % 8)));
  }
  for (const [addr, bits] of vpt) m.input({ kind: 'mem-write', addr, bytes: [bits] });
  const w = (off: number, value: bigint) =>
    m.input({ kind: 'mmio', addr: rd + off, width: 64, write: true, value, by: 'test' });
  w(0x20070, BigInt(VCONF) | 0xfn);
  w(0x20078, (1n << 63n) | BigInt(VPT));
  m.run({ maxEvents: 10_000 });
  return m;
}

function ack(m: Machine, cpu: number): { kind: string; intid: number; data: Record<string, unknown> } {
  const seq = m.input({ kind: 'icv-ack', cpu });
  m.run({ maxEvents: 10_000 });
  const e = m.log.get(seq)!;
  return { kind: e.kind, intid: e.intid ?? -1, data: e.data as Record<string, unknown> };
}

describe("'icv-ack' and 'icv-eoi': the virtual CPU interface on the direct vLPI path", () => {
  it("acknowledges the resident vPE's best vLPI (priority, then lowest vINTID), clearing its VPT bit", () => {
    const m = resident([
      [8200, 0xa0],
      [8195, 0xa0],
      [8193, 0xc0],
    ]);
    const a = ack(m, 0);
    expect(a).toMatchObject({ kind: 'icv.vlpi.ack', intid: 8195 });
    expect(a.data).toMatchObject({ reg: 'ICV_IAR1_EL1', intid: 8195, prio: 0xa0, resident: true, vpt: VPT });
    expect(ack(m, 0).intid).toBe(8200);
    expect(ack(m, 0).intid).toBe(8193);
    const none = ack(m, 0);
    expect(none).toMatchObject({ kind: 'icv.vlpi.ack', intid: -1 });
    expect(none.data).toMatchObject({ intid: 1023, resident: true });
    expect(ack(m, 1).data).toMatchObject({ intid: 1023, resident: false });
  });

  it('emits one event for an EOI of a vLPI; refuses other vINTIDs and a GICv3', () => {
    const m = resident([[8192, 0xa0]]);
    ack(m, 0);
    const seq = m.input({ kind: 'icv-eoi', cpu: 0, intid: 8192 });
    expect(m.seq).toBe(seq + 1);
    expect(m.log.get(seq)).toMatchObject({
      kind: 'icv.vlpi.eoi',
      intid: 8192,
      data: { reg: 'ICV_EOIR1_EL1' },
    });

    const lr = m.input({ kind: 'icv-eoi', cpu: 0, intid: 27 });
    expect(m.log.get(lr)).toMatchObject({ kind: 'input.bad', data: { input: 'icv-eoi' } });
    expect((m.log.get(lr)!.data as { problem: string }).problem).toMatch(/not a vLPI/);

    const v3 = machine(3);
    const bad = v3.input({ kind: 'icv-ack', cpu: 0 });
    expect(v3.log.get(bad)).toMatchObject({
      kind: 'input.bad',
      data: { problem: 'a GICv3 has no virtual LPIs to acknowledge' },
    });
    const pe = m.input({ kind: 'icv-ack', cpu: 5 });
    expect(m.log.get(pe)).toMatchObject({ kind: 'input.bad' });
  });
});
