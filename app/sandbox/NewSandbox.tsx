/**
 * "New sandbox": a button in the header and the dialog it opens, where the user picks the
 * machine's shape (behaviour profile, CPUs, ITSs, PCI devices, and a KVM virtual machine or none)
 * and whether it starts brought up (lesson 2.2's first step, and the guest's the same way) or as
 * at reset. The machine is opened as scenario text, and the console tab comes forward.
 */

import { useState } from 'react';
import { useDialog } from '../components/use-dialog';
import { appStore } from '../store';
import {
  bringUpLines,
  DEFAULT_SHAPE,
  DEFAULT_VM,
  device,
  guestBringUpLines,
  LIMITS,
  normalise,
  PROFILES,
  sandboxTitle,
  vmText,
  GIC_CHOICES,
  gicFor,
  type SandboxShape,
} from './empty-machine';
import './sandbox.css';

type Form = {
  profile: SandboxShape['profile'];
  gic: string;
  cpus: string;
  its: string;
  devices: string;
  bringUp: boolean;
  /** 'none' or 'one': the VM's fields below are kept while there is none, for when one is chosen again. */
  vm: 'none' | 'one';
  vcpus: string;
  lrs: string;
  vits: boolean;
  assignDev0: boolean;
};

const formOf = (s: SandboxShape): Form => {
  const vm = s.vm ?? DEFAULT_VM;
  return {
    profile: s.profile,
    gic: String(s.gic ?? 3),
    cpus: String(s.cpus),
    its: String(s.its),
    devices: String(s.devices),
    bringUp: s.bringUp,
    vm: s.vm ? 'one' : 'none',
    vcpus: String(vm.vcpus),
    lrs: String(vm.lrs),
    vits: vm.its,
    assignDev0: vm.assignDev0,
  };
};

const shapeOf = (f: Form): SandboxShape =>
  normalise({
    profile: f.profile,
    gic: Number(f.gic) as SandboxShape['gic'],
    cpus: Number(f.cpus),
    its: Number(f.its),
    devices: Number(f.devices),
    bringUp: f.bringUp,
    vm:
      f.vm === 'one'
        ? { vcpus: Number(f.vcpus), lrs: Number(f.lrs), its: f.vits, assignDev0: f.assignDev0 }
        : null,
  });

const count = (lines: readonly string[]): number => lines.filter((l) => !l.startsWith('#')).length;

