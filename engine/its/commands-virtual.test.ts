/**
 * Reference tests for GICv4 at the ITS: the V* commands, virtual ITEs under INT/CLEAR/DISCARD/INV
 * and MSIs, the vPE table, GITS_SGIR, and the registers a GICv4's ITS reports. Profiles qemu (QEMU
 * 7.2, GICv4.0 only) and spec (the architecture, GICv4.0 and GICv4.1).
 *
 * Expectations come from ../shared/domain/gic-its-kvm-reference.md (§2.3 GITS_TYPER and GITS_SGIR,
 * §3.2 command layouts, §3.3 V* semantics and QEMU's check order, §4.3 BASER types, §4.5 QEMU's
 * VTE and ITE formats, §8.1) and the project's notes on QEMU's arm_gicv3_its.c (process_vmapp,
 * process_vmapti, process_vmovi, process_vmovp, process_its_cmd_virt), plus the real QEMU trace of
 * ../shared/conformance/qemu/v4nested (GITS_TYPER, GITS_BASER2 and PIDR2 reads). They are not
 * derived from the engine's rule tables. Table entries are checked as the bytes in memory, decoded
 * here from the reference's layouts.
 *
 * The machine is driven through the command language, as the other reference tests do: a GICv4
 * machine of four PEs with a device table, a collection table, a vPE table (GITS_BASER2) and a
 * command queue, LPIs on, and (GICv4.0) every redistributor's GICR_VPROPBASER at one vLPI
 * configuration table.
 */

import { describe, expect, it } from 'vitest';
import { vlpiBest, vptBit } from '../gic/vlpi';
import { memReadU32 } from '../mem/memory';
import type { Machine } from '../platform/machine';
import { resolveMachine } from '../platform/machine-config';
import { formatDiagnostic, loadScenario } from '../scenario/loader';
import { ScenarioRun } from '../scenario/runner';
import type { CommandEventData } from './command-queue';
import { itt, vpes } from './its-inspect';

// ---------------------------------------------------------------- harness

type Profile = 'qemu' | 'spec';
const BOTH: readonly Profile[] = ['qemu', 'spec'];
type Gic = 3 | 4 | 4.1;

interface Step {
  actions?: string[];
  expect?: string[];
}

interface Options {
  gic?: Gic;
  /** Extra machine fields (its: [...]). */
  machine?: Record<string, unknown>;
  /** ITSs to bring up (default 1). */
  itss?: number;
}

const CPUS = 4;
/** Where ITS k's tables and queue are (64 KiB each, flat). */
const DEVICE_TABLE = (k: number) => 0x4010_0000 + k * 0x10_0000;
const COLLECTION_TABLE = (k: number) => 0x4011_0000 + k * 0x10_0000;
const QUEUE = (k: number) => 0x4012_0000 + k * 0x10_0000;
const VPE_TABLE = (k: number) => 0x4014_0000 + k * 0x10_0000;
/** vPE n's virtual pending table; the vLPI configuration table every vPE shares. */
const VPT = (n: number) => 0x4040_0000 + n * 0x1_0000;
const VCONF = 0x4050_0000;
const ITT = 0x4030_0000;

const h = (n: number | bigint): string => `0x${n.toString(16)}`;

function bringUp(gic: Gic, itss: number): string[] {
  const a: string[] = [];
  for (let k = 0; k < itss; k++)
    a.push(
      `write64 its${k} GITS_BASER0 ${h(0xb907_0000_0000_0600n | BigInt(DEVICE_TABLE(k)))}`,
      `write64 its${k} GITS_BASER1 ${h(0xbc07_0000_0000_0600n | BigInt(COLLECTION_TABLE(k)))}`,
      // Valid, 64 KiB pages, one page; Type and Entry_Size are read-only.
      `write64 its${k} GITS_BASER2 ${h(0x8000_0000_0000_0200n | BigInt(VPE_TABLE(k)))}`,
      `write64 its${k} GITS_CBASER ${h(0x8000_0000_0000_000fn | BigInt(QUEUE(k)))}`,
      `write64 its${k} GITS_CWRITER 0`,
    );
  a.push('write GICD_CTLR 0x13');
  for (let n = 1; n <= 8; n++) a.push(`write GICD_IGROUPR${n} 0xffffffff`);
  for (let c = 0; c < CPUS; c++)
    a.push(
      `write rd${c} GICR_WAKER 0`,
      `write rd${c} GICR_IGROUPR0 0xffffffff`,
      `cpu${c} write ICC_PMR_EL1 0xf0`,
      `cpu${c} write ICC_IGRPEN1_EL1 1`,
      `write64 rd${c} GICR_PROPBASER 0x4013000d`,
      `write64 rd${c} GICR_PENDBASER ${h(0x4020_0000 + c * 0x1_0000)}`,
    );
  // GICv4.0: the vLPI configuration table is the resident vPE's GICR_VPROPBASER (IDbits 15).
  if (gic === 4) for (let c = 0; c < CPUS; c++) a.push(`write64 rd${c} GICR_VPROPBASER ${h(VCONF + 0xf)}`);
  for (let c = 0; c < CPUS; c++) a.push(`write rd${c} GICR_CTLR |= 1`);
  for (let k = 0; k < itss; k++) a.push(`write its${k} GITS_CTLR 1`);
  return a;
}

interface Run {
  run: ScenarioRun;
  m: Machine;
  failed: string[];
  /** The commands ITS `its` consumed in test step `step`. */
  cmds(step: number, its?: number): CommandEventData[];
  /** The last command of test step `step`. */
  last(step: number): CommandEventData;
  /** The events of `kind` in test step `step`, with their data. */
  events(step: number, kind: string): { cpu?: number; intid?: number; data: Record<string, unknown> }[];
}

function runAll(profile: Profile, steps: Step[], o: Options = {}): Run {
  const gic = o.gic ?? 4;
  const all: Step[] = [{ actions: bringUp(gic, o.itss ?? 1) }, ...steps];
  const its = Array.from({ length: o.itss ?? 1 }, () => ({}));
  const text = JSON.stringify({
    format: 'giclab-scenario/1',
    id: 'virtual',
    title: 'GICv4 ITS reference test',
    machine: { profile, cpus: CPUS, gic, its, ...o.machine },
    steps: all.map((s, i) => ({ title: `step ${i}`, actions: s.actions ?? [], expect: s.expect ?? [] })),
  });
  const r = loadScenario(text, 'virtual.json');
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  const run = new ScenarioRun(r.scenario);
  const report = run.runAll();
  const failed: string[] = [];
  for (const s of report.steps) {
    const name = s.index === 0 ? 'bring-up' : `step ${s.index - 1}`;
    for (const a of s.actions) if (!a.ok) failed.push(`${name}: action '${a.text}' refused: ${a.message}`);
    for (const e of s.expectations) if (!e.ok) failed.push(`${name}: '${e.text}': ${e.message}`);
    for (const w of s.warnings) failed.push(`${name}: warning: ${w}`);
  }
  const m = run.machine;
  const range = (step: number) => run.results[step + 1]!;
  const events = (step: number, kind: string) => {
    const r = range(step);
    const out: { cpu?: number; intid?: number; data: Record<string, unknown> }[] = [];
    for (let s = r.from; s < r.to; s++)
      if (m.log.kindAt(s) === kind) {
        const e = m.log.get(s)!;
        out.push({ cpu: e.cpu, intid: e.intid, data: e.data as Record<string, unknown> });
      }
    return out;
  };
  const cmds = (step: number, its = 0) => {
    const r = range(step);
    const out: CommandEventData[] = [];
    for (let s = r.from; s < r.to; s++)
      if (m.log.kindAt(s) === 'its.cmd' && m.log.get(s)!.its === its)
        out.push(m.log.get(s)!.data as CommandEventData);
    return out;
  };
  return { run, m, failed, cmds, last: (step) => cmds(step).at(-1)!, events };
}

