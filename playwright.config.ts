/**
 * Playwright drives the built app (vite build + vite preview) in Debian's chromium
 * (/usr/bin/chromium, or CHROMIUM_PATH); when neither exists it falls back to Playwright's own
 * cached browser. See ../shared/toolchain.md for how each setting was checked on this machine.
 *
 *   E2E_DEV=1          test against the Vite dev server instead of the production build
 *   E2E_PORT=4173      the server's port
 *   E2E_TRACE=on       trace.zip per test (default: kept only for failed tests)
 *   E2E_VIDEO=on       video.webm per test (needs Debian's ffmpeg: apt-get install -y ffmpeg)
 */

import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, devices, type LaunchOptions } from '@playwright/test';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// undefined lets Playwright use its own browser (from `npx playwright install`), if there is one.
const executablePath = existsSync(chromiumPath) ? chromiumPath : undefined;
const PORT = Number(process.env.E2E_PORT ?? 4173);

type Mode = 'on' | 'off' | 'retain-on-failure' | 'on-first-retry';
const modes: Mode[] = ['on', 'off', 'retain-on-failure', 'on-first-retry'];
const mode = (v: string | undefined, fallback: Mode): Mode =>
  modes.includes(v as Mode) ? (v as Mode) : fallback;
const trace = mode(process.env.E2E_TRACE, 'retain-on-failure');
const video = mode(process.env.E2E_VIDEO, 'off');

/**
 * Playwright records video with its own ffmpeg build, which it cannot download here. Debian's
 * ffmpeg works when it sits where Playwright looks: <PLAYWRIGHT_BROWSERS_PATH>/ffmpeg-<rev>/ffmpeg-linux.
 * Only done when video is on, because that variable also moves where Playwright looks for browsers.
 */
function linkDebianFfmpeg(): void {
  if (!existsSync('/usr/bin/ffmpeg')) return; // Playwright then says what is missing.
  const browsers = JSON.parse(
    readFileSync(join(import.meta.dirname, 'node_modules/playwright-core/browsers.json'), 'utf8'),
  ) as {
    browsers: { name: string; revision: string }[];
  };
  const rev = browsers.browsers.find((b) => b.name === 'ffmpeg')?.revision;
  if (!rev) return;
  const root = join(import.meta.dirname, '.pw-browsers');
  const dir = join(root, `ffmpeg-${rev}`);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'ffmpeg-linux'))) symlinkSync('/usr/bin/ffmpeg', join(dir, 'ffmpeg-linux'));
  process.env.PLAYWRIGHT_BROWSERS_PATH = root; // worker processes inherit it
}
if (video !== 'off') linkDebianFfmpeg();

const launchOptions: LaunchOptions = {
  ...(executablePath ? { executablePath } : {}),
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

export default defineConfig({
  testDir: 'e2e',
  // Tests save their screenshots here too (testInfo.outputPath), next to traces and videos.
  outputDir: 'test-results',
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['json', { outputFile: 'reports/e2e.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace,
    video,
    screenshot: 'only-on-failure',
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'], launchOptions } }],
  webServer: {
    command:
      process.env.E2E_DEV === '1'
        ? `npx vite --host 127.0.0.1 --port ${PORT} --strictPort`
        : `npx vite build && npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 120_000,
  },
});
