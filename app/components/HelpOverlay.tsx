/** The keyboard shortcuts, from the same table that handles the keys (app/keyboard.ts). */

import { keyLabel, SHORTCUTS } from '../keyboard';
import { appStore, useApp } from '../store';
import { useDialog } from './use-dialog';

export function HelpOverlay() {
  const open = useApp((s) => s.helpOpen);
  const dialog = useDialog(open);
  return (
    <dialog
      ref={dialog}
      className="modal help"
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