export function NewSandbox() {
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState<Form>(() => formOf(DEFAULT_SHAPE));
  const [busy, setBusy] = useState(false);
  const dialog = useDialog(open);

  const shape = shapeOf(form);
  const devices = [...Array(Math.min(shape.devices, 3)).keys()].map((i) => device(i, shape.its));
  const lines = shape.bringUp ? count(bringUpLines(shape)) : 0;
  const guestLines = shape.bringUp ? count(guestBringUpLines(shape)) : 0;
  const vm = shape.vm;

  const create = async (): Promise<void> => {
    // Closed first, so that the focus it gives back to the button can move on to the console.
    setOpen(false);
    setBusy(true);
    try {
      await appStore.getState().newSandbox(shape);
    } finally {
      setBusy(false);
    }
  };

  const input = (key: 'cpus' | 'its' | 'devices' | 'vcpus' | 'lrs', disabled = false) => (
    <input
      id={`sandbox-${key}`}
      type="number"
      min={LIMITS[key][0]}
      max={LIMITS[key][1]}
      value={form[key]}
      disabled={disabled}
      onChange={(e) => setForm({ ...form, [key]: e.target.value })}
      data-testid={`sandbox-${key}`}
    />
  );

  const range = (key: 'cpus' | 'its' | 'devices' | 'vcpus' | 'lrs') => (
    <small>
      {LIMITS[key][0]} to {LIMITS[key][1]}
    </small>
  );

  const number = (key: 'cpus' | 'its' | 'devices', label: string, disabled = false) => (
    <label className="ns-field">
      <span>{label}</span>
      {input(key, disabled)}
      {range(key)}
    </label>
  );

  return (
    <>
      <button
        type="button"
        onClick={() => setOpen(true)}
        title="Start a sandbox: an empty machine of the shape you choose, driven from the console"
        data-testid="new-sandbox"
      >
        New sandbox…
      </button>
      <dialog
        ref={dialog}
        className="modal new-sandbox"
        aria-labelledby="new-sandbox-title"
        onClose={() => setOpen(false)}
        data-testid="new-sandbox-dialog"
      >
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <h2 id="new-sandbox-title">New sandbox</h2>
          <p className="ns-intro">
            An empty machine of the shape you choose. You drive it from the console, one command a line, and
            can save what you did as a scenario.
          </p>
          <label className="ns-field">
            <span>Behaviour profile</span>
            <select
              value={form.profile}
              onChange={(e) => setForm({ ...form, profile: e.target.value as SandboxShape['profile'] })}
              data-testid="sandbox-profile"
            >
              {PROFILES.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
            </select>
          </label>
          <label className="ns-field">
            <span>GIC version</span>
            <select
              value={String(shape.gic ?? 3)}
              onChange={(e) => setForm({ ...form, gic: e.target.value })}
              data-testid="sandbox-gic"
            >
              {GIC_CHOICES.map((g) => (
                <option key={g.id} value={String(g.id)} disabled={gicFor(form.profile, g.id) !== g.id}>
                  {g.label}
                </option>
              ))}
            </select>
          </label>
          {number('cpus', 'CPUs')}
          {number('its', 'ITSs')}
          {number('devices', 'PCI devices', shape.its === 0)}
          <p className="ns-note" data-testid="sandbox-devices-note">
            {shape.its === 0
              ? 'Without an ITS there are no LPIs and no MSIs, so no PCI devices.'
              : devices.length
                ? `${devices.map((d) => `${d.name} at ${d.bdf}`).join(', ')}${shape.devices > 3 ? ', …' : ''}: DeviceID = Requester ID (dev0 is 16)${shape.its > 1 ? ', spread over the ITSs' : ''}.`
                : 'No PCI devices: MSIs can still be sent with msi rid=<requester-id>.'}
          </p>
          <label className="ns-field">
            <span>Virtual machine</span>
            <select
              value={form.vm}
              onChange={(e) => setForm({ ...form, vm: e.target.value as Form['vm'] })}
              data-testid="sandbox-vm"
            >
              <option value="none">None</option>
              <option value="one">One VM under KVM (vm0)</option>
            </select>
          </label>
          {vm && (
            <div className="ns-vm" data-testid="sandbox-vm-fields">
              <div className="ns-field">
                <label htmlFor="sandbox-vcpus">vCPUs</label>
                {input('vcpus')}
                <span className="ns-more">
                  {range('vcpus')}
                  <label
                    className="ns-inline"
                    title="List registers per vCPU (ICH_VTR_EL2.ListRegs + 1); KVM's default is 4"
                  >
                    <span>List registers</span>
                    {input('lrs')}
                    {range('lrs')}
                  </label>
                </span>
              </div>
              <div className="ns-subs">
                <label
                  className="ns-check"
                  title="KVM_DEV_TYPE_ARM_VGIC_ITS: the guest gets LPIs and MSIs through its own ITS"
                >
                  <input
                    type="checkbox"
                    checked={form.vits}
                    onChange={(e) => setForm({ ...form, vits: e.target.checked })}
                    data-testid="sandbox-vits"
                  />
                  <span>A virtual ITS</span>
                </label>
                {shape.devices > 0 && (
                  <label
                    className="ns-check"
                    title="VFIO passthrough: dev0's MSIs reach the guest through KVM; the guest knows it as DeviceID 16"
                  >
                    <input
                      type="checkbox"
                      checked={form.assignDev0}
                      onChange={(e) => setForm({ ...form, assignDev0: e.target.checked })}
                      data-testid="sandbox-assign"
                    />
                    <span>Assign dev0 to the VM</span>
                  </label>
                )}
              </div>
            </div>
          )}
          <label className="ns-check">
            <input
              type="checkbox"
              checked={form.bringUp}
              onChange={(e) => setForm({ ...form, bringUp: e.target.checked })}
              data-testid="sandbox-bringup"
            />
            <span>
              Bring up LPIs and the ITS, as in lesson 2.2: distributor and CPU interfaces enabled, LPI
              property and pending tables, ITS tables and command queue (no mappings)
              {vm &&
                (vm.its
                  ? "; then the guest's, the same way, from inside vm0"
                  : "; then the guest's distributor and CPU interfaces, from inside vm0")}
            </span>
          </label>
          <p className="ns-summary" data-testid="sandbox-summary">
            {sandboxTitle(shape)}
            {!shape.bringUp
              ? ', as at reset'
              : vm
                ? `, brought up in ${lines} host lines and ${guestLines} guest lines`
                : `, brought up in ${lines} lines`}
            {vm && (
              <span className="ns-summary-vm" data-testid="sandbox-summary-vm">
                {vmText(vm)}
              </span>
            )}
          </p>
          <div className="ns-actions">
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
            <button type="submit" className="run" disabled={busy} data-testid="sandbox-create">
              Create
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
