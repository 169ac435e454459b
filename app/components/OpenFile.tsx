/**
 * Opening a scenario from disk: a file chooser in the header, and a drop anywhere on the page. The
 * text goes to the engine, which validates it; a file it refuses is reported (file, line, column,
 * field) and the scenario already open stays open.
 */

import { useEffect, useRef } from 'react';
import { appStore } from '../store';

/** Largest scenario file the page reads (a scenario is a few kilobytes; this is a runaway guard). */
const MAX_BYTES = 5 * 1024 * 1024;

async function openFile(file: File): Promise<void> {
  if (file.size > MAX_BYTES) {
    appStore.setState({
      errors: [
        `${file.name}: ${file.size} bytes is too large for a scenario file (the limit is ${MAX_BYTES})`,
      ],
    });
    return;
  }
  await appStore.getState().openText(await file.text(), file.name);
}

export function OpenFile() {
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const over = (e: DragEvent): void => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    };
    const drop = (e: DragEvent): void => {
      const f = e.dataTransfer?.files[0];
      if (!f) return;
      e.preventDefault();
      void openFile(f);
    };
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, []);

  return (
    <>
      <button
        type="button"
        onClick={() => input.current?.click()}
        title="Open a scenario file (or drop one on the page)"
      >
        Open file…
      </button>
      <input
        ref={input}
        type="file"
        accept=".json,application/json"
        hidden
        data-testid="open-file"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void openFile(f);
        }}
      />
    </>
  );
}
