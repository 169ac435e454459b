/**
 * Share links in the built app: the Share dialog makes a link for the session as it is (a
 * sandbox with its console lines, or a catalog scenario by its path) at the step shown; the link
 * opened in a fresh page reopens exactly that; a malformed or hostile link is refused with a
 * message that says what is wrong, and the page keeps working; HTML in a linked scenario's
 * narration stays text; and the page runs under its Content-Security-Policy without violating it.
 *
 * Payloads made here by hand use Node's zlib, not the app's encoder: the browser's
 * DecompressionStream must read any raw deflate stream, not only the ones its own side writes.
 */

import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { type Browser, type Page } from '@playwright/test';
import { CONTENT_SECURITY_POLICY } from '../app/share/csp';
import { expect, position, test } from './page-checks';
import { MAP_AND_FIRE_LINES } from './console';

const MAP_AND_FIRE = 'track2/2.2-map-and-fire.json';

/** A `#share=` payload holding any JSON (even one the app would never make). */
const craft = (doc: unknown): string =>
  deflateRawSync(Buffer.from(JSON.stringify(doc))).toString('base64url');

const length = async (page: Page): Promise<number> =>
  Number(await page.getByTestId('position').getAttribute('data-length'));

const loaded = async (page: Page): Promise<void> => {
  await expect(page.getByTestId('status')).not.toHaveAttribute('data-status', 'loading');
};