/** A little-endian doubleword of memory. */
const u64 = (m: Machine, addr: number): bigint =>
  (BigInt(memReadU32(m.s.mem, addr + 4)) << 32n) | BigInt(memReadU32(m.s.mem, addr));

/** §4.5: QEMU's VTE, Valid [0], VPTsize [5:1], VPTaddr [41:6] (address >> 16), RDbase [57:42]. */
const qemuVte = (vptSize: number, vpt: number, rdbase: number): bigint =>
  1n | (BigInt(vptSize) << 1n) | (BigInt(vpt / 0x10000) << 6n) | (BigInt(rdbase) << 42n);
/** §4.5: QEMU's 12-byte ITE, low 8 bytes: Valid [0], IntType [1] (0 virtual), IntNum [25:2], ICID [47:32], vPEID [63:48]. */
const qemuIte = (physical: boolean, intid: number, icid: number, vpeid: number): bigint =>
  1n | (physical ? 2n : 0n) | (BigInt(intid) << 2n) | (BigInt(icid) << 32n) | (BigInt(vpeid) << 48n);

/** VTE bytes per profile: QEMU's 8; the spec profile's 16 (GITS_BASER2.Entry_Size). */
const VTE_BYTES: Record<Profile, number> = { qemu: 8, spec: 16 };
const vteAddr = (p: Profile, vpeid: number, its = 0) => VPE_TABLE(its) + vpeid * VTE_BYTES[p];
/** Both profiles use QEMU's 12-byte ITEs on a GICv4. */
const iteAddr = (eventid: number) => ITT + eventid * 12;

const MAPD = 'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1';
const vmapp = (vpeid: number, rd: number, extra = '') =>
  `its VMAPP vPEID=${vpeid} RDbase=${rd} V=1 VPT_addr=${h(VPT(vpeid))} VPT_size=15${extra}`;
/** DeviceID 2 EventID `ev` -> vLPI `vintid` of vPE `vpeid`, doorbell `db`. */
const vmapti = (ev: number, vpeid: number, vintid: number, db = 1023) =>
  `its VMAPTI DeviceID=2 EventID=${ev} vPEID=${vpeid} vINTID=${vintid} Dbell_pINTID=${db}`;
/** The vLPI's byte in the shared vLPI configuration table. */
const vconf = (vintid: number, byte: number) => `mem write8 ${h(VCONF + vintid - 8192)} ${h(byte)}`;
/** GICv4.0: vPE n becomes resident on redistributor `rd` (GICR_VPENDBASER names its VPT). */
const resident40 = (rd: number, vpeid: number) =>
  `write64 rd${rd} GICR_VPENDBASER ${h(0x8000_0000_0000_0000n | BigInt(VPT(vpeid)))}`;
/** GICv4.1: vPE n becomes resident (GICR_VPENDBASER names its vPEID). */
const resident41 = (rd: number, vpeid: number) =>
  `write64 rd${rd} GICR_VPENDBASER ${h(0x8000_0000_0000_0000n | BigInt(vpeid))}`;

/** The error's reason of a command that failed, with how the profile treated it. */
const failure = (c: CommandEventData) => ({ outcome: c.outcome, action: c.action, reason: c.error?.reason });
/** qemu skips a failed command (CMD_CONTINUE); the spec profile stalls on it. */
const FAILED: Record<Profile, { outcome: string; action: string }> = {
  qemu: { outcome: 'error', action: 'skipped' },
  spec: { outcome: 'stall', action: 'stalled' },
};

// ---------------------------------------------------------------- registers

