/**
 * The vCPU inspector: one vCPU of a VM as KVM and the hardware hold it. Its list registers
 * decoded (state, vINTID, pINTID, priority, group, HW, EOI, and whether the last entry used them),
 * the ap_list in KVM's order with each vgic_irq's state, the virtual CPU interface (ICH_HCR_EL2,
 * ICH_VMCR_EL2, ICH_MISR_EL2 with their fields, ICH_EISR/ELRSR, the active priorities, and the
 * ICV_* registers as the guest would read them), the run loop (mode, pCPU, last exit, entries and
 * exits by reason) and what the guest acknowledged.
 *
 * The vCPU shown is the one clicked on the stage, else the one the current event is about, unless
 * the user picks one. The current event's INTID is highlighted in the LRs and the ap_list.
 * Data attributes for tests: data-testid vcpu-inspector (data-vm, data-vcpu, data-mode,
 * data-pcpu) / vcpu-select / vcpu-lrs / vcpu-aplist / vcpu-ich / vcpu-run / vcpu-guest; LR rows
 * data-lr, data-state, data-vintid, data-pintid, data-priority, data-group, data-hw, data-eoi,
 * data-used; ap_list rows data-intid, data-pending, data-active, data-lr; ICV rows data-reg /
 * data-value; counters data-field / data-value.
 */

import { useState } from 'react';
import { appStore, useApp } from '../store';
import type { VcpuView } from '../worker/api';
import { hex } from './format';
import { Card, Flag, KV, RegLine, StartHint, useCurrent, useLastDefined, ViewState, Grid } from './parts';
import { useInspect } from './use-inspect';

/** 'auto', or a vCPU as 'vm.vcpu' ('0.1'). */
type Pick = string;

/** The vCPU an event unit names ('vm0.vcpu1'), as 'vm.vcpu' indices, given the VMs' names. */
function vcpuOfUnit(unit: string | undefined, names: string[]): string | undefined {
  const m = unit ? /^(.+)\.vcpu(\d+)$/.exec(unit) : null;
  if (!m) return undefined;
  const vm = names.indexOf(m[1]!);
  return vm >= 0 ? `${vm}.${m[2]}` : undefined;
}

const MODE_TEXT: Record<VcpuView['mode'], string> = {
  guest: 'in the guest',
  host: "in KVM's run loop",
  blocked: 'blocked in WFI',
  runnable: 'runnable (waiting for a pCPU)',
  stopped: 'stopped',
};

