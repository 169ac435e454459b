/**
 * The vPE inspector (GICv4): one VM's direct injection as KVM, the host's ITS driver and the GIC
 * hold it (engine/kvm/v4-inspect.ts):
 *
 *  - its vPEs, one per vCPU: vPEID, doorbell LPI (and whether its configuration byte enables it),
 *    where the vCPU runs, the pCPU whose redistributor hosts the vPE (the VTE's target), where
 *    GICR_VPENDBASER names it resident now, PendingLast, and the vLPIs its VPT holds;
 *  - the chosen vPE's virtual pending table (the pending vINTIDs, read from memory) and its
 *    redistributor's GICR_VPENDBASER and GICR_VPROPBASER, decoded (Valid, IDAI or DB, PendingLast,
 *    Dirty, the VPT address or the vPEID);
 *  - the host ITS's vPE table (GITS_BASER of type vPE);
 *  - every guest LPI: forwarded (the host DeviceID/EventID/LPI behind it, the guest's vITS event,
 *    the eventfd that paired VFIO and the irqfd) or left to KVM's software path, and the VFIO
 *    vectors of the VM's assigned devices.
 *
 * The vPE shown follows the current event (its vCPU, or the vPE at the redistributor it happened
 * at) unless the user picks one. Test hooks: data-testid v4-inspector (data-vm, data-vpeid),
 * v4-vpes (rows data-vpeid, data-vcpu, data-resident-on, data-pcpu, data-pending, data-pending-last),
 * vpt-pending (data-vpeid, data-pending; items data-vintid), v4-registers (RegLine data-reg,
 * data-value, field rows), v4-vpe-table (rows data-vpeid, data-target), v4-forwarding (rows
 * data-vintid, data-forwarded, data-host-devid, data-host-eventid, data-host-intid, data-vpeid),
 * v4-vectors.
 */

import { useState } from 'react';
import type { V4RegisterView, V4View, V4VpeView } from '../../engine';
import { useApp } from '../store';
import { hex } from './format';
import { Card, Flag, RegLine, StartHint, useCurrent, useLastDefined, ViewState, Grid } from './parts';
import { useInspect } from './use-inspect';

const MODE: Record<V4VpeView['vcpuMode'], string> = {
  guest: 'in the guest',
  host: "in KVM's run loop",
  blocked: 'blocked in WFI',
  runnable: 'runnable',
  stopped: 'stopped',
};

const fieldOf = (r: V4RegisterView, name: string): number | undefined =>
  r.fields.find((f) => f.name === name)?.value;

/** What a VPENDBASER value says, in a line. */
function vpendSummary(r: V4RegisterView, gic: V4View['gic']): string {
  const valid = fieldOf(r, 'Valid') === 1;
  const parts = [valid ? 'Valid: a vPE is resident' : 'Valid 0: no vPE resident'];
  if (gic === '4.1') {
    if (valid) parts.push(`vPEID ${fieldOf(r, 'vPEID') ?? 0}`);
    if (fieldOf(r, 'Doorbell')) parts.push('DB');
  } else {
    const pa = fieldOf(r, 'Physical_Address') ?? 0;
    if (valid || pa) parts.push(`VPT ${hex(pa * 0x10000)}`);
    if (fieldOf(r, 'IDAI')) parts.push('IDAI');
  }
  parts.push(`PendingLast ${fieldOf(r, 'PendingLast') ?? 0}`, `Dirty ${fieldOf(r, 'Dirty') ?? 0}`);
  return parts.join(' · ');
}

function vpropSummary(r: V4RegisterView, gic: V4View['gic']): string {
  const pa = (fieldOf(r, 'Physical_Address') ?? 0) * 0x1000;
  if (gic === '4.1') return `vPE configuration table ${hex(pa)}${fieldOf(r, 'Valid') ? '' : ' (not valid)'}`;
  return pa
    ? `vLPI configuration table ${hex(pa)}, ${(fieldOf(r, 'IDbits') ?? 0) + 1} vINTID bits`
    : 'not set';
}

