/**
 * Pieces every inspector uses: the current event's ids, the position-0 hint, the loading and error
 * states of a view, a card with a scrolling body, and a decoded register's fields.
 */

import { useMemo, useState, type ReactNode } from 'react';
import type { DecodedField } from '../../engine';
import { useApp } from '../store';
import type { InspectRequest } from '../worker/api';
import { currentOf, type Current } from './current';
import { hex } from './format';
import type { Inspected } from './use-inspect';
import './inspectors.css';

/** What the current event is about (see current.ts). */
export function useCurrent(): Current {
  const event = useApp((s) => s.frame?.event);
  const focus = useApp((s) => s.frame?.stage.focus);
  const vms = useApp((s) => s.session?.shape.vms);
  return useMemo(
    () =>
      currentOf(
        event,
        focus,
        vms?.map((v) => v.name),
      ),
    [event, focus, vms],
  );
}

/** The position shown (0: the machine as built). */
export const usePosition = (): number => useApp((s) => s.frame?.position ?? 0);

/**
 * `v`, or when it is undefined the last defined value it had: an inspector that follows the
 * current event keeps showing the last thing an event named while events name nothing.
 */
export function useLastDefined<T>(v: T | undefined): T | undefined {
  const [last, setLast] = useState<T | undefined>(v);
  if (v !== undefined && v !== last) setLast(v);
  return v ?? last;
}

/** The newest good answer of a view: a refused request leaves the previous view on screen. */
export function useLastGood<V extends InspectRequest['view']>(
  r: Inspected<V>,
): Extract<Inspected<V>, { state: 'ok' }> | undefined {
  const [good, setGood] = useState<Extract<Inspected<V>, { state: 'ok' }> | undefined>(undefined);
  if (r.state === 'ok' && r !== good) setGood(r);
  return r.state === 'ok' ? r : good;
}

/** Says that position 0 is the machine before anything ran. */
export function StartHint() {
  const position = usePosition();
  if (position > 0) return null;
  return (
    <p className="insp-start" data-testid="position-zero">
      Position 0: the machine as built, before any event. Nothing is set up yet; step forward.
    </p>
  );
}

/** A view that is not there: still loading, or refused with the engine's message. */
export function ViewState({ r, what }: { r: Inspected<InspectRequest['view']>; what: string }) {
  if (r.state === 'loading') return <p className="insp-msg">Reading the {what}…</p>;
  if (r.state === 'error')
    return (
      <p className="insp-msg insp-error" role="alert" data-testid="view-error">
        {r.error}
      </p>
    );
  return null;
}

export function Card({
  title,
  testid,
  extra,
  className,
  area,
  children,
}: {
  title: ReactNode;
  testid: string;
  extra?: ReactNode;
  className?: string;
  /** The area of its inspector's grid it takes (named in the grid's template, inspectors.css). */
  area?: string;
  children: ReactNode;
}) {
  return (
    <section
      className={className ? `insp-card ${className}` : 'insp-card'}
      data-testid={testid}
      style={area ? { gridArea: area } : undefined}
    >
      <header className="insp-card-head">
        <h3>{title}</h3>
        {extra}
      </header>
      {/* A card's body scrolls inside its grid cell: it takes the focus so the keyboard can scroll it. */}
      <div
        className="insp-card-body"
        tabIndex={0}
        role="region"
        aria-label={typeof title === 'string' ? title : testid.replaceAll('-', ' ')}
      >
        {children}
      </div>
    </section>
  );
}

/** A decoded register's fields: name, bits, value. */
export function Fields({ fields }: { fields: readonly DecodedField[] }) {
  if (fields.length === 0) return <p className="insp-msg">No fields: the register is one value.</p>;
  return (
    <table className="insp-table fields">
      <thead>
        <tr>
          <th scope="col">field</th>
          <th scope="col">bits</th>
          <th scope="col" className="num">
            value
          </th>
        </tr>
      </thead>
      <tbody>
        {fields.map((f) => (
          <tr key={f.name} data-field={f.name} data-value={f.value}>
            <td className="mono">{f.name}</td>
            <td className="mono muted">{f.bits}</td>
            <td className="num mono">{f.value > 9 ? `${hex(f.value)} (${f.value})` : f.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A register's value, with its fields one click away. */
export function RegLine({
  name,
  value,
  summary,
  fields,
}: {
  name: string;
  value: string;
  summary: ReactNode;
  fields: readonly DecodedField[];
}) {
  return (
    <details className="reg-line" data-reg={name} data-value={value}>
      <summary>
        <span className="reg-name mono">{name}</span>
        <span className="reg-value mono">{value}</span>
        <span className="reg-summary">{summary}</span>
      </summary>
      <Fields fields={fields} />
    </details>
  );
}

/** A flag: on (accent), off (muted). */
export function Flag({ on, children }: { on: boolean; children: ReactNode }) {
  return <span className={on ? 'flag on' : 'flag off'}>{children}</span>;
}

/** One labelled value of a key-value grid (`<dl className="kv-grid">`), with its data attributes for tests. */
export function KV({
  field,
  label,
  value,
  title,
}: {
  field: string;
  label: string;
  value: string | number;
  title?: string;
}) {
  return (
    <div className="kv" data-field={field} data-value={value} title={title}>
      <dt>{label}</dt>
      <dd className="mono">{value}</dd>
    </div>
  );
}

/**
 * An inspector's scrolling grid of cards. It takes the focus (Tab) so that a keyboard user can
 * scroll it with the arrow keys, and it is a named region for a screen reader.
 */
export function Grid({
  label,
  className,
  children,
}: {
  label: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <div
      className={className ? `insp-grid ${className}` : 'insp-grid'}
      tabIndex={0}
      role="region"
      aria-label={label}
    >
      {children}
    </div>
  );
}