export function VcpuInspector() {
  const shape = useApp((s) => s.session?.shape);
  const place = useApp((s) => s.place);
  const unit = useApp((s) => s.frame?.event?.unit);
  const cur = useCurrent();
  // A pick holds until the user clicks a vCPU on the stage (a new place): then that one is shown.
  const [picked, setPicked] = useState<{ value: Pick; place: unknown }>({ value: 'auto', place: null });
  const pick = picked.place === place ? picked.value : 'auto';
  const setPick = (value: Pick) => setPicked({ value, place });
  const vms = shape?.vms ?? [];
  const names = vms.map((v) => v.name);
  const clicked = place?.node === 'vcpu' ? `${place.vm}.${place.vcpu}` : undefined;
  const fromEvent = vcpuOfUnit(unit, names);
  const last = useLastDefined(fromEvent);
  const chosen = pick !== 'auto' ? pick : (clicked ?? fromEvent ?? last ?? '0.0');
  const [vm, vcpu] = chosen.split('.').map(Number) as [number, number];
  const valid = vms[vm] !== undefined && vcpu < (vms[vm]?.vcpus ?? 0);
  const r = useInspect(valid ? { view: 'vcpu', vm, vcpu } : null);

  if (!shape) return <p className="empty">Open a scenario to inspect its vCPUs.</p>;
  if (vms.length === 0)
    return (
      <div className="insp" data-testid="vcpu-inspector">
        <p className="empty" data-testid="vcpu-none">
          This machine runs no VMs: there are no vCPUs to inspect.
        </p>
      </div>
    );
  const v = r.state === 'ok' ? r.view : undefined;
  return (
    <div
      className="insp"
      data-testid="vcpu-inspector"
      data-vm={vm}
      data-vcpu={vcpu}
      data-mode={v?.mode}
      data-pcpu={v?.pcpu}
    >
      <div className="insp-bar">
        <label>
          vCPU{' '}
          <select value={pick} onChange={(e) => setPick(e.target.value)} data-testid="vcpu-select">
            <option value="auto">
              {clicked ? 'the one clicked on the stage' : 'follow the current event'} (
              {names[vm] ?? `vm${vm}`} vCPU {vcpu})
            </option>
            {vms.flatMap((x) =>
              Array.from({ length: x.vcpus }, (_, i) => (
                <option key={`${x.index}.${i}`} value={`${x.index}.${i}`}>
                  {x.name} vCPU {i}
                </option>
              )),
            )}
          </select>
        </label>
        {v && (
          <span className="muted" data-testid="vcpu-summary">
            {MODE_TEXT[v.mode]}
            {v.pcpu >= 0 ? ` on pCPU ${v.pcpu}` : ''} · {v.usedLrs} of {v.lrs.length} LRs used by the last
            entry · {v.apList.length} on the ap_list · LR policy {v.lrPolicy}
          </span>
        )}
        {vms[vm]?.gicv4 && (
          <button
            type="button"
            className="link"
            data-testid="vcpu-to-vpe"
            onClick={() => {
              // The vPE inspector shows this vCPU's vPE (the place names it).
              appStore.getState().selectPlace({ node: 'vcpu', vm, vcpu });
              appStore.getState().setTab('vpes');
            }}
          >
            its vPE (GICv4)
          </button>
        )}
        <StartHint />
      </div>
      {!v ? (
        <Grid label="vCPUs">
          <ViewState r={r} what="vCPU" />
        </Grid>
      ) : (
        <Grid label="vCPUs" className="vcpu-grid">
          <Card
            title="List registers (ICH_LR<n>_EL2)"
            testid="vcpu-lrs"
            area="lrs"
            extra={
              <span className="lamps">
                <span className={v.virq ? 'lamp on' : 'lamp'} data-testid="virq" data-value={v.virq ? 1 : 0}>
                  vIRQ
                </span>
                <span className={v.vfiq ? 'lamp on' : 'lamp'} data-value={v.vfiq ? 1 : 0}>
                  vFIQ
                </span>
              </span>
            }
          >
            <ListRegisters v={v} intid={cur.vm === vm ? cur.intid : undefined} />
          </Card>
          <Card title="ap_list (KVM's order)" testid="vcpu-aplist" area="aplist">
            <ApList v={v} intid={cur.vm === vm ? cur.intid : undefined} />
          </Card>
          <Card title="Virtual CPU interface" testid="vcpu-ich" area="ich">
            <Interface v={v} />
          </Card>
          <Card title="Run loop" testid="vcpu-run" area="run">
            <Run v={v} />
          </Card>
          <Card title="Guest" testid="vcpu-guest" area="guest">
            <Guest v={v} />
          </Card>
        </Grid>
      )}
    </div>
  );
}

const STATE_SHORT: Record<VcpuView['lrs'][number]['state'], string> = {
  invalid: 'invalid',
  pending: 'pending',
  active: 'active',
  'pending+active': 'pending+active',
};