/** Opens the Share dialog and returns the link it offers. */
async function shareLink(page: Page): Promise<string> {
  await page.getByTestId('share-button').click();
  const dialog = page.getByTestId('share-dialog');
  await expect(dialog).toBeVisible();
  const field = dialog.getByTestId('share-link');
  await expect(field).toHaveValue(/#share=[A-Za-z0-9_-]+$/);
  return field.inputValue();
}

/** A fresh page (its own engine) in the same browser, as someone the link was sent to. */
async function recipient(browser: Browser, link: string, size = { width: 1280, height: 720 }): Promise<Page> {
  const page = await browser.newPage({ viewport: size });
  await page.goto(link);
  await loaded(page);
  return page;
}

/** The steps as the steps panel lists them. */
const stepTitles = (page: Page): Promise<string[]> =>
  page.getByTestId('step').locator('.step-title > span:last-child').allInnerTexts();

test('a sandbox with console lines: the link reopens its lines at the same step', async ({
  page,
  browser,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('/');
  await page.getByTestId('new-sandbox').click();
  await page.getByTestId('sandbox-create').click();
  await expect(page.getByTestId('console-input')).toBeFocused();
  const lines = MAP_AND_FIRE_LINES;
  for (const [i, line] of lines.entries()) {
    await page.getByTestId('console-input').fill(line);
    await page.getByTestId('console-input').press('Enter');
    await expect(page.getByTestId('console-entry')).toHaveCount(i + 1);
    await expect(page.getByTestId('console-entry').nth(i)).toHaveAttribute('data-outcome', 'ok');
  }
  // A step somewhere inside the MSI's walk, not the end.
  const end = await length(page);
  await page.getByRole('button', { name: 'Step back' }).click();
  await page.getByRole('button', { name: 'Step back' }).click();
  await page.getByRole('button', { name: 'Step back' }).click();
  await expect.poll(() => position(page)).toBeLessThan(end);
  const at = await position(page);
  const title = await page.getByRole('heading', { level: 2 }).innerText();
  const steps = await stepTitles(page);
  expect(steps).toContain('msi dev0 3');

  const link = await shareLink(page);
  const dialog = page.getByTestId('share-dialog');
  await expect(dialog.getByTestId('share-about')).toContainText(`at event ${at} of ${end}`);
  await expect(dialog.getByTestId('share-about')).toContainText('with the 7 console lines you ran');
  // The link is selected as the dialog opens: Ctrl+C copies it at once.
  await expect(dialog.getByTestId('share-link')).toBeFocused();
  await dialog.getByTestId('share-link-copy').click();
  await expect(dialog.getByTestId('share-status')).toHaveText('Link copied.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
  await expect(dialog.getByTestId('share-embed')).toHaveValue(link.replace('/#share=', '/?embed#share='));
  await expect(dialog.getByTestId('share-iframe')).toHaveValue(
    /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/\?embed#share=/,
  );
  await page.screenshot({ path: test.info().outputPath('share-dialog-sandbox.png') });

  // Keys pressed in the dialog do not step the playback behind it; Escape closes it and the
  // focus goes back to the button.
  // (On a button: in a text field the page's shortcuts are off anyway.)
  await dialog.getByTestId('share-close').focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('End');
  await page.waitForTimeout(300);
  expect(await position(page)).toBe(at);
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('share-button')).toBeFocused();

  const other = await recipient(browser, link);
  try {
    await expect.poll(() => position(other)).toBe(at);
    expect(await length(other)).toBe(end);
    await expect(other.getByRole('heading', { level: 2 })).toHaveText(title);
    expect(await stepTitles(other)).toEqual(steps);
    // The expectation typed in the console came along, and holds.
    await other.getByTestId('jump-end').click();
    await expect(
      other.getByTestId('expectation').filter({ hasText: 'expect deliveries cpu1:8195' }),
    ).toHaveAttribute('data-ok', 'true');
    await other.getByRole('button', { name: 'Step back' }).click();
    await other.getByRole('button', { name: 'Step back' }).click();
    await other.getByRole('button', { name: 'Step back' }).click();
    await expect.poll(() => position(other)).toBe(at);
    // The link stays in the address bar: it is this session's only name.
    expect(new URL(other.url()).hash).toBe(new URL(link).hash);
    await expect(other.getByTestId('errors')).toHaveCount(0);
    await other.screenshot({ path: test.info().outputPath('share-restored-sandbox.png') });
  } finally {
    await other.close();
  }
});

test('a catalog scenario: a short link by its path, and the address goes back to ?scenario=&at=', async ({
  page,
  browser,
}) => {
  await page.goto(`/?scenario=${MAP_AND_FIRE}&at=25`);
  await loaded(page);
  await expect.poll(() => position(page)).toBe(25);
  const link = await shareLink(page);
  await expect(page.getByTestId('share-about')).toContainText(
    `names the scenario by its path (${MAP_AND_FIRE})`,
  );
  // A path and a number, deflated: a short link.
  expect(link.length).toBeLessThan(200);
  await page.screenshot({ path: test.info().outputPath('share-dialog-catalog.png') });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: test.info().outputPath('share-dialog-catalog-dark.png') });

  const other = await recipient(browser, link);
  try {
    await expect.poll(() => position(other)).toBe(25);
    await expect(other.getByRole('heading', { level: 2 })).toHaveText('Map and fire');
    await expect.poll(() => new URL(other.url()).search).toBe(`?scenario=${MAP_AND_FIRE}&at=25`);
    expect(new URL(other.url()).hash).toBe('');
    // And it follows the position from there, as any ?scenario= page does.
    await other.getByTestId('step-forward').click();
    await expect.poll(() => new URL(other.url()).search).toBe(`?scenario=${MAP_AND_FIRE}&at=26`);
  } finally {
    await other.close();
  }
});

test('without a clipboard, Copy selects the text and says how to copy it by hand', async ({ page }) => {
  // As on a page served over plain http from another host: no navigator.clipboard at all.
  await page.addInitScript(() =>
    Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined }),
  );
  await page.goto(`/?scenario=${MAP_AND_FIRE}&at=5`);
  await loaded(page);
  await shareLink(page);
  const dialog = page.getByTestId('share-dialog');
  await dialog.getByTestId('share-embed-copy').click();
  await expect(dialog.getByTestId('share-status')).toHaveText(
    'The clipboard is not available here: the embed link is selected, press Ctrl+C (⌘C) to copy it.',
  );
  await expect(dialog.getByTestId('share-embed')).toBeFocused();
  const selected = await dialog
    .getByTestId('share-embed')
    .evaluate((el: HTMLInputElement) => el.value.slice(el.selectionStart ?? 0, el.selectionEnd ?? 0));
  expect(selected).toBe(await dialog.getByTestId('share-embed').inputValue());
  await dialog.getByTestId('share-close').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('share-button')).toBeFocused();
});

