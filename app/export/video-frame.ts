/**
 * One frame of the exported video: the stage as drawn on screen, and under it (when asked for)
 * a caption band with the scenario, the step, the position and the sentence the explain layer
 * wrote for the event that brought the machine there, so a video on a slide says what it shows
 * without a presenter. The sizes and the text wrapping are pure functions (tested in Node); the
 * painting itself takes a 2D context.
 */

export interface FrameLayout {
  /** The canvas, in pixels (even numbers: video encoders work in 2x2 blocks). */
  width: number;
  height: number;
  /** Pixels per CSS pixel of the stage. */
  scale: number;
  /** The stage's part of the canvas (from the top), and the caption band's under it. */
  stageHeight: number;
  captionHeight: number;
}

/** The caption band's height in CSS pixels: a heading line and two lines of narration. */
export const CAPTION_CSS_HEIGHT = 64;

/** The largest frame: 1080p, which slides and video players handle everywhere. */
const MAX = { width: 1920, height: 1080 };

const even = (v: number): number => Math.max(2, 2 * Math.round(v / 2));

/**
 * The frame for a stage of `width` x `height` CSS pixels: as sharp as up to 2 device pixels per
 * CSS pixel allows within 1080p, never smaller than the stage itself.
 */
export function frameLayout(width: number, height: number, caption: boolean): FrameLayout {
  const band = caption ? CAPTION_CSS_HEIGHT : 0;
  const fit = Math.min(MAX.width / width, MAX.height / (height + band));
  const scale = Math.max(1, Math.min(2, fit));
  const w = even(width * scale);
  const stageHeight = Math.round(height * scale);
  const captionHeight = caption ? Math.round(band * scale) : 0;
  return { width: w, height: even(stageHeight + captionHeight), scale, stageHeight, captionHeight };
}

/**
 * `text` in lines no wider than `maxWidth` (as `measure` says), at most `maxLines`; the last one
 * ends with an ellipsis when the text goes on. A word longer than a line is cut.
 */
export function wrapText(
  text: string,
  maxWidth: number,
  measure: (s: string) => number,
  maxLines: number,
): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  /** The next word to place. */
  let k = 0;
  while (k < words.length && lines.length < maxLines) {
    const w = words[k]!;
    const next = line ? `${line} ${w}` : w;
    if (measure(next) <= maxWidth) {
      line = next;
      k++;
    } else if (line) {
      lines.push(line);
      line = '';
    } else {
      // One word wider than a line: as much of it as fits, the rest on the next line.
      let cut = w;
      while (cut.length > 1 && measure(cut) > maxWidth) cut = cut.slice(0, -1);
      lines.push(cut);
      if (cut.length < w.length) words[k] = w.slice(cut.length);
      else k++;
    }
  }
  if (line) lines.push(line);
  if (k < words.length && lines.length) {
    let last = lines[lines.length - 1]!;
    while (last && measure(`${last}…`) > maxWidth) last = last.slice(0, -1).trimEnd();
    lines[lines.length - 1] = `${last}…`;
  }
  return lines;
}

export interface Caption {
  /** 'Map and fire · MSI: the ITS walks its tables · event 42 of 63'. */
  heading: string;
  /** The event's narration. */
  text: string;
}

export interface Palette {
  background: string;
  foreground: string;
  muted: string;
  border: string;
  font: string;
}

/** Paints a frame: the stage image scaled into its part, and the caption band. */
export function paintFrame(
  ctx: CanvasRenderingContext2D,
  stage: CanvasImageSource,
  layout: FrameLayout,
  caption: Caption | null,
  palette: Palette,
): void {
  const { width, height, scale, stageHeight, captionHeight } = layout;
  ctx.fillStyle = palette.background;
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(stage, 0, 0, width, stageHeight);
  if (!caption || captionHeight === 0) return;
  const top = stageHeight;
  const pad = 10 * scale;
  ctx.fillStyle = palette.border;
  ctx.fillRect(0, top, width, Math.max(1, scale));
  ctx.textBaseline = 'top';
  ctx.fillStyle = palette.muted;
  ctx.font = `600 ${12 * scale}px ${palette.font}`;
  const heading = wrapText(caption.heading, width - 2 * pad, (s) => ctx.measureText(s).width, 1);
  ctx.fillText(heading[0] ?? '', pad, top + 7 * scale);
  ctx.fillStyle = palette.foreground;
  ctx.font = `${14 * scale}px ${palette.font}`;
  const lines = wrapText(caption.text, width - 2 * pad, (s) => ctx.measureText(s).width, 2);
  lines.forEach((l, i) => ctx.fillText(l, pad, top + (25 + i * 18) * scale));
}