describe('a GICv4 ITS: GITS_TYPER, GITS_BASER2, PIDR2 (§2.3, §4.3, §8.1, trace v4nested)', () => {
  const reads = (r: Run, step: number) =>
    r.events(step, 'mmio.read').map((e) => [e.data.reg as string, BigInt(e.data.value as string)] as const);

  it('qemu: GITS_TYPER reads 0x3F0001EFB3 (Virtual, VMOVP) and every PIDR2 reads 0x4B (revision 4)', () => {
    const r = runAll('qemu', [
      { actions: ['read64 GITS_TYPER', 'read GITS_PIDR2', 'read GICD_PIDR2', 'read rd1 GICR_PIDR2'] },
    ]);
    expect(r.failed).toEqual([]);
    expect(reads(r, 0)).toEqual([
      ['GITS_TYPER', 0x3f0001efb3n],
      ['GITS_PIDR2', 0x4bn],
      ['GICD_PIDR2', 0x4bn],
      ['GICR_PIDR2', 0x4bn],
    ]);
  });

  it('qemu: on a GICv3 the PIDR2s read 0x3B and GITS_TYPER has no Virtual bit', () => {
    const r = runAll(
      'qemu',
      [{ actions: ['read64 GITS_TYPER', 'read GITS_PIDR2', 'read GICD_PIDR2', 'read GICR_PIDR2'] }],
      {
        gic: 3,
      },
    );
    expect(reads(r, 0).map(([, v]) => v)).toEqual([0x1f0001efb1n, 0x3bn, 0x3bn, 0x3bn]);
  });

  it('qemu: GITS_BASER2 resets to Type 2 (vPE), 8-byte entries, 64 KiB pages, and reads as the v4nested trace shows', () => {
    // The trace: reads of 0x207000000000000 after Linux wrote 0, then writes of 0x207000000000200,
    // 0x7800000000000400 (read back 0x7a07000000000400: Type and Entry_Size are read-only) and
    // 0xfa070000425b0600 (Valid, Indirect).
    const text = JSON.stringify({
      format: 'giclab-scenario/1',
      id: 'baser2',
      title: 'GITS_BASER2',
      machine: { profile: 'qemu', cpus: 2, gic: 4 },
      steps: [
        {
          title: 'the trace',
          actions: [
            'read64 GITS_BASER2',
            'write64 GITS_BASER2 0',
            'read64 GITS_BASER2',
            'write64 GITS_BASER2 0x207000000000200',
            'read64 GITS_BASER2',
            'write64 GITS_BASER2 0x7800000000000400',
            'read64 GITS_BASER2',
            'write64 GITS_BASER2 0xfa070000425b0600',
            'read64 GITS_BASER2',
            'read64 GITS_BASER3',
          ],
          expect: [],
        },
      ],
    });
    const loaded = loadScenario(text, 'baser2.json');
    if (!loaded.ok) throw new Error('scenario');
    const run = new ScenarioRun(loaded.scenario);
    run.runAll();
    const values: bigint[] = [];
    for (let s = 0; s < run.machine.log.length; s++)
      if (run.machine.log.kindAt(s) === 'mmio.read')
        values.push(BigInt((run.machine.log.get(s)!.data as { value: string }).value));
    expect(values).toEqual([
      0x0207_0000_0000_0200n,
      0x0207_0000_0000_0000n,
      0x0207_0000_0000_0200n,
      0x7a07_0000_0000_0400n,
      0xfa07_0000_425b_0600n,
      0n,
    ]);
  });

  it('spec: GICv4.0 reports Virtual, VMOVP and 12-byte ITEs; GICv4.1 adds VSGI and VMAPP; BASER2 has 16-byte entries', () => {
    const v40 = runAll('spec', [{ actions: ['read64 GITS_TYPER', 'read64 GITS_BASER2', 'read GITS_PIDR2'] }]);
    expect(reads(v40, 0).map(([, v]) => v)).toEqual([0x2000_01efb3n, 0x820f_0000_4014_0200n, 0x4bn]);
    const v41 = runAll('spec', [{ actions: ['read64 GITS_TYPER'] }], { gic: 4.1 });
    expect(reads(v41, 0).map(([, v]) => v)).toEqual([0x1a0_0001_efb3n]);
  });

  it('spec: its[].vmovp = false clears GITS_TYPER.VMOVP', () => {
    const r = runAll('spec', [{ actions: ['read64 GITS_TYPER'] }], { machine: { its: [{ vmovp: false }] } });
    expect(reads(r, 0).map(([, v]) => v)).toEqual([0x01efb3n]);
  });

  it('kvm: a GICv4 changes nothing for the vITS: GITS_TYPER 0x1EF71, no BASER2, V* commands dropped', () => {
    const m = resolveMachine({ profile: 'kvm', gic: 4 });
    expect(m.ok).toBe(true);
    const text = JSON.stringify({
      format: 'giclab-scenario/1',
      id: 'kvm',
      title: 'kvm',
      machine: { profile: 'kvm', cpus: 2, gic: 4 },
      steps: [
        {
          title: 'x',
          actions: [
            'write64 GITS_BASER0 0x8107000040100200',
            'write64 GITS_BASER1 0x8407000040110200',
            'write64 GITS_CBASER 0x800000004012000f',
            'write GITS_CTLR 1',
            'read64 GITS_TYPER',
            'read64 GITS_BASER2',
            'its VMAPP vPEID=1 RDbase=0 V=1 VPT_addr=0x40400000 VPT_size=15',
          ],
          expect: [],
        },
      ],
    });
    const loaded = loadScenario(text, 'kvm.json');
    if (!loaded.ok) throw new Error('scenario');
    const run = new ScenarioRun(loaded.scenario);
    run.runAll();
    const log = run.machine.log;
    const vals: bigint[] = [];
    let cmd: CommandEventData | undefined;
    for (let s = 0; s < log.length; s++) {
      if (log.kindAt(s) === 'mmio.read') vals.push(BigInt((log.get(s)!.data as { value: string }).value));
      if (log.kindAt(s) === 'its.cmd') cmd = log.get(s)!.data as CommandEventData;
    }
    expect(vals).toEqual([0x1ef71n, 0n]);
    expect(cmd).toMatchObject({
      command: 'VMAPP',
      outcome: 'error',
      action: 'dropped',
      error: { reason: 'VMAPP is a GICv4 command and this ITS has no virtual LPI support' },
    });
  });

  it('refuses a qemu machine with a GICv4.1, and accepts its[].vmovp', () => {
    const r = resolveMachine({ profile: 'qemu', gic: 4.1 });
    expect(r).toEqual({
      ok: false,
      problems: ['gic: QEMU 7.2 models GICv4.0 only; use gic 4 or the spec profile'],
    });
    const s = loadScenario(
      JSON.stringify({
        format: 'giclab-scenario/1',
        id: 'v',
        title: 'v',
        machine: { profile: 'spec', gic: 4, its: [{ vmovp: false }] },
        steps: [{ title: 'nothing', actions: [], expect: [] }],
      }),
      'v.json',
    );
    expect(s.ok).toBe(true);
    if (s.ok) expect(s.scenario.machine.its[0]!.vmovp).toBe(false);
  });

  it('spec: a GICv4.1 ITS has a third 64 KiB frame (GITS_SGIR at +0x20020), placed after the redistributors', () => {
    const r = resolveMachine({ profile: 'spec', gic: 4.1 });
    if (!r.ok) throw new Error(r.problems.join('; '));
    // Four redistributors of 256 KiB from 0x080a0000 end at 0x081a0000.
    expect(r.machine.its.map((c) => c.base)).toEqual([0x081a_0000]);
    // A second ITS must not overlap the first one's three frames.
    const bad = resolveMachine({ profile: 'spec', gic: 4.1, its: [{}, { base: 0x081c_0000 }] });
    expect(bad.ok).toBe(false);
    const v40 = resolveMachine({ profile: 'spec', gic: 4, its: [{}, { base: 0x081c_0000 }] });
    expect(v40.ok).toBe(true);
  });
});

// ---------------------------------------------------------------- VMAPP