function residentText(p: V4VpeView): string {
  if (p.residentOn.length === 0) return 'not resident';
  const on = `resident on GICR ${p.residentOn.join(', ')}`;
  return p.residentOn.length > 1 ? `${on} (UNPREDICTABLE)` : on;
}

export function V4Inspector() {
  const shape = useApp((s) => s.session?.shape);
  const cpus = useApp((s) => s.frame?.stage.cpus);
  const place = useApp((s) => s.place);
  const unit = useApp((s) => s.frame?.event?.unit);
  const cur = useCurrent();
  const vms = (shape?.vms ?? []).filter((v) => v.gicv4);
  const [vmPick, setVmPick] = useState<number | 'auto'>('auto');
  // A pick holds until the user clicks a vCPU on the stage (a new place): then its vPE is shown.
  const [picked, setPicked] = useState<{ value: number | 'auto'; place: unknown }>({
    value: 'auto',
    place: null,
  });
  const vpePick = picked.place === place ? picked.value : 'auto';
  const setVpePick = (value: number | 'auto') => setPicked({ value, place });
  const clicked = place?.node === 'vcpu' && vms.some((v) => v.index === place.vm) ? place : undefined;
  const vmFromEvent = cur.vm !== undefined && vms.some((v) => v.index === cur.vm) ? cur.vm : undefined;
  const lastVm = useLastDefined(vmFromEvent);
  const vm = vmPick !== 'auto' ? vmPick : (clicked?.vm ?? vmFromEvent ?? lastVm ?? vms[0]?.index ?? 0);
  const r = useInspect(vms.length ? { view: 'v4', vm } : null);
  const v = r.state === 'ok' ? r.view : undefined;

  // The vPE the current event is about: its vCPU's, else the one at the redistributor it names.
  const unitVcpu = unit ? /^(.+)\.vcpu(\d+)$/.exec(unit) : null;
  let fromEvent: number | undefined;
  if (v) {
    if (unitVcpu && unitVcpu[1] === v.name) fromEvent = v.vpes[Number(unitVcpu[2])]?.vpeid;
    else if (cur.cpu !== undefined && cur.vm === undefined) {
      const resident = cpus?.[cur.cpu]?.vpe;
      fromEvent =
        resident && resident.vm === v.vm
          ? resident.vpeid
          : v.vpes.find((p) => p.pcpu === cur.cpu && (cur.kind ?? '').startsWith('gicr'))?.vpeid;
    }
  }
  const lastVpe = useLastDefined(fromEvent);
  const fromClick = clicked && v && clicked.vm === v.vm ? v.vpes[clicked.vcpu]?.vpeid : undefined;
  const wanted = vpePick !== 'auto' ? vpePick : (fromClick ?? fromEvent ?? lastVpe);
  const vpe = v?.vpes.find((p) => p.vpeid === wanted) ?? v?.vpes[0];

  if (!shape) return <p className="empty">Open a scenario to inspect its vPEs.</p>;
  if (vms.length === 0)
    return (
      <div className="insp" data-testid="v4-inspector">
        <p className="empty" data-testid="v4-none">
          No VM of this machine uses GICv4: there are no vPEs to inspect.
        </p>
      </div>
    );
  return (
    <div className="insp" data-testid="v4-inspector" data-vm={vm} data-vpeid={vpe?.vpeid}>
      <div className="insp-bar">
        {vms.length > 1 && (
          <label>
            VM{' '}
            <select
              value={String(vmPick)}
              onChange={(e) => setVmPick(e.target.value === 'auto' ? 'auto' : Number(e.target.value))}
              data-testid="v4-vm-select"
            >
              <option value="auto">follow the current event</option>
              {vms.map((x) => (
                <option key={x.index} value={x.index}>
                  {x.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          vPE{' '}
          <select
            value={String(vpePick)}
            onChange={(e) => setVpePick(e.target.value === 'auto' ? 'auto' : Number(e.target.value))}
            data-testid="v4-vpe-select"
          >
            <option value="auto">
              {fromClick !== undefined ? 'the vCPU clicked on the stage' : 'follow the current event'}
              {vpe ? ` (vPE ${vpe.vpeid})` : ''}
            </option>
            {v?.vpes.map((p) => (
              <option key={p.vpeid} value={p.vpeid}>
                vPE {p.vpeid} ({v.name} vCPU {p.vcpu})
              </option>
            ))}
          </select>
        </label>
        {v && (
          <span className="muted" data-testid="v4-summary">
            {v.name} · {v.gic ? `GICv${v.gic}` : 'no GICv4'} · {v.vpes.length} vPE
            {v.vpes.length === 1 ? '' : 's'}
            {v.vprop !== undefined ? ` · vLPI property page ${hex(v.vprop)}` : ''} ·{' '}
            {v.lpis.filter((l) => l.forwarded).length} forwarded LPI
            {v.lpis.filter((l) => l.forwarded).length === 1 ? '' : 's'}
          </span>
        )}
        <StartHint />
      </div>
      {!v ? (
        <Grid label="vPEs">
          <ViewState r={r} what="vPEs" />
        </Grid>
      ) : (
        <Grid label="vPEs" className="v4-grid">
          <Card title="vPEs (one per vCPU)" testid="v4-vpes" area="vpes">
            {v.problem && <p className="insp-msg">{v.problem}</p>}
            {v.vpes.length > 0 && <VpeTable v={v} shown={vpe?.vpeid} onPick={setVpePick} />}
          </Card>
          <Card
            title={vpe ? `vPE ${vpe.vpeid}: virtual pending table` : 'Virtual pending table'}
            testid="vpt-pending"
            area="vpt"
          >
            {vpe ? (
              <Vpt p={vpe} intid={cur.vm === v.vm ? cur.intid : undefined} />
            ) : (
              <p className="insp-msg">No vPE.</p>
            )}
          </Card>
          <Card
            title={vpe ? `GICR ${vpe.vpendbaser.rd}: VLPI frame` : 'VLPI frame'}
            testid="v4-registers"
            area="regs"
          >
            {vpe ? <Registers p={vpe} gic={v.gic} /> : <p className="insp-msg">No vPE.</p>}
          </Card>
          <Card title="Host ITS: vPE table" testid="v4-vpe-table" area="table">
            <VpeTableOfIts v={v} shown={vpe?.vpeid} />
          </Card>
          <Card title="Forwarding: each guest LPI's path" testid="v4-forwarding" area="fwd">
            <Forwarding v={v} intid={cur.vm === v.vm ? cur.intid : undefined} />
          </Card>
        </Grid>
      )}
    </div>
  );
}

function VpeTable({ v, shown, onPick }: { v: V4View; shown?: number; onPick: (n: number) => void }) {
  return (
    <table className="insp-table v4-vpe-rows">
      <thead>
        <tr>
          <th scope="col">vPE</th>
          <th scope="col">vCPU</th>
          <th scope="col" title="Where GICR_VPENDBASER names it now (the GIC's view)">
            resident
          </th>
          <th scope="col" title="The pCPU whose redistributor hosts it: the VTE's target (col_idx)">
            hosted
          </th>
          <th scope="col" title="Its doorbell LPI, and whether its configuration byte enables it">
            doorbell
          </th>
          <th scope="col" title="KVM's pending_last: a vLPI may be pending">
            PL
          </th>
          <th scope="col">VPT pending</th>
        </tr>
      </thead>
      <tbody>
        {v.vpes.map((p) => (
          <tr
            key={p.vpeid}
            className={p.vpeid === shown ? 'current' : undefined}
            data-vpeid={p.vpeid}
            data-vcpu={p.vcpu}
            data-resident-on={p.residentOn.join(',')}
            data-pcpu={p.pcpu}
            data-pending={p.pending.join(',')}
            data-pending-last={p.pendingLast}
          >
            <td>
              <button
                type="button"
                className="link"
                onClick={() => onPick(p.vpeid)}
                aria-label={`Show vPE ${p.vpeid}`}
              >
                {p.vpeid}
              </button>
            </td>
            <td>
              {p.vcpu} <span className="muted">{MODE[p.vcpuMode]}</span>
              {p.vcpuPcpu >= 0 && <span className="muted"> · pCPU {p.vcpuPcpu}</span>}
            </td>
            <td>
              <Flag on={p.residentOn.length > 0}>{residentText(p)}</Flag>
            </td>
            <td className="mono">pCPU {p.pcpu}</td>
            <td className="mono">
              {p.doorbell}{' '}
              {p.doorbellConfig >= 0 && (
                <span className="muted">{p.doorbellConfig & 1 ? 'enabled' : 'masked'}</span>
              )}
            </td>
            <td>{p.pendingLast ? '1' : <span className="muted">0</span>}</td>
            <td className="mono">
              {p.pending.length ? p.pending.join(' ') : <span className="muted">–</span>}
              {p.pendingCapped && ' …'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Vpt({ p, intid }: { p: V4VpeView; intid?: number }) {
  return (
    <div data-vpeid={p.vpeid} data-pending={p.pending.join(',')}>
      <p className="insp-info">
        {hex(p.vpt)} · {p.vptBits} vINTID bits (64 KiB) · {residentText(p)}
        {p.residentOn.length === 0 &&
          p.pending.length > 0 &&
          ' — its doorbell rang (or will) at GICR ' + p.pcpu}
      </p>
      {p.pending.length === 0 ? (
        <p className="insp-msg">No vLPI pending: every bit from vINTID 8192 up is clear.</p>
      ) : (
        <ul className="chips">
          {p.pending.map((n) => (
            <li
              key={n}
              className={n === intid ? 'chip current' : 'chip'}
              data-vintid={n}
              title={`Bit ${n % 8} of byte ${hex(p.vpt + Math.floor(n / 8))}`}
            >
              vLPI {n}
            </li>
          ))}
          {p.pendingCapped && <li className="chip muted">…</li>}
        </ul>
      )}
    </div>
  );
}

function Registers({ p, gic }: { p: V4VpeView; gic: V4View['gic'] }) {
  const here = p.residentOn.includes(p.vpendbaser.rd);
  return (
    <>
      <p className="insp-info">
        {here
          ? `The redistributor vPE ${p.vpeid} is resident on.`
          : `vPE ${p.vpeid} is not resident: the redistributor that hosts it (its doorbell rings there).`}
      </p>
      <div className="reg-lines">
        <RegLine
          name="GICR_VPENDBASER"
          value={p.vpendbaser.value}
          summary={vpendSummary(p.vpendbaser, gic)}
          fields={p.vpendbaser.fields}
        />
        <RegLine
          name="GICR_VPROPBASER"
          value={p.vpropbaser.value}
          summary={vpropSummary(p.vpropbaser, gic)}
          fields={p.vpropbaser.fields}
        />
      </div>
    </>
  );
}

function VpeTableOfIts({ v, shown }: { v: V4View; shown?: number }) {
  if (v.vpeTables.length === 0) return <p className="insp-msg">The host's GIC has no vPE table.</p>;
  return (
    <>
      {v.vpeTables.map((t) => (
        <div key={t.its}>
          {v.vpeTables.length > 1 && <h4>ITS {t.its}</h4>}
          {t.problem && <p className="insp-msg">{t.problem}</p>}
          {t.rows.length === 0 ? (
            !t.problem && <p className="insp-msg">No valid VTE: no VMAPP yet.</p>
          ) : (
            <table className="insp-table">
              <thead>
                <tr>
                  <th scope="col">vPEID</th>
                  <th scope="col">VPT</th>
                  <th scope="col" className="num">
                    bits
                  </th>
                  <th scope="col" title="The redistributor its RDbase names">
                    target
                  </th>
                  <th scope="col">VTE at</th>
                </tr>
              </thead>
              <tbody>
                {t.rows.map((row) => (
                  <tr
                    key={row.vpeid}
                    className={row.vpeid === shown ? 'current' : undefined}
                    data-vpeid={row.vpeid}
                    data-target={row.target}
                  >
                    <td className="mono">{row.vpeid}</td>
                    <td className="mono">{hex(row.vpt)}</td>
                    <td className="num">{row.vptBits}</td>
                    <td className="mono">{row.target >= 0 ? `PE ${row.target}` : 'none'}</td>
                    <td className="mono small">{hex(row.addr)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {t.capped && <p className="insp-msg">More entries than shown.</p>}
        </div>
      ))}
    </>
  );
}

function Forwarding({ v, intid }: { v: V4View; intid?: number }) {
  return (
    <>
      {v.lpis.length === 0 ? (
        <p className="insp-msg">The guest has mapped no LPI yet.</p>
      ) : (
        <table className="insp-table">
          <thead>
            <tr>
              <th scope="col">vINTID</th>
              <th scope="col">path</th>
              <th scope="col" title="The host event behind it: DeviceID/EventID on the host ITS → host LPI">
                host event
              </th>
              <th scope="col" title="The guest's virtual ITS event it came from: DeviceID/EventID">
                guest
              </th>
              <th scope="col" title="The vCPU it targets / that vCPU's vPE">
                vCPU/vPE
              </th>
            </tr>
          </thead>
          <tbody>
            {v.lpis.map((l) => (
              <tr
                key={l.vintid}
                className={l.vintid === intid ? 'current' : undefined}
                data-vintid={l.vintid}
                data-forwarded={l.forwarded}
                data-host-devid={l.host?.devid}
                data-host-eventid={l.host?.eventid}
                data-host-intid={l.host?.intid}
                data-host-ite={l.host?.ite}
                data-vpeid={l.vpeid}
                data-pending={l.pending}
              >
                <td className="mono">
                  {l.vintid}
                  {l.pending && <span className="muted"> pending</span>}
                </td>
                <td>
                  <span className={l.forwarded ? 'path-badge direct' : 'path-badge software'}>
                    {l.forwarded ? 'direct' : 'software'}
                  </span>
                  {l.host && l.host.ite !== 'vlpi' && (
                    <span
                      className="muted"
                      title="KVM has decided; the host ITS's ITE still maps the host LPI until the driver's VMAPTI is processed"
                    >
                      {' '}
                      (VMAPTI on its way)
                    </span>
                  )}
                </td>
                <td
                  className="mono"
                  title={
                    l.host
                      ? `host ITS ${l.host.its}: DeviceID ${l.host.devid}, EventID ${l.host.eventid}, host LPI ${l.host.intid}`
                      : undefined
                  }
                >
                  {l.host ? (
                    <>
                      {l.host.devid}/{l.host.eventid} → {l.host.intid}
                    </>
                  ) : (
                    <span className="muted">– (KVM injects)</span>
                  )}
                </td>
                <td
                  className="mono"
                  title={
                    l.guest
                      ? `vITS ${l.guest.its}: DeviceID ${l.guest.devid}, EventID ${l.guest.eventid}${l.fd !== undefined ? `; eventfd ${l.fd} paired VFIO and the irqfd` : ''}`
                      : undefined
                  }
                >
                  {l.guest ? `${l.guest.devid}/${l.guest.eventid}` : <span className="muted">–</span>}
                </td>
                <td className="mono">
                  {l.vcpu >= 0 ? l.vcpu : '–'}/{l.vpeid >= 0 ? l.vpeid : '–'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {v.lpisCapped && <p className="insp-msg">More LPIs than shown.</p>}
      <h4 className="v4-sub">VFIO vectors</h4>
      {v.vectors.length === 0 ? (
        <p className="insp-msg">No VFIO_DEVICE_SET_IRQS yet: no device interrupt is wired to the guest.</p>
      ) : (
        <ul className="v4-vectors" data-testid="v4-vectors">
          {v.vectors.map((x) => (
            <li
              key={`${x.device}/${x.vector}`}
              data-device={x.device}
              data-vector={x.vector}
              data-vintid={x.vintid ?? ''}
            >
              <span className="mono">
                {x.device} vector {x.vector}
              </span>{' '}
              <span className="muted">
                (host LPI {x.hostIntid}, eventfd {x.fd})
              </span>{' '}
              {x.vintid !== null ? (
                <>
                  → <span className="path-badge direct">direct</span> vLPI {x.vintid}: the host ITS maps it
                  (VMAPTI)
                </>
              ) : (
                <>
                  → <span className="path-badge software">software</span>: VFIO's handler signals the eventfd,
                  KVM injects
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
