/**
 * The breakpoint list of the playback bar: add one on an INTID, a DeviceID/EventID, an ITS command,
 * any error or a write to a register; see them listed in words, the one playback last stopped at
 * marked; remove them. Stepping forward or back and playing stop at the first event that matches
 * (the worker does the matching).
 */

import { useState } from 'react';
import {
  BREAKPOINT_KINDS,
  describeBreakpoint,
  parseBreakpoint,
  type BreakpointForm,
  type BreakpointKind,
} from '../playback/breakpoints';
import { appStore, useApp } from '../store';

const NO_COMMANDS: string[] = [];

function Fields({
  form,
  set,
  commands,
}: {
  form: BreakpointForm;
  set: (f: Partial<BreakpointForm>) => void;
  commands: string[];
}) {
  const input = (key: 'intid' | 'devid' | 'eventid' | 'register', label: string, placeholder: string) => (
    <label>
      {label}{' '}
      <input
        value={form[key] ?? ''}
        placeholder={placeholder}
        size={key === 'register' ? 16 : 7}
        onChange={(e) => set({ [key]: e.target.value })}
        data-testid={`bp-${key}`}
      />
    </label>
  );
  switch (form.kind) {
    case 'intid':
      return input('intid', 'INTID', '8195');
    case 'device':
      return (
        <>
          {input('devid', 'DeviceID', '16')}
          {input('eventid', 'EventID', 'any')}
        </>
      );
    case 'command':
      return (
        <label>
          command{' '}
          <select
            value={form.command ?? ''}
            onChange={(e) => set({ command: e.target.value })}
            data-testid="bp-command"
          >
            <option value="">choose…</option>
            {commands.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
      );
    case 'error':
      return <span className="muted">a refused command or access, a dropped MSI</span>;
    case 'register':
      return input('register', 'register', 'GITS_CWRITER');
  }
}

export function Breakpoints() {
  const breakpoints = useApp((s) => s.breakpoints);
  const stoppedAt = useApp((s) => s.stoppedAt);
  const commands = useApp((s) => s.session?.shape.itsCommands) ?? NO_COMMANDS;
  const open = useApp((s) => s.breakpointsOpen);
  const setOpen = (o: boolean): void => appStore.getState().toggleBreakpoints(o);
  const [form, setForm] = useState<BreakpointForm>({ kind: 'intid' });
  const [error, setError] = useState<string | null>(null);
  const set = (f: Partial<BreakpointForm>): void => {
    setForm({ ...form, ...f });
    setError(null);
  };

  const add = (): void => {
    const r = parseBreakpoint(form, commands);
    if (!r.ok) {
      setError(r.error);
      return;
    }
    appStore.getState().addBreakpoint(r.breakpoint);
    setForm({ kind: form.kind });
  };

  return (
    <div className="breakpoints">
      <button
        type="button"
        aria-expanded={open}
        aria-controls="breakpoint-panel"
        onClick={() => setOpen(!open)}
        title="Breakpoints (b)"
        data-testid="breakpoints-toggle"
        className={breakpoints.length ? 'has-breakpoints' : ''}
      >
        breakpoints{breakpoints.length ? ` (${breakpoints.length})` : ''}
      </button>
      {open && (
        <div
          className="breakpoint-panel"
          id="breakpoint-panel"
          role="dialog"
          aria-label="Breakpoints"
          data-testid="breakpoint-panel"
          onKeyDown={(e) => {
            if (e.key === 'Escape') setOpen(false);
          }}
        >
          <form
            className="breakpoint-form"
            onSubmit={(e) => {
              e.preventDefault();
              add();
            }}
          >
            <label>
              stop at{' '}
              <select
                value={form.kind}
                onChange={(e) => {
                  setForm({ kind: e.target.value as BreakpointKind });
                  setError(null);
                }}
                data-testid="bp-kind"
              >
                {BREAKPOINT_KINDS.map((k) => (
                  <option key={k.kind} value={k.kind}>
                    {k.label}
                  </option>
                ))}
              </select>
            </label>
            <Fields form={form} set={set} commands={commands} />
            <button type="submit" data-testid="bp-add">
              add
            </button>
          </form>
          {error && (
            <p className="bp-error" role="alert" data-testid="bp-error">
              {error}
            </p>
          )}
          {breakpoints.length === 0 ? (
            <p className="muted">
              No breakpoints. Stepping and playing stop at the first event that matches one.
            </p>
          ) : (
            <ul className="breakpoint-list" data-testid="breakpoint-list">
              {breakpoints.map((b, i) => (
                <li key={i} className={stoppedAt === i ? 'hit' : ''} data-hit={stoppedAt === i}>
                  <span>
                    {i + 1}. {describeBreakpoint(b)}
                  </span>
                  <button
                    type="button"
                    aria-label={`Remove breakpoint ${i + 1}`}
                    onClick={() => appStore.getState().removeBreakpoint(i)}
                  >
                    remove
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