describe('VMAPP (§3.3, §4.5)', () => {
  it.each(BOTH)('%s: writes the VTE (V = 1) and clears it (V = 0)', (p) => {
    const r = runAll(p, [{ actions: [vmapp(1, 2), vmapp(5, 3)] }, { actions: ['its VMAPP vPEID=5 V=0'] }]);
    expect(r.failed).toEqual([]);
    expect(r.cmds(0).map((c) => c.outcome)).toEqual(['ok', 'ok']);
    expect(u64(r.m, vteAddr(p, 1))).toBe(qemuVte(15, VPT(1), 2));
    // The spec profile's second doubleword (Default_Doorbell, VCONF_addr) is GICv4.1's: on a
    // GICv4.0 it holds no doorbell (1023) and no configuration table.
    if (p === 'spec') expect(u64(r.m, vteAddr(p, 1) + 8)).toBe(1023n);
    expect(u64(r.m, vteAddr(p, 5))).toBe(0n);
    // The inspector lists what the ITS's own lookup finds.
    const v = vpes(r.m, 0);
    if (!v.ok) throw new Error(v.error);
    expect(
      v.vpes.map(({ vpeid, vpt, vptBits, target, addr }) => ({ vpeid, vpt, vptBits, target, addr })),
    ).toEqual([{ vpeid: 1, vpt: VPT(1), vptBits: 16, target: 2, addr: vteAddr(p, 1) }]);
    expect(v.table).toMatchObject({ typeName: 'vPEs', entrySize: VTE_BYTES[p], base: VPE_TABLE(0) });
  });

  it.each(BOTH)(
    '%s: VPT_size beyond the ID bits, an RDbase naming no PE, or a vPEID beyond the table fail',
    (p) => {
      // QEMU's order: VPT_size > GITS_TYPER.ID_bits, then (V) RDbase >= num_cpu, then vPEID >= entries.
      const entries = 0x1_0000 / VTE_BYTES[p];
      const cases: [string, string][] = [
        [
          'its VMAPP vPEID=1 RDbase=9 V=1 VPT_addr=0x40410000 VPT_size=16',
          p === 'qemu'
            ? 'VPT_size 16 asks for 17 vINTID bits; GITS_TYPER.ID_bits allows 16'
            : 'VPT_size 16 asks for 17 vINTID bits; the GIC has 16',
        ],
        [
          `its VMAPP vPEID=${entries} RDbase=4 V=1 VPT_addr=0x40410000 VPT_size=15`,
          'RDbase 0x4 names no redistributor',
        ],
        [
          `its VMAPP vPEID=${entries} RDbase=0 V=1 VPT_addr=0x40410000 VPT_size=15`,
          `vPEID ${entries}: ID ${entries} is beyond the flat vPE table (${entries} entries)`,
        ],
      ];
      for (const [cmd, reason] of cases) {
        const r = runAll(p, [{ actions: [cmd] }]);
        expect(failure(r.last(0)), cmd).toEqual({ ...FAILED[p], reason });
      }
    },
  );

  it('qemu checks VPT_size even when unmapping; the spec profile ignores it there', () => {
    const q = runAll('qemu', [{ actions: ['its VMAPP vPEID=1 V=0 VPT_size=20'] }]);
    expect(q.last(0).outcome).toBe('error');
    const s = runAll('spec', [{ actions: ['its VMAPP vPEID=1 V=0 VPT_size=20'] }]);
    expect(s.last(0).outcome).toBe('ok');
  });

  it.each(BOTH)('%s: a vPE table whose GITS_BASER2 is not valid has no entries', (p) => {
    const r = runAll(p, [
      { actions: ['write GITS_CTLR 0', 'write64 GITS_BASER2 0', 'write GITS_CTLR 1', vmapp(1, 0)] },
    ]);
    expect(failure(r.last(0))).toEqual({
      ...FAILED[p],
      reason: 'vPEID 1: GITS_BASER2 (vPE table) is not valid',
    });
  });

  it('spec GICv4.1: the GIC learns the vPE (Alloc = 1), forgets it on its last unmap, and says when it is still resident', () => {
    const r = runAll(
      'spec',
      [
        { actions: [vmapp(1, 2, ` VCONF_addr=${h(VCONF)} Default_Doorbell=8300 Alloc=1`)] },
        { actions: [resident41(2, 1), 'its VMAPP vPEID=1 V=0 Alloc=0'] },
        { actions: ['its VMAPP vPEID=1 V=0 Alloc=1'] },
      ],
      { gic: 4.1 },
    );
    expect(r.failed).toEqual([]);
    // The 16-byte VTE's second doubleword: Default_Doorbell [31:0], VCONF_addr >> 16 [63:32].
    expect(r.last(0).touches.find((t) => t.table === 'vpe')).toMatchObject({
      op: 'write',
      addr: vteAddr('spec', 1),
      size: 16,
      fields: { Valid: true, Default_Doorbell: 8300, VCONF_addr: VCONF, RDbase: 2 },
    });
    expect(r.last(0).effects).toContain("the GIC's vPE table now holds vPE 1 (redistributor 2)");
    expect(r.last(1).effects).toContain(
      'Alloc = 0: other ITSs still map vPE 1, so the GIC keeps its configuration',
    );
    expect(r.last(2).effects).toContain(
      'UNPREDICTABLE: vPE 1 is still resident on redistributor 2 while it is unmapped; nothing more can be delivered to it',
    );
    expect(r.m.s.gic.vpes.has(1)).toBe(false);
  });
});

// ---------------------------------------------------------------- VMAPTI / VMAPI

