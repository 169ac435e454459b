/**
 * The page's URL holds the scenario and the position (`?scenario=conformance/x.json&at=42`), so a
 * link reopens the same step of the same scenario. Slashes stay readable in the address bar
 * instead of becoming %2F. The position is written with replaceState: stepping must not fill the
 * browser's history with one entry per event.
 */

export interface UrlState {
  scenario: string | null;
  at: number;
}

export function readUrl(search: string = window.location.search): UrlState {
  const q = new URLSearchParams(search);
  const at = Number(q.get('at') ?? 0);
  return { scenario: q.get('scenario'), at: Number.isInteger(at) && at >= 0 ? at : 0 };
}

function write(q: URLSearchParams, push: boolean): void {
  const url = `${window.location.pathname}?${q.toString().replaceAll('%2F', '/')}`;
  if (push) window.history.pushState(null, '', url);
  else window.history.replaceState(null, '', url);
}

/** A new scenario is a new history entry (Back returns to the previous one). */
export function setScenarioInUrl(file: string): void {
  const q = new URLSearchParams();
  q.set('scenario', file);
  write(q, true);
}

export function setPositionInUrl(at: number): void {
  const q = new URLSearchParams(window.location.search);
  if (!q.get('scenario')) return;
  if (at > 0) q.set('at', String(at));
  else q.delete('at');
  write(q, false);
}

/**
 * The open session did not come from a link (a file from disk, a sandbox): the URL stops naming a
 * scenario, since reopening it would show something else. Other parameters (debug) stay.
 */
export function clearScenarioInUrl(): void {
  const q = new URLSearchParams(window.location.search);
  if (!q.has('scenario') && !q.has('at')) return;
  q.delete('scenario');
  q.delete('at');
  write(q, true);
}
