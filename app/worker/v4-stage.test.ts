/**
 * GICv4 on the stage model, against the engine at every position of the fixture: one token follows
 * a forwarded MSI from the device through the host ITS (its vPE table) to the redistributor, where
 * its vPE's VPT holds it, into the guest, and away at the EOI; the doorbell it rings is a token of
 * its own; each redistributor says which vPE it has resident. A machine without GICv4 gets none of it.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { residentVpeOn, vpeSummaries, type Machine } from '../../engine';
import type { Token } from './api';
import { EngineHost } from './engine-host';
import { stageFrames } from './stage-frames';
import { stageModel } from './stage-model';
import { v4ScenarioText, v4Story } from './v4-fixture';
import { vmStory } from './vm-fixture';

const where = (t: Token | undefined): string => {
  if (!t) return 'gone';
  const a = t.at;
  const at =
    a.node === 'its'
      ? `its${a.its}/${a.part ?? ''}`
      : a.node === 'rd'
        ? `rd${a.cpu}`
        : a.node === 'vcpu'
          ? `vcpu${a.vcpu}/${a.part ?? ''}`
          : a.node;
  return `${at}:${t.state}`;
};

const first = (m: Machine, kind: string, from = 0): number => {
  for (let s = from; s < m.log.length; s++) if (m.log.kindAt(s) === kind) return s;
  throw new Error(`no ${kind} after ${from}`);
};

describe('GICv4 on the stage', () => {
  it('moves one token from the MSI through the vPE table to the VPT, the guest, and away at the EOI', () => {
    const m = v4Story();
    const fr = stageFrames(m);
    // The MSI whose vLPI finds its vPE not resident (its chain rings the doorbell).
    let msi = first(m, 'gicr.doorbell');
    while (m.log.kindAt(msi) !== 'pci.msi') msi = m.log.causeAt(msi);
    const id = `t${msi}`;
    const tok = (p: number) => fr[p]!.tokens.find((t) => t.id === id);
    const vte = first(m, 'its.vte', msi);
    const vlpi = first(m, 'gicr.vlpi', msi);
    const doorbell = first(m, 'gicr.doorbell', msi);
    const ack = first(m, 'icv.ack', msi);
    const eoi = first(m, 'icv.eoi', ack);
    expect(where(tok(msi + 1))).toBe('its0/translater:travelling');
    expect(where(tok(vte + 1))).toBe('its0/vt:travelling');
    expect(tok(vte + 1)).toMatchObject({ label: 'vLPI 8192', intid: 8192, vm: 0, direct: true });
    // Recorded in vPE 1's VPT: at redistributor 2, which its VTE names (not resident there).
    expect(where(tok(vlpi + 1))).toBe('rd2:pending');
    for (let p = vlpi + 1; p <= ack; p++) expect(where(tok(p)), `position ${p}`).toBe('rd2:pending');
    expect(where(tok(ack + 1))).toBe('vcpu1/guest:active');
    for (let p = ack + 1; p <= eoi; p++) expect(where(tok(p)), `position ${p}`).toBe('vcpu1/guest:active');
    expect(where(tok(eoi + 1))).toBe('gone');
    // The doorbell is a host LPI of its own: pending at redistributor 2, then taken by CPU 2.
    const db = fr[doorbell + 2]!.tokens.find((t) => t.id === `db${msi}`);
    expect(db).toMatchObject({ label: 'LPI 12289', intid: 12289 });
    expect(db?.direct).toBeUndefined();
  });

  it('never gives two tokens one id, and shows exactly what the VPTs hold', () => {
    const m = v4Story();
    const fr = stageFrames(m);
    fr.forEach((f, p) => {
      const ids = f.tokens.map((t) => t.id);
      expect(new Set(ids).size, `position ${p}: ${ids.join(' ')}`).toBe(ids.length);
      m.seek(p);
      const want = vpeSummaries(m)
        .flatMap((s) => s.pending.map((v) => `${v}@rd${s.residentOn[0] ?? s.pcpu}`))
        .sort();
      const got = f.tokens
        .filter((t) => t.direct && t.state === 'pending')
        .map((t) => `${t.intid}@${where(t).split(':')[0]}`)
        .sort();
      expect(got, `position ${p}`).toEqual(want);
    });
  });

  it("says which vPE each redistributor has resident, and where each vCPU's vPE is", () => {
    const m = v4Story();
    const fr = stageFrames(m);
    let resident = 0;
    fr.forEach((f, p) => {
      m.seek(p);
      for (const c of f.cpus) {
        const r = residentVpeOn(m, c.index);
        expect(c.vpe ?? null, `position ${p} cpu${c.index}`).toEqual(
          r ? { vm: r.vm, vcpu: r.vcpu, vpeid: r.vpeid, dirty: r.dirty } : null,
        );
        if (r) resident++;
      }
      const s = vpeSummaries(m);
      for (const v of f.vms![0]!.vcpus) {
        const x = s.find((y) => y.vcpu === v.vcpu);
        if (!x) expect(v.vpe).toBeUndefined();
        else
          expect(v.vpe).toEqual({
            vpeid: x.vpeid,
            residentOn: x.residentOn[0] ?? -1,
            pending: x.pending.length,
            doorbell: x.doorbell,
          });
      }
    });
    expect(resident).toBeGreaterThan(0);
  });

  it('lights up where GICv4 events happen', () => {
    const m = v4Story();
    const focusAt = (kind: string) => {
      const s = first(m, kind);
      m.seek(s + 1);
      return stageModel(m, s + 1, m.log.get(s)).focus!;
    };
    expect(focusAt('its.vte').places).toEqual([{ node: 'its', its: 0, part: 'vt' }]);
    expect(focusAt('gicr.vlpi')).toMatchObject({ places: [{ node: 'rd', cpu: 2 }], note: 'vLPI 8192 → VPT' });
    expect(focusAt('gicr.doorbell')).toMatchObject({
      places: [{ node: 'rd', cpu: 2 }],
      note: 'doorbell 12289',
    });
    const vpe = focusAt('gicr.vpe');
    expect(vpe.places[0]).toMatchObject({ node: 'rd' });
    expect(vpe.places[1]).toMatchObject({ node: 'vcpu', vm: 0 });
    expect(focusAt('kvm.v4.doorbell').places).toEqual([
      { node: 'cpu', cpu: 2 },
      { node: 'vcpu', vm: 0, vcpu: 1 },
    ]);
    const ack = first(m, 'icv.ack');
    m.seek(ack + 1);
    expect(stageModel(m, ack + 1, m.log.get(ack)).focus).toMatchObject({
      places: [
        { node: 'vcpu', vm: 0, vcpu: 1, part: 'guest' },
        { node: 'rd', cpu: 2 },
      ],
      note: 'direct',
    });
  });

  it('adds nothing to a machine whose VMs do not use GICv4', () => {
    const m = vmStory();
    for (const f of stageFrames(m)) {
      expect(f.cpus.some((c) => c.vpe !== undefined)).toBe(false);
      expect(f.vms!.flatMap((v) => v.vcpus).some((v) => v.vpe !== undefined)).toBe(false);
      expect(f.tokens.some((t) => t.direct)).toBe(false);
    }
  });
});

describe('GICv4 through the worker API', () => {
  it('says in the shape which VMs use GICv4, and answers the v4, residency and paths views', () => {
    const host = new EngineHost();
    const r = host.load(v4ScenarioText(), 'v4-stage.json');
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.session.shape.gicv4).toBe(true);
    expect(r.session.shape.vms).toMatchObject([{ name: 'vm0', vcpus: 2, gicv4: true }]);
    const end = r.session.length;
    expect(host.inspect(end, { view: 'v4', vm: 0 })).toMatchObject({
      ok: true,
      gic: '4.0',
      initialised: true,
    });
    expect(host.inspect(end, { view: 'residency', buckets: 100 })).toMatchObject({ ok: true, length: end });
    expect(host.inspect(end, { view: 'paths' })).toMatchObject({
      ok: true,
      counts: { direct: 2, software: 0 },
    });
    expect(host.inspect(end, { view: 'v4', vm: 3 })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/no VM 3/) as unknown,
    });
    expect(host.inspect(end, { view: 'residency', buckets: 'x' as unknown as number })).toMatchObject({
      ok: false,
    });
  });

  it('refuses the GICv4 views on a machine whose VMs do not use it, and leaves its shape as it was', () => {
    const host = new EngineHost();
    const r = host.load(readFileSync('e2e/fixtures/kvm-stage.json', 'utf8'), 'kvm-stage.json');
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.session.shape.gicv4).toBeUndefined();
    expect(r.session.shape.vms!.every((v) => v.gicv4 === undefined)).toBe(true);
    expect(host.inspect(0, { view: 'residency' })).toMatchObject({ ok: false });
    expect(host.inspect(0, { view: 'paths' })).toMatchObject({ ok: false });
    expect(host.inspect(0, { view: 'v4', vm: 0 })).toMatchObject({ ok: true, gic: null, vpes: [] });
  });
});
