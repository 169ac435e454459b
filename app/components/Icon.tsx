/**
 * The playback icons, drawn as SVG so they look the same on every machine (the media-control
 * characters ⏮ ⏭ ⏸ are missing from many fonts). Decorative: the buttons carry the labels.
 */

const PATHS = {
  'jump-start': 'M3 2h2v12H3zM14 2v12L6 8z',
  'step-back': 'M12 2v12L4 8z',
  play: 'M4 2v12l10-6z',
  pause: 'M4 2h3v12H4zM9 2h3v12H9z',
  'step-forward': 'M2 2v12l8-6zM11 2h2v12h-2z',
  'jump-end': 'M2 2v12l8-6zM11 2h3v12h-3z',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name }: { name: IconName }) {
  return (
    <svg className="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} fill="currentColor" />
    </svg>
  );
}
