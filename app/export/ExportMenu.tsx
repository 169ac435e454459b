/** The header's export control (filled in by the export work). */
export function ExportMenu() {
  return null;
}