describe('VMAPTI and VMAPI (§3.3, §4.5)', () => {
  it.each(BOTH)(
    '%s: write a virtual ITE (IntType 0, ICID 0, vPEID, doorbell); VMAPI takes the EventID as vINTID',
    (p) => {
      const r2 = runAll(p, [
        {
          actions: [
            MAPD,
            vmapti(20, 1, 8195, 8200),
            'its VMAPI DeviceID=2 EventID=200 vPEID=3 Dbell_pINTID=1023',
          ],
        },
      ]);
      expect(r2.failed).toEqual([]);
      expect(u64(r2.m, iteAddr(20))).toBe(qemuIte(false, 8195, 0, 1));
      expect(memReadU32(r2.m.s.mem, iteAddr(20) + 8)).toBe(8200);
      // VMAPI: vINTID = EventID = 200, which is no LPI: refused.
      expect(failure(r2.last(0))).toEqual({ ...FAILED[p], reason: 'vINTID 200 is outside [8192, 65536)' });
      const r3 = runAll(p, [
        {
          actions: [
            'its MAPD DeviceID=2 Size=15 ITT_addr=0x40300000 V=1',
            'its VMAPI DeviceID=2 EventID=8300 vPEID=3 Dbell_pINTID=1023',
          ],
        },
      ]);
      expect(r3.last(0).outcome).toBe('ok');
      expect(u64(r3.m, iteAddr(8300))).toBe(qemuIte(false, 8300, 0, 3));
      expect(memReadU32(r3.m.s.mem, iteAddr(8300) + 8)).toBe(1023);
      // The ITT view shows the virtual event.
      const view = itt(r2.m, 0, 2);
      if (!view.ok) throw new Error(view.error);
      expect(view.events).toEqual([
        {
          eventid: 20,
          intid: 8195,
          icid: 0,
          addr: iteAddr(20),
          target: -1,
          physical: false,
          virtual: { vintid: 8195, vpeid: 1, doorbell: 8200, cpu: -1 },
        },
      ]);
    },
  );

  it.each(BOTH)('%s: the checks, in QEMU order', (p) => {
    const entries = 0x1_0000 / VTE_BYTES[p];
    const cases: [string[], string][] = [
      // 1. DeviceID within the device table (64 KiB of 8-byte DTEs).
      [
        ['its VMAPTI DeviceID=8192 EventID=0 vPEID=1 vINTID=8195 Dbell_pINTID=1023'],
        'ID 8192 is beyond the flat device table (8192 entries)',
      ],
      // 2. The DTE valid (checked before the vINTID, which is also wrong here).
      [
        ['its VMAPTI DeviceID=3 EventID=0 vPEID=1 vINTID=5 Dbell_pINTID=1023'],
        'the DTE of DeviceID 3 is not valid',
      ],
      // 3. EventID within the device's EventID bits.
      [
        [MAPD, 'its VMAPTI DeviceID=2 EventID=256 vPEID=1 vINTID=5'],
        "EventID 256 is beyond DeviceID 2's 8-bit EventID space",
      ],
      // 4. vINTID an LPI below 2^16.
      [[MAPD, vmapti(0, 1, 8191)], 'vINTID 8191 is outside [8192, 65536)'],
      [[MAPD, vmapti(0, 1, 65536)], 'vINTID 65536 is outside [8192, 65536)'],
      // 5. The doorbell 1023 or an LPI.
      [
        [MAPD, vmapti(0, 1, 8195, 5000)],
        'Dbell_pINTID 5000 is neither 1023 (no doorbell) nor an LPI in [8192, 65536)',
      ],
      // 6. vPEID within the vPE table; the vPE need not be mapped.
      [
        [MAPD, vmapti(0, entries, 8195)],
        `vPEID ${entries}: ID ${entries} is beyond the flat vPE table (${entries} entries)`,
      ],
    ];
    for (const [actions, reason] of cases) {
      const r = runAll(p, [{ actions }]);
      expect(failure(r.last(0)), actions.at(-1)).toEqual({ ...FAILED[p], reason });
    }
    const ok = runAll(p, [{ actions: [MAPD, vmapti(0, entries - 1, 8195)] }]);
    expect(ok.last(0).outcome).toBe('ok');
  });

  it('spec: a translation cached while the event was physical is not used after VMAPTI remaps it', () => {
    const r = runAll('spec', [
      {
        actions: [
          MAPD,
          'its MAPC ICID=3 RDbase=3 V=1',
          'lpi-config 8195 0xa3',
          'its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=3',
          'msi rid=2 20',
        ],
        expect: ['expect deliveries cpu3:8195'],
      },
      { actions: [vmapp(1, 0), vmapti(20, 1, 8195), 'msi rid=2 20'], expect: ['expect deliveries none'] },
    ]);
    expect(r.failed).toEqual([]);
    expect(r.m.s.its[0]!.cache.size).toBe(0);
    expect(r.events(1, 'its.cache').map((e) => e.data.hit)).toEqual([false]);
    expect(r.events(1, 'gicr.vlpi').map((e) => e.data.done)).toEqual(['recorded']);
    expect(vptBit(r.m, VPT(1), 8195)).toBe(true);
  });
});

// ---------------------------------------------------------------- MSIs to virtual events

describe('an MSI to a virtual event (§3.3 INT, research §2)', () => {
  const setup = [MAPD, vmapp(1, 0), vmapti(20, 1, 8195, 8200), vconf(8195, 0xa3), 'lpi-config 8200 0xa3'];

  it.each(BOTH)(
    '%s: reaches a vPE resident on its redistributor: the vLPI is presented (hppvlpi), no doorbell',
    (p) => {
      const r = runAll(p, [
        { actions: [...setup, resident40(0, 1)] },
        { actions: ['msi rid=2 20'], expect: ['expect deliveries none'] },
      ]);
      expect(r.failed).toEqual([]);
      expect(r.events(1, 'its.vte').map((e) => [e.cpu, e.intid, e.data.vpeid, e.data.vpt])).toEqual([
        [0, 8195, 1, VPT(1)],
      ]);
      expect(r.events(1, 'gicr.vlpi').map((e) => e.data.done)).toEqual(['pending']);
      expect(r.events(1, 'gicr.doorbell')).toEqual([]);
      expect(vlpiBest(r.m, 0)).toEqual({ intid: 8195, prio: 0xa0 });
      expect(vptBit(r.m, VPT(1), 8195)).toBe(true);
    },
  );

  it.each(BOTH)(
    '%s: for a vPE that is not resident, the vLPI is recorded in its VPT and the v4.0 doorbell rings',
    (p) => {
      const r = runAll(p, [
        { actions: setup },
        { actions: ['msi rid=2 20'], expect: ['expect deliveries cpu0:8200'] },
      ]);
      expect(r.failed).toEqual([]);
      expect(r.events(1, 'gicr.vlpi').map((e) => [e.data.done, e.data.doorbell])).toEqual([
        ['recorded', 8200],
      ]);
      expect(r.events(1, 'gicr.doorbell').map((e) => [e.cpu, e.intid, e.data.vpeid, e.data.vintid])).toEqual([
        [0, 8200, 1, 8195],
      ]);
      expect(vptBit(r.m, VPT(1), 8195)).toBe(true);
      expect(vlpiBest(r.m, 0)).toBeUndefined();
    },
  );

  it.each(BOTH)(
    '%s: a doorbell of 1023 rings nothing; a vINTID beyond VPT_size or an unmapped vPE drops the MSI',
    (p) => {
      const r = runAll(p, [
        {
          actions: [
            MAPD,
            vmapp(1, 0),
            vmapti(21, 1, 8196),
            'its VMAPP vPEID=2 RDbase=1 V=1 VPT_addr=0x40420000 VPT_size=13',
            vmapti(22, 2, 20000),
            vmapti(23, 7, 8197),
          ],
        },
        { actions: ['msi rid=2 21'], expect: ['expect deliveries none'] },
        { actions: ['msi rid=2 22', 'msi rid=2 23'] },
      ]);
      expect(r.failed).toEqual([]);
      expect(r.events(1, 'gicr.vlpi').map((e) => [e.data.done, e.data.noDoorbell])).toEqual([
        ['recorded', 'the ITE has no doorbell (1023)'],
      ]);
      expect(r.events(2, 'its.drop').map((e) => [e.data.stage, e.data.text])).toEqual([
        ['vte', "vINTID 20000 does not fit vPE 2's 14-bit virtual pending table"],
        ['vte', 'the VTE of vPE 7 is not valid (no VMAPP)'],
      ]);
    },
  );
});

// ---------------------------------------------------------------- event commands on virtual events

