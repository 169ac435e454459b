/** The header's share control (filled in by the share-link work). */
export function ShareButton() {
  return null;
}
