/** The keyboard shortcuts, from the same table that handles the keys (app/keyboard.ts). */

import { useEffect, useRef } from 'react';
import { keyLabel, SHORTCUTS } from '../keyboard';
import { appStore, useApp } from '../store';

export function HelpOverlay() {
  const open = useApp((s) => s.helpOpen);
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={dialog}
      className="help"
      aria-label="Keyboard shortcuts"
      onClose={() => appStore.getState().toggleHelp(false)}
      data-testid="help"
    >
      <h2>Keyboard shortcuts</h2>
      <table>
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.does}>
              <td>
                {s.keys.map((k, i) => (
                  <span key={k}>
                    {i > 0 && ' or '}
                    <kbd>{keyLabel(k)}</kbd>
                  </span>
                ))}
              </td>
              <td>{s.does}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="dialog">
        <button type="submit">Close</button>
      </form>
    </dialog>
  );
}