describe('INT, CLEAR, DISCARD, INV and MOVI on a virtual event (§3.3)', () => {
  const setup = [MAPD, vmapp(1, 0), vmapti(20, 1, 8195), vconf(8195, 0xa3)];

  it.each(BOTH)(
    '%s: INT sets the vLPI in the VPT, CLEAR clears it, DISCARD clears it and invalidates the ITE',
    (p) => {
      const r = runAll(p, [
        { actions: [...setup, 'its INT DeviceID=2 EventID=20'] },
        { actions: ['its CLEAR DeviceID=2 EventID=20'] },
        { actions: ['its INT DeviceID=2 EventID=20', 'its DISCARD DeviceID=2 EventID=20'] },
      ]);
      expect(r.failed).toEqual([]);
      expect(r.events(0, 'gicr.vlpi').map((e) => [e.data.via, e.data.done])).toEqual([['INT', 'recorded']]);
      expect(r.events(1, 'gicr.vlpi').map((e) => [e.data.via, e.data.done])).toEqual([['CLEAR', 'cleared']]);
      expect(r.events(2, 'gicr.vlpi').map((e) => [e.data.via, e.data.done])).toEqual([
        ['INT', 'recorded'],
        ['DISCARD', 'cleared'],
      ]);
      expect(vptBit(r.m, VPT(1), 8195)).toBe(false);
      expect(u64(r.m, iteAddr(20))).toBe(0n);
      expect(r.last(2).effects).toEqual([
        'ITE invalidated; pending state of vLPI 8195 of vPE 1 cleared in its VPT (redistributor 0)',
      ]);
    },
  );

  it.each(BOTH)('%s: MOVI refuses a virtual event; INT on an event whose vPE is not mapped fails', (p) => {
    const movi = runAll(p, [
      {
        actions: [
          MAPD,
          vmapti(20, 1, 8195),
          'its MAPC ICID=0 RDbase=0 V=1',
          'its MOVI DeviceID=2 EventID=20 ICID=0',
        ],
      },
    ]);
    expect(movi.last(0)).toMatchObject({
      outcome: FAILED[p].outcome,
      error: {
        name: 'E_ITS_MOVI_UNMAPPED_INTERRUPT',
        reason:
          'the ITE of DeviceID 2 EventID 20 maps vLPI 8195 of vPE 1: MOVI moves physical events only (VMOVI moves virtual ones)',
      },
    });
    const int = runAll(p, [{ actions: [MAPD, vmapti(20, 1, 8195), 'its INT DeviceID=2 EventID=20'] }]);
    expect(failure(int.last(0))).toEqual({
      ...FAILED[p],
      reason: 'INT on a virtual event: the VTE of vPE 1 is not valid (no VMAPP)',
    });
  });

  it('spec: INV and VINVALL reload a configuration the redistributor cached; QEMU reads it every time', () => {
    // vPE 1 resident on redistributor 0; vLPI 8195 is presented once (its byte, enabled, is now
    // cached), cleared, disabled in memory and raised again.
    const steps = (reload: string): Step[] => [
      { actions: [...setup, resident40(0, 1), 'msi rid=2 20'] },
      { actions: ['its CLEAR DeviceID=2 EventID=20', vconf(8195, 0xa2), 'msi rid=2 20'] },
      { actions: [reload] },
    ];
    for (const reload of ['its INV DeviceID=2 EventID=20', 'its VINVALL vPEID=1']) {
      const r = runAll('spec', steps(reload));
      expect(r.failed).toEqual([]);
      expect(r.events(0, 'gicr.vlpi').map((e) => e.data.done)).toEqual(['pending']);
      // The stale cached byte still says enabled: the vLPI is presented.
      expect(r.events(1, 'gicr.vlpi').map((e) => [e.data.done, e.data.config])).toEqual([
        ['cleared', undefined],
        ['pending', 0xa3],
      ]);
      expect(vlpiBest(r.m, 0)).toBeUndefined();
      const vinv = r.events(2, 'gicr.vinv');
      expect(vinv.map((e) => [e.cpu, e.intid, e.data.via])).toEqual([
        // (an event's -1 identifier reads as undefined)
        [0, reload.includes('VINVALL') ? undefined : 8195, reload.includes('VINVALL') ? 'VINVALL' : 'INV'],
      ]);
    }
    // Before the reload the vLPI was the candidate; after it, it is disabled and no longer presented.
    const before = runAll('spec', steps('its SYNC RDbase=0'));
    expect(vlpiBest(before.m, 0)).toEqual({ intid: 8195, prio: 0xa0 });
    const q = runAll('qemu', steps('its SYNC RDbase=0'));
    expect(q.events(1, 'gicr.vlpi').map((e) => [e.data.done, e.data.config])).toEqual([
      ['cleared', undefined],
      ['pending', 0xa2],
    ]);
    expect(vlpiBest(q.m, 0)).toBeUndefined();
  });
});

// ---------------------------------------------------------------- VMOVI

describe('VMOVI (§3.3, research §4)', () => {
  const setup = [MAPD, vmapp(1, 0), vmapp(2, 3), vmapti(20, 1, 8195, 8200)];

  it.each(BOTH)('%s: moves the pending bit from the old VPT to the new one and updates the ITE', (p) => {
    const r = runAll(p, [
      { actions: [...setup, 'its INT DeviceID=2 EventID=20'] },
      { actions: ['its VMOVI DeviceID=2 EventID=20 vPEID=2 D=0'] },
    ]);
    expect(r.failed).toEqual([]);
    expect(vptBit(r.m, VPT(1), 8195)).toBe(false);
    expect(vptBit(r.m, VPT(2), 8195)).toBe(true);
    expect(r.events(1, 'gicr.vlpi').map((e) => [e.cpu, e.data.via, e.data.set, e.data.vpeid])).toEqual([
      [0, 'VMOVI', false, 1],
      [3, 'VMOVI', true, 2],
    ]);
    // D = 0 keeps the doorbell (which rings at the new redistributor: vPE 2 is not resident).
    expect(u64(r.m, iteAddr(20))).toBe(qemuIte(false, 8195, 0, 2));
    expect(memReadU32(r.m.s.mem, iteAddr(20) + 8)).toBe(8200);
    expect(r.events(1, 'gicr.doorbell').map((e) => [e.cpu, e.intid])).toEqual([[3, 8200]]);
  });

  it.each(BOTH)('%s: with D = 1 the doorbell changes; nothing moves when the vLPI is not pending', (p) => {
    const r = runAll(p, [
      { actions: [...setup, 'its VMOVI DeviceID=2 EventID=20 vPEID=2 D=1 Dbell_pINTID=1023'] },
    ]);
    expect(r.failed).toEqual([]);
    expect(r.events(0, 'gicr.vlpi')).toEqual([]);
    expect(memReadU32(r.m.s.mem, iteAddr(20) + 8)).toBe(1023);
    expect(r.last(0).effects).toEqual([
      'vLPI 8195 of DeviceID 2 EventID 20 moved from vPE 1 to vPE 2, doorbell now none; it was not pending',
    ]);
  });

  it.each(BOTH)('%s: the checks', (p) => {
    const cases: [string[], string][] = [
      [
        ['its VMOVI DeviceID=2 EventID=20 vPEID=2 D=1 Dbell_pINTID=100'],
        'Dbell_pINTID 100 is neither 1023 (no doorbell) nor an LPI in [8192, 65536)',
      ],
      [
        [
          'its MAPC ICID=0 RDbase=0 V=1',
          'its MAPTI DeviceID=2 EventID=21 pINTID=8196 ICID=0',
          'its VMOVI DeviceID=2 EventID=21 vPEID=2',
        ],
        'the ITE of DeviceID 2 EventID 21 maps physical LPI 8196: VMOVI moves virtual events only (MOVI moves physical ones)',
      ],
      [
        [vmapti(22, 5, 8195), 'its VMOVI DeviceID=2 EventID=22 vPEID=2'],
        "the event's current vPE: the VTE of vPE 5 is not valid (no VMAPP)",
      ],
      [['its VMOVI DeviceID=2 EventID=20 vPEID=6'], 'the new vPE: the VTE of vPE 6 is not valid (no VMAPP)'],
      [
        [
          'its VMAPP vPEID=3 RDbase=1 V=1 VPT_addr=0x40430000 VPT_size=12',
          'its VMOVI DeviceID=2 EventID=20 vPEID=3',
        ],
        "vINTID 8195 does not fit vPE 3's 13-bit VPT",
      ],
    ];
    for (const [actions, reason] of cases) {
      const r = runAll(p, [{ actions: [...setup, ...actions] }]);
      expect(failure(r.last(0)), actions.at(-1)).toEqual({ ...FAILED[p], reason });
    }
  });
});

