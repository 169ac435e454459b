/**
 * The scenario picker: the scenarios of /scenarios/index.json grouped by track, plus the open
 * file when the index does not list it (a link with ?scenario= works without the index).
 * Picking one opens it and records it in the URL.
 */

import type { ScenarioEntry } from '../scenarios';
import { appStore, useApp } from '../store';
import { setScenarioInUrl } from '../url';

function byTrack(entries: ScenarioEntry[]): [string, ScenarioEntry[]][] {
  const groups = new Map<string, ScenarioEntry[]>();
  for (const e of entries) {
    const track = e.track ?? 'Scenarios';
    groups.set(track, [...(groups.get(track) ?? []), e]);
  }
  return [...groups];
}

export function ScenarioPicker() {
  const catalog = useApp((s) => s.catalog);
  const file = useApp((s) => s.file);
  const listed = file === null || catalog.some((e) => e.file === file);

  return (
    <div className="picker">
      {/* The choices say what it is ("Choose a scenario…"); the label is for screen readers. */}
      <label htmlFor="scenario-picker" className="sr-only">
        Scenario
      </label>
      <select
        id="scenario-picker"
        data-testid="scenario-picker"
        value={file ?? ''}
        onChange={(ev) => {
          const next = ev.target.value;
          if (!next) return;
          setScenarioInUrl(next);
          void appStore.getState().open(next);
        }}
      >
        <option value="" disabled>
          {catalog.length ? 'Choose a scenario…' : 'No scenarios listed'}
        </option>
        {!listed && <option value={file}>{file}</option>}
        {byTrack(catalog).map(([track, entries]) => (
          <optgroup key={track} label={track}>
            {entries.map((e) => (
              <option key={e.file} value={e.file}>
                {e.title}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    </div>
  );
}