function ListRegisters({ v, intid }: { v: VcpuView; intid?: number }) {
  return (
    <table className="insp-table lrs">
      <thead>
        <tr>
          <th scope="col">LR</th>
          <th scope="col">state</th>
          <th scope="col" className="num">
            vINTID
          </th>
          <th scope="col" className="num" title="Physical INTID (HW = 1)">
            pINTID
          </th>
          <th scope="col">prio</th>
          <th scope="col" className="num">
            grp
          </th>
          <th scope="col" title="Backed by a physical interrupt">
            HW
          </th>
          <th scope="col" title="EOI maintenance interrupt on deactivation (HW = 0)">
            EOI
          </th>
          <th scope="col">value</th>
        </tr>
      </thead>
      <tbody>
        {v.lrs.map((l) => {
          const current = l.used && l.state !== 'invalid' && intid === l.vintid;
          const cls = [current ? 'current' : '', l.used ? '' : 'unused'].filter(Boolean).join(' ');
          return (
            <tr
              key={l.lr}
              className={cls}
              data-lr={l.lr}
              data-state={l.state}
              data-vintid={l.vintid}
              data-pintid={l.pintid}
              data-priority={l.priority}
              data-group={l.group}
              data-hw={l.hw}
              data-eoi={l.eoi}
              data-used={l.used}
              data-current={current || undefined}
              title={l.used ? undefined : 'Not used by the last entry: what it holds is stale'}
            >
              <td className="mono">LR{l.lr}</td>
              <td className={`lr-state ${l.state.replace('+', '-')}`}>{STATE_SHORT[l.state]}</td>
              <td className="num mono">{l.state === 'invalid' && !l.used ? '–' : l.vintid}</td>
              <td className="num mono">{l.hw ? l.pintid : <span className="muted">–</span>}</td>
              <td className="mono">{hex(l.priority, 2)}</td>
              <td className="num">{l.group}</td>
              <td>{l.hw ? 'HW' : <span className="muted">–</span>}</td>
              <td>{l.eoi ? 'EOI' : <span className="muted">–</span>}</td>
              <td className="mono small">{l.value}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function ApList({ v, intid }: { v: VcpuView; intid?: number }) {
  if (v.apList.length === 0) return <p className="insp-msg">Empty: KVM has nothing queued for this vCPU.</p>;
  return (
    <table className="insp-table aplist">
      <thead>
        <tr>
          <th scope="col" className="num">
            #
          </th>
          <th scope="col">INTID</th>
          <th scope="col">state</th>
          <th
            scope="col"
            title="debugfs vgic-state flags: Pending latch, Line level, Active, Enabled, HW, Config (level), Group"
          >
            PLAEHCG
          </th>
          <th scope="col">prio</th>
          <th scope="col" className="num" title="The vCPU it targets">
            target
          </th>
          <th scope="col" title="The list register it is in">
            LR
          </th>
        </tr>
      </thead>
      <tbody>
        {v.apList.map((irq, i) => {
          const current = intid === irq.intid;
          // While an interrupt is in a list register, the LR holds its state (KVM folds it back at
          // the next exit): say so, rather than show a vgic_irq that looks idle.
          const inLr = irq.lr >= 0 ? v.lrs[irq.lr] : undefined;
          const state = inLr
            ? `${inLr.state} in LR${irq.lr}`
            : irq.active
              ? irq.pending
                ? 'active+pending'
                : 'active'
              : irq.pending
                ? 'pending'
                : 'idle';
          return (
            <tr
              key={irq.intid}
              className={current ? 'current' : ''}
              data-intid={irq.intid}
              data-pending={irq.pending}
              data-active={irq.active}
              data-lr={irq.lr}
              data-current={current || undefined}
            >
              <td className="num muted">{i}</td>
              <td className="mono">
                {irq.intid} <span className="muted">{irq.kind}</span>
              </td>
              <td>
                {state}
                {irq.config === 'level' ? (
                  <span className="muted"> (level{irq.lineLevel ? ', line high' : ''})</span>
                ) : null}
                {!irq.enabled && <span className="muted"> · disabled</span>}
              </td>
              <td className="mono">{irq.flags}</td>
              <td className="mono">{hex(irq.priority, 2)}</td>
              <td className="num">{irq.target >= 0 ? irq.target : <span className="muted">none</span>}</td>
              <td className="mono">{irq.lr >= 0 ? `LR${irq.lr}` : <span className="muted">–</span>}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Interface({ v }: { v: VcpuView }) {
  const set = (r: VcpuView['ich']['hcr']) =>
    r.fields
      .filter((f) => f.value !== 0)
      .map((f) => (f.value === 1 ? f.name : `${f.name}=${hex(f.value)}`))
      .join(' ') || 'none set';
  return (
    <>
      <div className="reg-lines">
        <RegLine
          name="ICH_HCR_EL2"
          value={v.ich.hcr.value}
          summary={set(v.ich.hcr)}
          fields={v.ich.hcr.fields}
        />
        <RegLine
          name="ICH_VMCR_EL2"
          value={v.ich.vmcr.value}
          summary={set(v.ich.vmcr)}
          fields={v.ich.vmcr.fields}
        />
        <RegLine
          name="ICH_MISR_EL2"
          value={v.ich.misr.value}
          summary={v.ich.misr.fields.some((f) => f.value) ? set(v.ich.misr) : 'no maintenance condition'}
          fields={v.ich.misr.fields}
        />
      </div>
      <dl className="kvs">
        <KV
          field="eisr"
          label="ICH_EISR_EL2"
          value={v.ich.eisr}
          title="LRs signalling an EOI maintenance interrupt"
        />
        <KV field="elrsr" label="ICH_ELRSR_EL2" value={v.ich.elrsr} title="Empty LRs" />
        <KV
          field="ap1r0"
          label="ICH_AP1R0_EL2"
          value={v.ich.ap1r[0] ?? ''}
          title="Group 1 active priorities"
        />
      </dl>
      <table className="insp-table icv">
        <tbody>
          {v.icv.map((r) => (
            <tr key={r.name} data-reg={r.name} data-value={r.value}>
              <td className="mono">{r.name}</td>
              <td className="mono num">{r.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="insp-info">ICV_IAR1_EL1 is read here without acknowledging anything.</p>
    </>
  );
}

function Run({ v }: { v: VcpuView }) {
  const c = v.counters;
  const exits = Object.entries(c.exits);
  const total = exits.reduce((a, [, n]) => a + n, 0);
  const e = v.lastExit;
  return (
    <>
      <dl className="kvs">
        <KV field="mode" label="mode" value={v.mode} />
        <KV field="pcpu" label="pCPU" value={v.pcpu >= 0 ? v.pcpu : '–'} />
        <KV field="pinned" label="pinned to" value={v.pinned >= 0 ? `pCPU ${v.pinned}` : 'no'} />
        <KV field="entries" label="entries" value={c.entries} />
        <KV field="exits" label="exits" value={total} />
        <KV field="kicks" label="kicks / IPIs" value={`${c.kicks} / ${c.ipis}`} />
        <KV field="loads" label="loads (moved)" value={`${c.loads} (${c.migrations})`} />
        <KV field="blocks" label="WFI blocks" value={c.blocks} />
      </dl>
      <table className="insp-table exits">
        <thead>
          <tr>
            <th scope="col">exit reason</th>
            <th scope="col" className="num">
              count
            </th>
          </tr>
        </thead>
        <tbody>
          {exits.map(([reason, n]) => (
            <tr key={reason} data-field={`exit-${reason}`} data-value={n}>
              <td>
                {reason}
                {reason === 'irq' && n > 0 && (
                  <span className="muted">
                    {' '}
                    (
                    {Object.entries(c.irqExits)
                      .filter(([, k]) => k > 0)
                      .map(([s, k]) => `${s} ${k}`)
                      .join(', ')}
                    )
                  </span>
                )}
              </td>
              <td className="num">{n}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="insp-info">
        {e ? (
          <>
            last exit: <strong>{e.reason}</strong>
            {e.source ? ` (${e.source}${e.intid !== undefined ? `, INTID ${e.intid}` : ''})` : ''}
            {e.misr ? ` · ICH_MISR_EL2 was ${e.misr}` : ''}
          </>
        ) : (
          'never exited'
        )}
        {v.exiting && ' · kicked, its IPI on the way'}
        {v.irqPendingRequest && ' · KVM_REQ_IRQ_PENDING'}
      </p>
    </>
  );
}

function Guest({ v }: { v: VcpuView }) {
  const g = v.guest;
  return (
    <>
      <p className="insp-info">
        <Flag on={!g.masked}>interrupts unmasked</Flag> · handler depth {g.depth} · {g.queued} access
        {g.queued === 1 ? '' : 'es'} still to run · policy {g.policy} ·{' '}
        <Flag on={v.lpisEnabled}>LPIs enabled</Flag>
      </p>
      {g.acked.length === 0 ? (
        <p className="insp-msg">The guest has acknowledged no interrupt yet.</p>
      ) : (
        <table className="insp-table acked">
          <thead>
            <tr>
              <th scope="col">vINTID acknowledged</th>
              <th scope="col" className="num">
                times
              </th>
            </tr>
          </thead>
          <tbody>
            {g.acked.map((a) => (
              <tr key={a.intid} data-intid={a.intid} data-count={a.count}>
                <td className="mono">{a.intid}</td>
                <td className="num">{a.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