// ---------------------------------------------------------------- VMOVP

describe('VMOVP (§3.3, research §4)', () => {
  const both = [vmapp(1, 0), `its1 VMAPP vPEID=1 RDbase=0 V=1 VPT_addr=${h(VPT(1))} VPT_size=15`];
  const rdOf = (r: Run, p: Profile, its: number) => Number((u64(r.m, vteAddr(p, 1, its)) >> 42n) & 0xffffn);

  it.each(BOTH)('%s: with GITS_TYPER.VMOVP = 1 one command moves the vPE in every ITS', (p) => {
    const r = runAll(p, [{ actions: both }, { actions: ['its VMOVP vPEID=1 RDbase=2'] }], { itss: 2 });
    expect(r.failed).toEqual([]);
    expect([rdOf(r, p, 0), rdOf(r, p, 1)]).toEqual([2, 2]);
    expect(u64(r.m, vteAddr(p, 1, 1))).toBe(qemuVte(15, VPT(1), 2));
    expect(r.last(1).effects).toEqual(['vPE 1 mapped to redistributor 2: VTE.RDbase rewritten in ITS 0, 1']);
    // GICv4.0: no redistributor is told.
    expect(r.events(1, 'gicr.vlpi')).toEqual([]);
  });

  it.each(BOTH)(
    '%s: with VMOVP = 0 only this ITS changes; an ITSList that does not name it is UNPREDICTABLE',
    (p) => {
      const r = runAll(
        p,
        [
          { actions: both },
          { actions: ['its VMOVP vPEID=1 RDbase=2 SequenceNumber=7 ITSList=0x3'] },
          { actions: ['its VMOVP vPEID=1 RDbase=3 SequenceNumber=8 ITSList=0x2'] },
        ],
        { itss: 2, machine: { its: [{ vmovp: false }, { vmovp: false }] } },
      );
      expect(r.failed).toEqual([]);
      expect(r.last(1).effects).toEqual([
        "GITS_TYPER.VMOVP = 0: only this ITS's VTE changes (SequenceNumber 7, ITSList 0x3)",
        'vPE 1 mapped to redistributor 2: VTE.RDbase rewritten in ITS 0',
      ]);
      expect(r.last(2).effects).toContain(
        'UNPREDICTABLE: ITSList does not name this ITS (ITS_Number 0); the model updates its VTE anyway',
      );
      expect([rdOf(r, p, 0), rdOf(r, p, 1)]).toEqual([3, 0]);
    },
  );

  it('qemu: an ITS that does not map the vPE makes VMOVP fail, the others being updated; spec skips it', () => {
    const q = runAll('qemu', [{ actions: [vmapp(1, 0), 'its VMOVP vPEID=1 RDbase=2'] }], { itss: 2 });
    expect(failure(q.last(0))).toEqual({
      ...FAILED.qemu,
      reason: 'ITS 1: the VTE of vPE 1 is not valid (no VMAPP)',
    });
    expect(rdOf(q, 'qemu', 0)).toBe(2);
    const s = runAll('spec', [{ actions: [vmapp(1, 0), 'its VMOVP vPEID=1 RDbase=2'] }], { itss: 2 });
    expect(s.last(0).outcome).toBe('ok');
    expect(s.last(0).effects).toContain('ITS 1 does not map vPE 1: the VTE of vPE 1 is not valid (no VMAPP)');
    expect(rdOf(s, 'spec', 0)).toBe(2);
  });

  it.each(BOTH)('%s: an RDbase naming no PE fails; moving a resident vPE is UNPREDICTABLE', (p) => {
    const bad = runAll(p, [{ actions: [vmapp(1, 0), 'its VMOVP vPEID=1 RDbase=4'] }]);
    expect(failure(bad.last(0))).toEqual({ ...FAILED[p], reason: 'RDbase 0x4 names no redistributor' });
    const r = runAll(p, [{ actions: [vmapp(1, 0), resident40(0, 1), 'its VMOVP vPEID=1 RDbase=1'] }]);
    expect(r.last(0).effects).toContain(
      'UNPREDICTABLE: vPE 1 is resident on redistributor 0 while it is moved',
    );
  });

  it("spec GICv4.1: the GIC's vPE table follows, and DB = 1 sets the default doorbell", () => {
    const r = runAll(
      'spec',
      [
        {
          actions: [
            vmapp(1, 0, ' Default_Doorbell=8300 Alloc=1'),
            'its VMOVP vPEID=1 RDbase=3 DB=1 Default_Doorbell=8301',
          ],
        },
      ],
      { gic: 4.1 },
    );
    expect(r.failed).toEqual([]);
    expect(r.m.s.gic.vpes.get(1)).toMatchObject({ cpu: 3, doorbell: 8301 });
    expect(u64(r.m, vteAddr('spec', 1) + 8) & 0xffffffffn).toBe(8301n);
  });
});

// ---------------------------------------------------------------- VSYNC, VINVALL

