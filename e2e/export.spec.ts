/**
 * Export (app/export/): the header's menu, worked from the keyboard, and every file it saves,
 * checked as a file: the SVG parses, holds the stage's boxes and tokens, and draws on its own
 * (outside the page and its stylesheet) in the colours of the theme it was taken in; the PNG has
 * the PNG signature and twice the stage's size; the WebM starts with the EBML magic, has a
 * duration, and plays in the browser at the size it should; the trace is JSON with one instant
 * per event of the log, named threads and matched flows. Screenshots of the menu and the video
 * dialog, the exported PNG, the SVG drawn standalone and a frame of the video are saved next to
 * the test's results.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { type Download, type Page } from '@playwright/test';
import { frameLayout } from '../app/export/video-frame';
import { durationOf } from '../app/export/webm-duration';
import { expect, position, test } from './page-checks';
import { engineRun, openScenario, shipped } from './scenario-file';

const FILE = shipped('track2/2.2-map-and-fire.json');
/** After the ITS's table walk: the LPI pending at redistributor 1, its token on the stage. */
const AT = 47;

/** The panel colour of each theme (app/styles.css, --panel), which the stage sits on. */
const PANEL = { light: '#ffffff', dark: '#1d2024' } as const;

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.getByTestId('theme').selectOption(theme);
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
}

/** Waits until no token of the stage is still moving or fading out. */
async function settled(page: Page): Promise<void> {
  await expect(page.getByTestId('stage').locator('[data-token-leaving]')).toHaveCount(0);
  await page.waitForTimeout(400);
}

/** Opens the menu from the keyboard and chooses the item `steps` down from the first. */
async function chooseByKeyboard(page: Page, steps: number): Promise<void> {
  await page.getByTestId('export').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('export-menu')).toBeVisible();
  for (let i = 0; i < steps; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
}

