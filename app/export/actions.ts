/**
 * What the export menu does, outside React: each action reads the open session from the store
 * and the live stage from the page, makes the file with the pure modules beside it, saves it, and
 * returns the file's name (or throws a sentence saying why it could not). The components only
 * call these and show the result.
 */

import { appStore } from '../store';
import type { Granularity } from '../worker/api';
import { getEngine } from '../worker/client';
import { chromeTrace } from './chrome-trace';
import { download } from './download';
import { fetchEventLog } from './event-log';
import { scenarioId, stillName, traceName, videoName } from './file-name';
import { svgImage, svgPng } from './raster';
import { findStage, stageBackground, stageSize, standaloneSvg, stillMeta, type StillMeta } from './stage-svg';
import { frameLayout, paintFrame, type Caption, type Palette } from './video-frame';
import { planFrames, rangeBounds, recordVideo, pickMimeType, type FramePlan, type VideoRange } from './video';

/** Pixels per CSS pixel of an exported PNG. */
export const PNG_SCALE = 2;

/** The open session, the position the stage shows, and the step it lies in. */
function current() {
  const s = appStore.getState();
  if (!s.session) throw new Error('no scenario is open');
  const position = s.frame?.position ?? s.position;
  const step = s.frame ? s.session.steps[s.frame.step] : undefined;
  return { s, session: s.session, position, step, id: scenarioId(s.file, s.catalog) };
}

/** A link that reopens the page at `position`, when the open scenario has one (not a file from disk). */
function linkTo(file: string | null, position: number): string | undefined {
  const url = new URL(window.location.href);
  if (!file || url.searchParams.get('scenario') !== file) return undefined;
  url.searchParams.delete('embed');
  if (position > 0) url.searchParams.set('at', String(position));
  else url.searchParams.delete('at');
  return url.toString();
}

/** The title and description of a still of what the stage shows now. */
function meta(): StillMeta {
  const { s, session, position, step } = current();
  const event = s.frame?.event;
  return stillMeta({
    scenario: session.title,
    position,
    length: s.length,
    ...(step ? { step: step.title } : {}),
    ...(event ? { event: { seq: event.seq, text: event.text } } : {}),
    ...(linkTo(s.file, position) ? { url: linkTo(s.file, position)! } : {}),
  });
}

function stage(): SVGSVGElement {
  const svg = findStage();
  if (!svg) throw new Error('the stage is not shown');
  return svg;
}

/** Saves the stage as an SVG file. */
export function exportSvg(): string {
  const { id, position } = current();
  const name = stillName(id, position, 'svg');
  download(new Blob([standaloneSvg(stage(), meta())], { type: 'image/svg+xml' }), name);
  return name;
}

/** Saves the stage as a PNG at PNG_SCALE device pixels per CSS pixel. */
export async function exportPng(): Promise<string> {
  const { id, position } = current();
  const svg = stage();
  const size = stageSize(svg);
  const png = await svgPng(
    standaloneSvg(svg, meta(), { scale: PNG_SCALE }),
    Math.round(size.width * PNG_SCALE),
    Math.round(size.height * PNG_SCALE),
  );
  const name = stillName(id, position, 'png');
  download(png, name);
  return name;
}

/** Saves the whole event log as a Chrome trace. */
export async function exportTrace(onProgress?: (done: number, total: number) => void): Promise<string> {
  const { s, session, id } = current();
  const rows = await fetchEventLog(getEngine(), s.length, onProgress ? { onProgress } : {});
  const trace = chromeTrace(rows, { title: session.title, file: s.file });
  const name = traceName(id);
  download(new Blob([JSON.stringify(trace)], { type: 'application/json' }), name);
  return name;
}

/** What the video dialog asks for. */
export interface VideoChoice {
  range: VideoRange;
  granularity: Granularity;
  secondsPerFrame: number;
  /** A band under the stage with the step and the event's narration. */
  caption: boolean;
}

/** The positions a video would show. */
export async function planVideo(choice: Pick<VideoChoice, 'range' | 'granularity'>): Promise<FramePlan> {
  const { s, position, step } = current();
  const bounds = rangeBounds(choice.range, { position, length: s.length, ...(step ? { step } : {}) });
  const engine = getEngine();
  return planFrames(bounds, async (p) => (await engine.find(p, 1, choice.granularity, [], 1)).position);
}

const nextPaint = (): Promise<void> =>
  new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));

/** The caption of what the stage shows now. */
function caption(): Caption {
  const { s, session, position, step } = current();
  const where = [session.title, step?.title, `event ${position} of ${s.length}`].filter(Boolean).join(' · ');
  return { heading: where, text: s.frame?.event?.text ?? 'Before the first event: the machine as built.' };
}

/** The page's colours, for the caption band. */
function palette(svg: SVGSVGElement): Palette {
  const root = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => root.getPropertyValue(name).trim() || fallback;
  return {
    background: stageBackground(svg),
    foreground: v('--fg', '#1c1e21'),
    muted: v('--muted', '#5f6670'),
    border: v('--border', '#d9dce1'),
    font: getComputedStyle(svg).fontFamily || 'sans-serif',
  };
}

/**
 * Records the planned positions as WebM and saves it; the page returns to the position it showed
 * before, whether the recording finished, failed or was cancelled.
 */
export async function exportVideo(
  choice: VideoChoice,
  plan: FramePlan,
  opts: { signal?: AbortSignal; onProgress?: (shown: number, total: number) => void } = {},
): Promise<string> {
  const { s, id, position: before } = current();
  const mimeType = pickMimeType((t) => MediaRecorder.isTypeSupported(t));
  if (!mimeType) throw new Error('this browser cannot record WebM video');
  if (plan.frames.length === 0) throw new Error('there is nothing to record');
  s.pause();
  const svg = stage();
  const size = stageSize(svg);
  const layout = frameLayout(size.width, size.height, choice.caption);
  const canvas = document.createElement('canvas');
  canvas.width = layout.width;
  canvas.height = layout.height;
  const colours = palette(svg);

  try {
    const blob = await recordVideo({
      frames: plan.frames,
      secondsPerFrame: choice.secondsPerFrame,
      canvas,
      mimeType,
      show: async (p) => {
        await appStore.getState().seek(p);
        // The store has the frame; React and the stage draw it on the next frames.
        await nextPaint();
      },
      paint: async (ctx) => {
        const live = findStage();
        if (!live) return;
        const img = await svgImage(standaloneSvg(live, meta(), { scale: layout.scale }));
        paintFrame(ctx, img, layout, choice.caption ? caption() : null, colours);
      },
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    const name = videoName(id, plan.frames[0]!, plan.frames[plan.frames.length - 1]!);
    download(blob, name);
    return name;
  } finally {
    await appStore.getState().seek(before);
  }
}