describe('VSYNC and VINVALL (§3.3)', () => {
  it('qemu: VSYNC is a no-op even for a vPE that is not mapped; the spec profile checks the vPE', () => {
    const q = runAll('qemu', [{ actions: ['its VSYNC vPEID=9'] }]);
    expect(q.last(0).outcome).toBe('ok');
    const s = runAll('spec', [{ actions: ['its VSYNC vPEID=9'] }]);
    expect(failure(s.last(0))).toEqual({
      ...FAILED.spec,
      reason: 'the VTE of vPE 9 is not valid (no VMAPP)',
    });
  });

  it.each(BOTH)(
    "%s: VINVALL asks the vPE's redistributor to reload every vLPI (it matters only where resident)",
    (p) => {
      const r = runAll(p, [
        { actions: [vmapp(1, 2), 'its VINVALL vPEID=1'] },
        { actions: ['its VINVALL vPEID=4'] },
      ]);
      expect(r.events(0, 'gicr.vinv').map((e) => [e.cpu, e.intid, e.data.via, e.data.what])).toEqual([
        [
          2,
          undefined,
          'VINVALL',
          'the vPE is not resident here: its configuration is read when it next becomes resident',
        ],
      ]);
      expect(failure(r.last(1))).toEqual({
        ...FAILED[p],
        reason: 'the VTE of vPE 4 is not valid (no VMAPP)',
      });
    },
  );
});

// ---------------------------------------------------------------- GICv4.1

describe('GICv4.1 (spec profile): default doorbells, INVDB, VSGI, GITS_SGIR', () => {
  const map41 = [
    MAPD,
    vmapp(1, 0, ` VCONF_addr=${h(VCONF)} Default_Doorbell=8300 Alloc=1`),
    vmapti(20, 1, 8195),
    vmapti(21, 1, 8196),
    vconf(8195, 0xa3),
    vconf(8196, 0xa3),
    'lpi-config 8300 0xa3',
  ];

  it('the default doorbell, armed by GICR_VPENDBASER.DB on deschedule, rings once', () => {
    const r = runAll(
      'spec',
      [
        // Resident, then descheduled with DB = 1 (Valid 0, vPEID 1) while nothing is pending.
        { actions: [...map41, resident41(0, 1), 'write64 rd0 GICR_VPENDBASER 0x4000000000000001'] },
        {
          actions: ['msi rid=2 20', 'msi rid=2 21'],
          expect: ['expect deliveries cpu0:8300', 'expect events gicr.doorbell == 1'],
        },
      ],
      { gic: 4.1 },
    );
    expect(r.failed).toEqual([]);
    expect(r.events(0, 'gicr.vpe').map((e) => [e.data.op, e.data.armed])).toEqual([
      ['schedule', undefined],
      ['deschedule', true],
    ]);
    expect(r.events(1, 'gicr.vlpi').map((e) => [e.data.done, e.data.doorbell, e.data.noDoorbell])).toEqual([
      ['recorded', 8300, undefined],
      ['recorded', undefined, "vPE 1's doorbell is not armed (VPENDBASER.DB)"],
    ]);
    // The ITE's doorbell field is not used on a GICv4.1.
    expect(r.events(1, 'its.vte').map((e) => [e.data.doorbell, e.data.defaultDoorbell])).toEqual([
      [8300, true],
      [8300, true],
    ]);
  });

  it('descheduling without DB arms nothing', () => {
    const r = runAll(
      'spec',
      [
        { actions: [...map41, resident41(0, 1), 'write64 rd0 GICR_VPENDBASER 0x0000000000000001'] },
        { actions: ['msi rid=2 20'], expect: ['expect deliveries none'] },
      ],
      { gic: 4.1 },
    );
    expect(r.failed).toEqual([]);
    expect(r.events(1, 'gicr.doorbell')).toEqual([]);
  });

  it("INVDB reloads the configuration of the vPE's default doorbell at its redistributor", () => {
    const r = runAll('spec', [{ actions: [...map41, 'its VMOVP vPEID=1 RDbase=2', 'its INVDB vPEID=1'] }], {
      gic: 4.1,
    });
    expect(r.failed).toEqual([]);
    expect(r.events(0, 'gicr.inv').map((e) => [e.cpu, e.intid, e.data.via])).toEqual([[2, 8300, 'INVDB']]);
    const none = runAll('spec', [{ actions: ['its INVDB vPEID=3'] }], { gic: 4.1 });
    expect(failure(none.last(0))).toEqual({
      ...FAILED.spec,
      reason: 'the VTE of vPE 3 is not valid (no VMAPP)',
    });
  });

  it('VSGI configures a vSGI; GITS_SGIR makes it pending, presented where the vPE is resident', () => {
    const r = runAll(
      'spec',
      [
        { actions: [...map41, 'its VSGI vPEID=1 vINTID=3 Enable=1 Group=1 Priority=8', resident41(1, 1)] },
        { actions: ['write64 GITS_SGIR 0x0000000100000003'] },
      ],
      { gic: 4.1 },
    );
    expect(r.failed).toEqual([]);
    expect(r.last(0).effects).toContain('vSGI 3 of vPE 1: enabled, group 1, priority 0x80');
    expect(r.events(1, 'its.sgir').map((e) => [e.intid, e.data.vpeid, e.data.done])).toEqual([
      [3, 1, 'pending'],
    ]);
    expect(vlpiBest(r.m, 1)).toEqual({ intid: 3, prio: 0x80 });
  });

  it('GITS_SGIR for a vPE that is not resident rings its armed default doorbell; an unmapped vPE drops it', () => {
    const r = runAll(
      'spec',
      [
        {
          actions: [
            ...map41,
            'its VSGI vPEID=1 vINTID=5 Enable=1 Priority=4',
            resident41(0, 1),
            'write64 rd0 GICR_VPENDBASER 0x4000000000000001',
          ],
        },
        {
          actions: ['write64 GITS_SGIR 0x0000000100000005', 'write64 GITS_SGIR 0x0000000900000005'],
          expect: ['expect deliveries cpu0:8300'],
        },
      ],
      { gic: 4.1 },
    );
    expect(r.failed).toEqual([]);
    expect(r.events(1, 'its.sgir').map((e) => [e.data.done, e.data.doorbell ?? e.data.why])).toEqual([
      ['recorded', 8300],
      ['dropped', 'the VTE of vPE 9 is not valid (no VMAPP)'],
    ]);
  });

  it('VSGI to a vPE that is not mapped fails', () => {
    const r = runAll('spec', [{ actions: ['its VSGI vPEID=2 vINTID=1 Enable=1'] }], { gic: 4.1 });
    expect(failure(r.last(0))).toEqual({
      ...FAILED.spec,
      reason: 'VSGI to an unmapped vPE: the VTE of vPE 2 is not valid (no VMAPP)',
    });
  });

  it.each(BOTH)('%s GICv4.0: VSGI and INVDB are GICv4.1 commands', (p) => {
    for (const cmd of ['its VSGI vPEID=1 vINTID=1', 'its INVDB vPEID=1']) {
      const r = runAll(p, [{ actions: [cmd] }]);
      expect(failure(r.last(0)), cmd).toEqual({
        ...FAILED[p],
        reason: `${cmd.split(' ')[1]} is a GICv4.1 command and this ITS implements GICv4.0`,
      });
    }
  });
});
