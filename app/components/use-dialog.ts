/**
 * A native <dialog> opened and closed from store state: `showModal()` gives focus trapping,
 * Escape to close and the backdrop for free; the dialog's own close (Escape, a form with
 * method="dialog") is reported back through its onClose so the store follows.
 */

import { useEffect, useRef, type RefObject } from 'react';

export function useDialog(open: boolean): RefObject<HTMLDialogElement | null> {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return dialog;
}