test('a malformed link is refused with a message that says what is wrong, and the page keeps working', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  // Not base64url: the character is named.
  await page.goto('/#share=eyJ2Ijox*fQ');
  const errors = page.getByTestId('errors');
  await expect(errors).toContainText(
    'share link: the payload is not valid base64url (character 9 is "*"; only A-Z a-z 0-9 - _ may appear)',
  );
  await page.screenshot({ path: test.info().outputPath('share-malformed.png') });

  // A field of the wrong kind: named.
  await page.goto(`/#share=${craft({ v: 1, scenario: MAP_AND_FIRE, at: 2.5 })}`);
  await expect(errors).toContainText('share link: field `at` must be a whole number');
  // A path out of /scenarios/: refused before anything is fetched.
  await page.goto(`/#share=${craft({ v: 1, scenario: '../../etc/passwd.json', at: 0 })}`);
  await expect(errors).toContainText('share link: field `scenario` must be a path under /scenarios/');
  // Cut short when it was copied.
  const good = craft({ v: 1, scenario: MAP_AND_FIRE, at: 3 });
  await page.goto(`/#share=${good.slice(0, 20)}`);
  await expect(errors).toContainText('share link: the payload is not valid compressed data');
  // A deflate bomb: 8 MiB of spaces in a few kB of link, stopped while inflating.
  await page.goto(`/#share=${deflateRawSync(Buffer.alloc(8 << 20, 32)).toString('base64url')}`);
  await expect(errors).toContainText('share link: the payload inflates to more than 1048576 bytes');

  // Scenario text the engine refuses: its own diagnostics, with the file name and line.
  const text = readFileSync(`public/scenarios/${MAP_AND_FIRE}`, 'utf8').replace('"its MAPD', '"its MAPQ');
  await page.goto(`/#share=${craft({ v: 1, text, name: 'broken.json', at: 0 })}`);
  await expect(errors).toContainText('share link: the scenario in the link was refused: broken.json:');
  await page.screenshot({ path: test.info().outputPath('share-refused-scenario.png') });

  // The page still works: the catalog is there and a scenario opens.
  await page.getByTestId('scenario-picker').selectOption(MAP_AND_FIRE);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('Map and fire');
  await expect(errors).toHaveCount(0);
  await page.getByTestId('step-forward').click();
  await expect.poll(() => position(page)).toBeGreaterThan(0);
  const at = await position(page);
  // The address follows the position after a short debounce.
  await expect.poll(() => new URL(page.url()).searchParams.get('at')).toBe(String(at));
  const url = page.url();

  // A bad link pasted into the open page: refused, and nothing is lost, the address included.
  await page.evaluate(() => {
    window.location.hash = 'share=AAAA';
  });
  await expect(errors).toContainText('share link: the payload is not valid compressed data');
  await expect(errors).toContainText('what you had open is still here');
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('Map and fire');
  expect(await position(page)).toBe(at);
  await expect.poll(() => page.url()).toBe(url);
  await page.screenshot({ path: test.info().outputPath('share-malformed-open-page.png') });

  // A good one pasted the same way opens.
  await page.evaluate((p) => {
    window.location.hash = `share=${p}`;
  }, good);
  await expect(errors).toHaveCount(0);
  await expect.poll(() => position(page)).toBe(3);
});

