/**
 * Saving a file the page made: a temporary object URL on a link with `download`, clicked. The URL
 * is revoked a little later rather than at once, because some browsers start reading it only
 * after the click's task has ended.
 */

export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
