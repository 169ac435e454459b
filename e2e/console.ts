/**
 * The sandbox console, as the browser tests drive it: typing a line and running it, and the lines
 * that map dev0's event 3 to LPI 8195 on CPU 1 and fire it (the console's map-and-fire, used by
 * the sandbox, share and authoring specs).
 */

import type { Locator, Page } from '@playwright/test';
import { expect } from './page-checks';

export const MAP_AND_FIRE_LINES = [
  'lpi-config 8195 0xa3',
  'its MAPD DeviceID=16 Size=4 ITT_addr=0x40300000 V=1',
  'its MAPC ICID=1 RDbase=1 V=1',
  'its MAPTI DeviceID=16 EventID=3 pINTID=8195 ICID=1',
  'its SYNC RDbase=1',
  'msi dev0 3',
  'expect deliveries cpu1:8195',
];

/** Types a line into the console and runs it; returns its transcript entry. */
export async function runLine(page: Page, line: string): Promise<Locator> {
  const entries = page.getByTestId('console-entry');
  const before = await entries.count();
  const input = page.getByTestId('console-input');
  await input.fill(line);
  await input.press('Enter');
  await expect(entries).toHaveCount(before + 1);
  const entry = entries.nth(before);
  await expect(entry).toContainText(line);
  return entry;
}
