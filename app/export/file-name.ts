/**
 * The names exported files are saved under: the scenario's id and where in its history the file
 * was taken, so a folder of exports sorts by scenario and then by position, and a file says what
 * it shows without being opened ('track2-map-and-fire-at42.png').
 */

import type { ScenarioEntry } from '../scenarios';

/**
 * The id of the open scenario: its catalogue id when it came from the catalogue, otherwise the
 * file's base name without its extension (a file from disk, a sandbox). Only characters that are
 * safe in a file name on every system are kept.
 */
export function scenarioId(
  file: string | null,
  catalog: readonly Pick<ScenarioEntry, 'id' | 'file'>[],
): string {
  const listed = file === null ? undefined : catalog.find((e) => e.file === file)?.id;
  const base =
    listed ??
    (file ?? '')
      .split(/[\\/]/)
      .pop()!
      .replace(/\.json$/i, '');
  const safe = base
    .replace(/[^\w.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 80);
  return safe || 'giclab';
}

/** `<id>-at<position>.<ext>`: a still of one position (SVG, PNG). */
export const stillName = (id: string, position: number, ext: 'svg' | 'png'): string =>
  `${id}-at${Math.max(0, Math.round(position))}.${ext}`;

/** `<id>-at<from>-to<to>.webm`: a recording of the positions from..to. */
export const videoName = (id: string, from: number, to: number): string =>
  `${id}-at${Math.max(0, Math.round(from))}-to${Math.max(0, Math.round(to))}.webm`;

/** `<id>.trace.json`: the whole event log (Perfetto and chrome://tracing open .json). */
export const traceName = (id: string): string => `${id}.trace.json`;
