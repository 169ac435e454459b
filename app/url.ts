/**
 * The page's URL holds the scenario (`?scenario=conformance/x.json`), so a link reproduces what
 * the page shows. Slashes stay readable in the address bar instead of becoming %2F.
 */

export function scenarioFromUrl(search: string = window.location.search): string | null {
  return new URLSearchParams(search).get('scenario');
}

export function setScenarioInUrl(file: string): void {
  const url = new URL(window.location.href);
  url.search = `?scenario=${encodeURIComponent(file).replace(/%2F/gi, '/')}`;
  window.history.replaceState(null, '', url);
}