test('HTML in a linked scenario is text: no element, no script, and no request elsewhere', async ({
  page,
  pageProblems,
}) => {
  const doc = JSON.parse(readFileSync(`public/scenarios/${MAP_AND_FIRE}`, 'utf8')) as {
    title: string;
    steps: { title: string; narration?: string }[];
  };
  const html =
    '<img src="x" onerror="window.__pwned=1"><script>window.__pwned=2</script>' +
    '<a href="javascript:window.__pwned=3">link</a> [md](javascript:window.__pwned=4)';
  doc.title = '<b>bold</b> title <img src=x onerror="window.__pwned=5">';
  doc.steps[0]!.title = '<i>step</i>';
  // A Markdown image is Markdown, and is rendered; the policy keeps it from loading (a link must
  // not be able to make the reader's browser call a server of its choosing).
  doc.steps[0]!.narration = `The ITS. ${html}\n\n![tracker](https://evil.example/p.png)`;
  // Anything that reaches the network for another origin is recorded (a request the policy
  // blocks never gets here).
  const elsewhere: string[] = [];
  await page.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => {
    elsewhere.push(route.request().url());
    return route.abort();
  });
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto(`/#share=${craft({ v: 1, text: JSON.stringify(doc), name: 'html.json', at: 0 })}`);
  await loaded(page);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(doc.title);
  const narration = page.getByTestId('narration');
  await expect(narration).toContainText('<img src="x" onerror="window.__pwned=1"><script>');
  await expect(narration.locator('script, iframe, svg, img[src="x"]')).toHaveCount(0);
  await expect(page.locator('.steps-panel').locator('b, i, script, img[src="x"]')).toHaveCount(0);
  // micromark drops the javascript: URLs, leaving the links' text.
  const hrefs = await narration.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  expect(hrefs.length).toBeGreaterThan(0);
  for (const href of hrefs) expect(href).not.toMatch(/^\s*javascript:/i);
  await expect(narration.locator('img')).toHaveAttribute('src', 'https://evil.example/p.png');
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(elsewhere).toEqual([]);
  await page.screenshot({ path: test.info().outputPath('share-html-is-text.png') });
  // The browser logs the blocked image as a console error: that one is expected, nothing else.
  await expect.poll(() => pageProblems.some((p) => p.includes('evil.example/p.png'))).toBe(true);
  pageProblems.splice(
    0,
    pageProblems.length,
    ...pageProblems.filter((p) => !p.includes('evil.example/p.png')),
  );
});

test('the built page runs under its Content-Security-Policy and nothing violates it', async ({
  page,
  pageProblems,
}) => {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  const violations = (): Promise<string[]> =>
    page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);

  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto(`/?scenario=${MAP_AND_FIRE}`);
  await loaded(page);
  const meta = page.locator('meta[http-equiv="Content-Security-Policy"]');
  await expect(meta).toHaveAttribute('content', CONTENT_SECURITY_POLICY);
  for (const d of ["script-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'none'"])
    expect(CONTENT_SECURITY_POLICY).toContain(d);

  // Played, scrubbed and inspected: every inspector, the sandbox console, the share dialog.
  await page.getByTestId('speed').selectOption('25');
  await page.getByTestId('play').click();
  await expect.poll(() => position(page), { timeout: 15_000 }).toBeGreaterThan(10);
  await page.getByTestId('play').click();
  await page.getByTestId('jump-end').click();
  for (const tab of await page.locator('[data-testid^="tab-"]').all()) {
    await tab.click();
    await page.waitForTimeout(100);
  }
  await page.getByTestId('jump-start').click();
  await page.getByTestId('step-forward').click();
  await page.getByTestId('share-button').click();
  await expect(page.getByTestId('share-link')).toHaveValue(/#share=/);
  await page.keyboard.press('Escape');
  await page.getByTestId('new-sandbox').click();
  await page.getByTestId('sandbox-create').click();
  await page.getByTestId('console-input').fill('msi dev0 3');
  await page.getByTestId('console-input').press('Enter');
  await expect(page.getByTestId('console-entry')).toHaveCount(1);
  expect(await violations()).toEqual([]);

  // And it is enforced: script put into the page by hand does not run, and is reported.
  const ran = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1';
    document.head.append(s);
    await new Promise((r) => setTimeout(r, 50));
    return (window as unknown as { __inline?: number }).__inline;
  });
  expect(ran).toBeUndefined();
  await expect.poll(violations).toEqual([expect.stringMatching(/^script-src-elem inline /)]);
  // The browser logs the refusal as a console error: that one is expected, nothing else.
  const refusal = pageProblems.findIndex((p) =>
    /Executing inline script violates|Refused to execute inline script/.test(p),
  );
  expect(refusal, pageProblems.join('\n')).toBeGreaterThanOrEqual(0);
  pageProblems.splice(refusal, 1);
});
