/**
 * "New sandbox": a button in the header and the dialog it opens, where the user picks the
 * machine's shape (behaviour profile, CPUs, ITSs, PCI devices) and whether it starts brought up
 * (lesson 2.2's first step) or as at reset. The machine is opened as scenario text, and the
 * console tab comes forward.
 */

import { useEffect, useRef, useState } from 'react';
import { appStore } from '../store';
import {
  bringUpLines,
  DEFAULT_SHAPE,
  device,
  LIMITS,
  normalise,
  PROFILES,
  sandboxTitle,
  type SandboxShape,
} from './empty-machine';
import './sandbox.css';

type Form = {
  profile: SandboxShape['profile'];
  cpus: string;
  its: string;
  devices: string;
  bringUp: boolean;
};

const formOf = (s: SandboxShape): Form => ({
  profile: s.profile,
  cpus: String(s.cpus),
  its: String(s.its),
  devices: String(s.devices),
  bringUp: s.bringUp,
});

const shapeOf = (f: Form): SandboxShape =>
  normalise({
    profile: f.profile,
    cpus: Number(f.cpus),
    its: Number(f.its),
    devices: Number(f.devices),
    bringUp: f.bringUp,
  });

export function NewSandbox() {
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState<Form>(() => formOf(DEFAULT_SHAPE));
  const [busy, setBusy] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);

  const shape = shapeOf(form);
  const devices = [...Array(Math.min(shape.devices, 3)).keys()].map((i) => device(i, shape.its));
  const lines = shape.bringUp ? bringUpLines(shape).filter((l) => !l.startsWith('#')).length : 0;

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

  const number = (key: 'cpus' | 'its' | 'devices', label: string, disabled = false) => (
    <label className="ns-field">
      <span>{label}</span>
      <input
        type="number"
        min={LIMITS[key][0]}
        max={LIMITS[key][1]}
        value={form[key]}
        disabled={disabled}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
        data-testid={`sandbox-${key}`}
      />
      <small>
        {LIMITS[key][0]} to {LIMITS[key][1]}
      </small>
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
        className="new-sandbox"
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
            </span>
          </label>
          <p className="ns-summary" data-testid="sandbox-summary">
            {sandboxTitle(shape)}
            {shape.bringUp ? `, brought up in ${lines} lines` : ', as at reset'}
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
