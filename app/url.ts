/**
 * The page's URL holds the scenario and the position (`?scenario=conformance/x.json&at=42`), so a
 * link reopens the same step of the same scenario. Slashes stay readable in the address bar
 * instead of becoming %2F. The position is written with replaceState: stepping must not fill the
 * browser's history with one entry per event.
 *
 * Two more things may be in it:
 * - `#share=<payload>`: a share link (app/share/share-link.ts), the whole state in the fragment.
 *   It wins over `?scenario=`. Once a link to a catalog scenario is restored the URL goes back to
 *   the readable `?scenario=&at=` form; a link carrying scenario text keeps its fragment (there
 *   is no shorter way to name that session) until another session is opened.
 * - `?embed`: the page shows the stage and the playback bar only (for a slide or a wiki); it
 *   stays in the URL whatever else changes.
 */

import { shareFragment } from './share/share-link';

export interface UrlState {
  scenario: string | null;
  at: number;
  /** `?embed` (or `?embed=1`); `?embed=0` and `?embed=false` do not embed. */
  embed: boolean;
  /** The payload of a `#share=` fragment (possibly empty or malformed), or null when there is none. */
  share: string | null;
}

export function readUrl(
  search: string = window.location.search,
  hash: string = window.location.hash,
): UrlState {
  const q = new URLSearchParams(search);
  const at = Number(q.get('at') ?? 0);
  const embed = q.get('embed');
  return {
    scenario: q.get('scenario'),
    at: Number.isInteger(at) && at >= 0 ? at : 0,
    embed: embed !== null && embed !== '0' && embed !== 'false',
    share: shareFragment(hash),
  };
}

/** `?embed&scenario=…` rather than `?embed=&scenario=…`, and slashes left readable. */
export function queryText(q: URLSearchParams): string {
  const text = q
    .toString()
    .replaceAll('%2F', '/')
    .replace(/(^|&)embed=(?=&|$)/, '$1embed');
  return text ? `?${text}` : '';
}

/** Writes the query; the fragment goes unless it is given (a new query names a new state). */
function write(q: URLSearchParams, push: boolean, hash = ''): void {
  const url = `${window.location.pathname}${queryText(q)}${hash}`;
  if (push) window.history.pushState(null, '', url);
  else window.history.replaceState(null, '', url);
}

/** The current query with the session parameters removed (embed, debug... stay). */
function otherParams(): URLSearchParams {
  const q = new URLSearchParams(window.location.search);
  q.delete('scenario');
  q.delete('at');
  return q;
}

/** A new scenario is a new history entry (Back returns to the previous one). */
export function setScenarioInUrl(file: string): void {
  const q = new URLSearchParams();
  if (readUrl().embed) q.set('embed', '');
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
 * scenario, since reopening it would show something else. Other parameters (debug) stay; a share
 * fragment goes, for the same reason.
 */
export function clearScenarioInUrl(): void {
  const q = new URLSearchParams(window.location.search);
  if (!q.has('scenario') && !q.has('at') && readUrl().share === null) return;
  write(otherParams(), true);
}

/** A share link to a catalog scenario was restored: the URL says the same thing the readable way. */
export function replaceShareWithScenario(file: string, at: number): void {
  const q = otherParams();
  q.set('scenario', file);
  if (at > 0) q.set('at', String(at));
  write(q, false);
}

/**
 * A share link carrying scenario text was restored (or refused): the fragment stays as the page's
 * name for it, and a `?scenario=` beside it, which the link overrode, goes.
 */
export function keepOnlyShareInUrl(): void {
  write(otherParams(), false, window.location.hash);
}