async function saved(download: Download, path: string): Promise<Buffer> {
  await download.saveAs(path);
  return readFileSync(path);
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(b: Buffer): { width: number; height: number } {
  expect([...b.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(b.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** The live stage's viewBox size. */
const stageBox = (page: Page) =>
  page
    .getByTestId('stage')
    .locator('svg.stage')
    .evaluate((svg: SVGSVGElement) => ({
      width: svg.viewBox.baseVal.width,
      height: svg.viewBox.baseVal.height,
      nodes: svg.querySelectorAll('[data-node]').length,
      tokens: svg.querySelectorAll('[data-token-id]').length,
    }));

/**
 * Checks an exported SVG in a page that has none of the app's CSS: it parses, it is a standalone
 * SVG document, it holds the live stage's boxes and tokens, nothing in it needs the page's
 * stylesheet, and its background is the theme's panel. Returns the rendered file's screenshot.
 */
async function checkSvg(page: Page, svg: string, theme: 'light' | 'dark', shotPath: string): Promise<void> {
  const live = await stageBox(page);
  expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  expect(svg).not.toContain('var(--');
  expect(svg).not.toContain('color-mix');
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const root = doc.documentElement;
    return {
      error: doc.querySelector('parsererror')?.textContent ?? null,
      ns: root.namespaceURI,
      name: root.localName,
      width: root.getAttribute('width'),
      height: root.getAttribute('height'),
      viewBox: root.getAttribute('viewBox'),
      title: root.querySelector(':scope > title')?.textContent ?? '',
      desc: root.querySelector(':scope > desc')?.textContent ?? '',
      background: root.querySelector(':scope > rect.background')?.getAttribute('fill') ?? null,
      nodes: root.querySelectorAll('[data-node]').length,
      tokens: root.querySelectorAll('[data-token-id]').length,
      classes: root.getAttribute('class'),
      tabindex: root.querySelectorAll('[tabindex]').length,
    };
  }, svg);
  expect(parsed.error).toBeNull();
  expect(parsed).toMatchObject({
    ns: 'http://www.w3.org/2000/svg',
    name: 'svg',
    width: String(Math.round(live.width)),
    height: String(Math.round(live.height)),
    viewBox: `0 0 ${live.width} ${live.height}`,
    background: PANEL[theme],
    nodes: live.nodes,
    tokens: live.tokens,
    classes: null,
    tabindex: 0,
  });
  expect(parsed.title).toBe(`Map and fire, at event ${AT} of 63 (GIC Lab)`);
  expect(parsed.desc).toContain('Event #46:');
  expect(parsed.desc).toContain(`at=${AT}`);
  expect(live.tokens).toBeGreaterThan(0);

  // Drawn on its own, in a blank page: the corner is the theme's panel, and the ITS box is
  // outlined in the ITS's violet (a colour that only the page's CSS variables could give it).
  const blank = await page.context().newPage();
  await blank.setViewportSize({ width: Math.ceil(live.width), height: Math.ceil(live.height) });
  await blank.setContent(
    `<body style="margin:0;background:#808080">${svg.replace(/^<\?xml[^>]*>/, '')}</body>`,
  );
  // --its: #8250df (light), #c297ff (dark).
  const its = theme === 'light' ? [0x82, 0x50, 0xdf] : [0xc2, 0x97, 0xff];
  const pixels = await blank.evaluate(
    async ({ text, want }) => {
      const img = new Image();
      img.src = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
      await img.decode();
      // Drawn at 4x, so that the 1.5 px outline covers whole pixels (at 1x anti-aliasing would
      // blend every pixel of it with what is beside it).
      const k = 4;
      const c = document.createElement('canvas');
      c.width = img.naturalWidth * k;
      c.height = img.naturalHeight * k;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0, c.width, c.height);
      const rgb = (x: number, y: number) => [...ctx.getImageData(x, y, 1, 1).data.slice(0, 3)];
      const its = document.querySelector('[data-node="its0"] > rect')!;
      const x = Math.round(k * (Number(its.getAttribute('x')) + Number(its.getAttribute('width')) / 2));
      const y = Math.floor(k * Number(its.getAttribute('y')));
      // The top edge of the ITS box, halfway along: the pixel rows around it, the one nearest.
      const rows = [-2, -1, 0, 1, 2].map((d) => rgb(x, y + d));
      const off = (p: number[]) => Math.max(...p.map((v, i) => Math.abs(v - want[i]!)));
      return { corner: rgb(2, 2), itsEdge: rows.reduce((a, b) => (off(b) < off(a) ? b : a)) };
    },
    { text: svg, want: its },
  );
  const hex = (p: number[]) => `#${p.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
  expect(hex(pixels.corner)).toBe(PANEL[theme]);
  pixels.itsEdge.forEach((v, i) =>
    expect(Math.abs(v - its[i]!), `ITS outline ${hex(pixels.itsEdge)}`).toBeLessThanOrEqual(8),
  );
  await blank.screenshot({ path: shotPath });
  await blank.close();
}

test.describe('export', () => {
  test.use({ viewport: { width: 1280, height: 720 }, acceptDownloads: true });

  test('the menu works from the keyboard; the stage as SVG and PNG', async ({ page }, testInfo) => {
    await openScenario(page, FILE, AT);
    await setTheme(page, 'light');
    await settled(page);

    // Enter opens the menu on its first item; arrows, Home and End move; keys stay in the menu.
    const button = page.getByTestId('export');
    await expect(button).toHaveAttribute('aria-haspopup', 'menu');
    await button.focus();
    await page.keyboard.press('Enter');
    const menu = page.getByTestId('export-menu');
    await expect(menu).toHaveAttribute('role', 'menu');
    await expect(button).toHaveAttribute('aria-expanded', 'true');
    await expect(page.getByTestId('export-svg')).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(page.getByTestId('export-png')).toBeFocused();
    await page.keyboard.press('End');
    await expect(page.getByTestId('export-spec')).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(page.getByTestId('export-svg')).toBeFocused();
    await page.keyboard.press('Home');
    await expect(page.getByTestId('export-svg')).toBeFocused();
    // Home in the menu moved the focus, not the playback.
    expect(await position(page)).toBe(AT);
    await expect(menu.getByRole('menuitem')).toHaveCount(5);
    await page.screenshot({ path: testInfo.outputPath('export-menu.png') });
    await page.keyboard.press('Escape');
    await expect(menu).toBeHidden();
    await expect(button).toBeFocused();
    await expect(button).toHaveAttribute('aria-expanded', 'false');
    // Up opens it on the last item; a click elsewhere closes it.
    await page.keyboard.press('ArrowUp');
    await expect(page.getByTestId('export-spec')).toBeFocused();
    await page.getByRole('heading', { level: 2 }).click();
    await expect(menu).toBeHidden();

    // SVG.
    const [svgDownload] = await Promise.all([page.waitForEvent('download'), chooseByKeyboard(page, 0)]);
    expect(svgDownload.suggestedFilename()).toBe(`track2-map-and-fire-at${AT}.svg`);
    const svg = (await saved(svgDownload, testInfo.outputPath('stage-light.svg'))).toString('utf8');
    await expect(page.getByTestId('export-status')).toHaveText(`Saved track2-map-and-fire-at${AT}.svg`);
    await checkSvg(page, svg, 'light', testInfo.outputPath('stage-light-svg-standalone.png'));
    await page.screenshot({ path: testInfo.outputPath('page-light.png') });

    // PNG: twice the stage's size.
    const live = await stageBox(page);
    const [pngDownload] = await Promise.all([page.waitForEvent('download'), chooseByKeyboard(page, 1)]);
    expect(pngDownload.suggestedFilename()).toBe(`track2-map-and-fire-at${AT}.png`);
    const png = await saved(pngDownload, testInfo.outputPath('stage-light.png'));
    expect(pngSize(png)).toEqual({ width: Math.round(live.width * 2), height: Math.round(live.height * 2) });
    expect(png.length).toBeGreaterThan(10_000);
  });

  test('the stage as SVG and PNG in the dark theme', async ({ page }, testInfo) => {
    await openScenario(page, FILE, AT);
    await setTheme(page, 'dark');
    await settled(page);
    const [svgDownload] = await Promise.all([page.waitForEvent('download'), chooseByKeyboard(page, 0)]);
    const svg = (await saved(svgDownload, testInfo.outputPath('stage-dark.svg'))).toString('utf8');
    await checkSvg(page, svg, 'dark', testInfo.outputPath('stage-dark-svg-standalone.png'));
    await page.screenshot({ path: testInfo.outputPath('page-dark.png') });
    const [pngDownload] = await Promise.all([page.waitForEvent('download'), chooseByKeyboard(page, 1)]);
    const png = await saved(pngDownload, testInfo.outputPath('stage-dark.png'));
    const live = await stageBox(page);
    expect(pngSize(png)).toEqual({ width: Math.round(live.width * 2), height: Math.round(live.height * 2) });
  });

  test('the event log as a Chrome trace for Perfetto', async ({ page }, testInfo) => {
    const log = engineRun(FILE).log;
    await openScenario(page, FILE, AT);
    const [download] = await Promise.all([page.waitForEvent('download'), chooseByKeyboard(page, 3)]);
    expect(download.suggestedFilename()).toBe('track2-map-and-fire.trace.json');
    const trace = JSON.parse((await saved(download, testInfo.outputPath('trace.json'))).toString('utf8')) as {
      traceEvents: {
        ph: string;
        name: string;
        tid?: number;
        ts?: number;
        id?: number;
        args?: Record<string, unknown>;
      }[];
      displayTimeUnit: string;
      otherData: Record<string, unknown>;
    };
    expect(trace.displayTimeUnit).toBe('ns');
    const ev = trace.traceEvents;
    expect(ev.find((e) => e.ph === 'M' && e.name === 'process_name')?.args?.name).toBe(
      'GIC Lab · Map and fire',
    );

    // One instant per event of the log, in order, each on a named thread, at a finite time.
    const instants = ev.filter((e) => e.ph === 'i');
    expect(instants).toHaveLength(log.length);
    expect(instants.map((e) => e.args?.seq)).toEqual([...Array(log.length).keys()]);
    const threads = new Map(
      ev.filter((e) => e.name === 'thread_name').map((e) => [e.tid, String(e.args?.name)]),
    );
    for (const e of ev.filter((x) => x.ph !== 'M')) {
      expect(threads.has(e.tid), `${e.ph} ${e.name}`).toBe(true);
      expect(Number.isFinite(e.ts)).toBe(true);
    }
    const units = new Set(instants.map((e) => String(e.args?.unit)));
    for (const u of ['cpu1', 'gicr1', 'its0', 'gicd', 'pci nic0'])
      expect(
        [...threads.values()].some((n) => n.startsWith(`${u} · `) || n === u),
        u,
      ).toBe(true);
    expect(threads.size).toBe(units.size);

    // Each event with a cause ends a flow that its cause starts, once.
    const starts = new Map(ev.filter((e) => e.ph === 's').map((e) => [e.id, e]));
    const ends = ev.filter((e) => e.ph === 'f');
    expect(ends).toHaveLength(instants.filter((e) => e.args?.cause !== null).length);
    for (const f of ends) expect(starts.has(f.id), `flow ${f.id}`).toBe(true);
    expect(starts.size).toBe(ev.filter((e) => e.ph === 's').length);
    await expect(page.getByTestId('export-status')).toHaveText('Saved track2-map-and-fire.trace.json');
  });

  test('a video of the steps, recorded as WebM, with the position given back', async ({ page }, testInfo) => {
    test.setTimeout(120_000);
    await openScenario(page, FILE, 40);
    await setTheme(page, 'light');
    await settled(page);

    await chooseByKeyboard(page, 2);
    const dialog = page.getByTestId('export-video-dialog');
    await expect(dialog).toBeVisible();
    await expect(page.getByTestId('video-plan')).toContainText('frame');
    // Keys in the dialog stay there: End does not jump the playback.
    await page.keyboard.press('End');
    expect(await position(page)).toBe(40);

    // The next 6 events, half a second each, with the caption.
    await page.getByTestId('video-moves').fill('6');
    await expect(page.getByTestId('video-range-moves')).toBeChecked();
    await page.getByTestId('video-granularity').selectOption('event');
    await page.getByTestId('video-spf').fill('0.5');
    await expect(page.getByTestId('video-plan')).toHaveText(/^7 frames \(event 40 to 46\), 4 s of video/);
    await page.screenshot({ path: testInfo.outputPath('video-dialog.png') });

    // Cancelling gives the position back and saves nothing.
    await page.getByTestId('video-record').click();
    await expect(page.getByTestId('video-progress')).toBeVisible();
    await expect.poll(() => position(page)).toBeGreaterThan(40);
    await page.screenshot({ path: testInfo.outputPath('video-recording.png') });
    await page.getByTestId('video-cancel').click();
    await expect(page.getByTestId('video-error')).toHaveText('Recording cancelled; nothing was saved.');
    await expect.poll(() => position(page)).toBe(40);

    // Recording to the end.
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.getByTestId('video-record').click(),
    ]);
    expect(download.suggestedFilename()).toBe('track2-map-and-fire-at40-to46.webm');
    const path = testInfo.outputPath('steps.webm');
    const webm = await saved(download, path);
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('export-status')).toHaveText('Saved track2-map-and-fire-at40-to46.webm');
    expect(await position(page)).toBe(40);

    expect([...webm.subarray(0, 4)]).toEqual([0x1a, 0x45, 0xdf, 0xa3]);
    expect(webm.includes(Buffer.from('webm'))).toBe(true);
    expect(webm.length).toBeGreaterThan(5_000);
    const duration = durationOf(new Uint8Array(webm));
    expect(duration, 'the Duration written into Info (ms)').not.toBeNull();
    // 7 frames of half a second (the first a little longer: see app/export/video.ts).
    expect(duration!).toBeGreaterThanOrEqual(3_500);
    expect(duration!).toBeLessThan(8_000);

    // It plays in the browser: known duration, the frame's size, and a frame to look at. (In a
    // blank page: the app's Content-Security-Policy allows no media, and needs none.)
    const live = await stageBox(page);
    const player = await page.context().newPage();
    const played = await player.evaluate(async (b64) => {
      const v = document.createElement('video');
      v.muted = true;
      v.src = `data:video/webm;base64,${b64}`;
      document.body.append(v);
      await new Promise((r, j) => {
        v.onloadedmetadata = r;
        v.onerror = () => j(new Error(v.error?.message ?? 'video error'));
      });
      const seek = (t: number) =>
        new Promise((r) => {
          v.onseeked = r;
          v.currentTime = t;
        });
      await seek(Math.min(v.duration - 0.2, 2.2));
      const c = document.createElement('canvas');
      c.width = v.videoWidth;
      c.height = v.videoHeight;
      c.getContext('2d')!.drawImage(v, 0, 0);
      v.remove();
      return {
        duration: v.duration,
        width: v.videoWidth,
        height: v.videoHeight,
        frame: c.toDataURL('image/png'),
      };
    }, webm.toString('base64'));
    await player.close();
    expect(Number.isFinite(played.duration)).toBe(true);
    expect(played.duration).toBeGreaterThan(3);
    // Up to twice the stage (within 1080p), with the caption band under it.
    const layout = frameLayout(live.width, live.height, true);
    expect(layout.captionHeight).toBeGreaterThan(0);
    expect({ width: played.width, height: played.height }).toEqual({
      width: layout.width,
      height: layout.height,
    });
    writeFileSync(testInfo.outputPath('video-frame.png'), Buffer.from(played.frame.split(',')[1]!, 'base64'));
  });
});
