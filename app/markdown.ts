/**
 * Scenario narration is Markdown. It is rendered with micromark (CommonMark), which escapes raw
 * HTML and drops dangerous link protocols by default: a scenario file dropped on the page is
 * untrusted text, and its narration must not be able to run script in the page.
 */

import { micromark } from 'micromark';

export function markdownToHtml(text: string): string {
  return micromark(text);
}
