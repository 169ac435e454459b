/**
 * Opening files from disk: a file chooser in the header, and a drop anywhere on the page. One
 * scenario (.json) goes to the engine as text, which validates it; a QEMU trace (.log or .log.gz,
 * with its optional cmdq and proptable dumps, chosen or dropped together) is handed to the worker,
 * which streams it with a progress bar (TraceProgress). A file that cannot be opened is reported
 * (file, line, what is wrong) and the session already open stays open.
 */

import { useEffect, useRef } from 'react';
import { appStore } from '../store';
import { TraceProgress } from './TraceProgress';

export function OpenFile() {
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const over = (e: DragEvent): void => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    };
    const drop = (e: DragEvent): void => {
      const files = e.dataTransfer?.files;
      if (!files?.length) return;
      e.preventDefault();
      void appStore.getState().openFiles([...files]);
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
        title="Open a scenario (.json), or a QEMU trace (.log or .log.gz, with its cmdq and proptable dumps): choose several files at once, or drop them on the page"
      >
        Open file…
      </button>
      <input
        ref={input}
        type="file"
        multiple
        accept=".json,application/json,.log,.gz,.bin"
        hidden
        data-testid="open-file"
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          if (files.length) void appStore.getState().openFiles(files);
        }}
      />
      <TraceProgress />
    </>
  );
}
