/**
 * GIC Lab scenario "Map dev0 to LPI 8195 and fire it" (map-dev0-to-lpi-8195-and-fire-it), exported as a Playwright e2e test with what its run recorded.
 *
 * Recorded: 3 steps, 53 events, 3 expectations, 0 predictions.
 * Exported by: GIC Lab in the browser (Export as e2e test), from sandbox.json, 8 console lines, 7 edits.
 *
 * What it checks, in the browser: the page opens the scenario below (the test serves it, so the
 * app needs no copy of it) and plays it step by step to its end, as a learner would, with
 * predictions asked first: each is answered with the choice the recorded outcome selected, and
 * its reveal must say that was right. Each step must end at the event it ended at when recorded
 * (the model is deterministic), list its expectations, every one holding, and pass; the history
 * must have the recorded number of events; and the page must log no error or warning.
 *
 * Run it: `npx playwright test <this file>` in the GIC Lab repository (its playwright.config.ts
 * starts the app); against a GIC Lab served elsewhere, with a config whose use.baseURL points there.
 */

import { expect, test } from '@playwright/test';

/** The scenario as GIC Lab saved it (format giclab-scenario/1). */
const SCENARIO = `{
  "format": "giclab-scenario/1",
  "id": "map-dev0-to-lpi-8195-and-fire-it",
  "title": "Map dev0 to LPI 8195 and fire it",
  "summary": "A sandbox session, recorded: an empty machine with two CPUs, one ITS and dev0; the device mapped with MAPD, MAPC and MAPTI; then one MSI, which CPU 1 takes.",
  "machine": {
    "profile": "spec",
    "cpus": 2,
    "its": [
      {}
    ],
    "devices": [
      {
        "name": "dev0",
        "bdf": "00:02.0",
        "its": 0
      }
    ]
  },
  "steps": [
    {
      "title": "Bring-up: the distributor, the CPU interfaces, LPIs and the ITS",
      "narration": "The machine is brought up as in lesson 2.2: the distributor and every CPU interface are enabled for Group 1, every redistributor is woken and given the shared LPI property table (0x40130000, every byte 0xA2: priority 0xA0, disabled) and a pending table of its own (0x40400000 + n x 64 KiB), and sets **EnableLPIs**; every ITS gets a device table, a collection table and a command queue, and is enabled. Nothing is mapped yet: map devices and collections from the console (0x40300000 is free for ITTs), and enable the LPIs you use with \`lpi-config\`. Its PCI devices: **dev0** at 00:02.0; a device's DeviceID is its Requester ID (bus << 8 | device << 3 | function), so dev0 is DeviceID 16.",
      "actions": [
        "# distributor and CPU interfaces",
        "write GICD_CTLR 0x12",
        "write rd0 GICR_WAKER 0",
        "cpu0 write ICC_PMR_EL1 0xf0",
        "cpu0 write ICC_IGRPEN1_EL1 1",
        "write rd1 GICR_WAKER 0",
        "cpu1 write ICC_PMR_EL1 0xf0",
        "cpu1 write ICC_IGRPEN1_EL1 1",
        "# LPIs: one property table, one pending table per redistributor, EnableLPIs",
        "# the LPI property table: priority 0xA0, Group 1 bit, disabled (Linux's default byte 0xA2)",
        "mem fill 0x40130000 0xe000 0xa2",
        "mem fill 0x40400000 0x2000 0",
        "write64 rd0 GICR_PROPBASER 0x4013078f",
        "write64 rd0 GICR_PENDBASER 0x40400780",
        "write rd0 GICR_CTLR |= 1",
        "mem fill 0x40410000 0x2000 0",
        "write64 rd1 GICR_PROPBASER 0x4013078f",
        "write64 rd1 GICR_PENDBASER 0x40410780",
        "write rd1 GICR_CTLR |= 1",
        "# ITS 0: device and collection tables, command queue, enable",
        "mem fill 0x40100000 64K 0",
        "mem fill 0x40110000 64K 0",
        "write64 its0 GITS_BASER0 0xb907000040100600",
        "write64 its0 GITS_BASER1 0xbc07000040110600",
        "write64 its0 GITS_CBASER 0xb80000004012040f",
        "write64 its0 GITS_CWRITER 0",
        "write its0 GITS_CTLR 1"
      ],
      "expect": [
        "expect reg its0 GITS_CTLR & 1 == 1"
      ]
    },
    {
      "title": "Map event 3 of dev0 to LPI 8195 on CPU 1",
      "narration": "dev0 sits at 00:02.0, so its MSIs carry Requester ID 0x10: **DeviceID 16**.\\n\\n- \`lpi-config\` writes LPI 8195's byte in the property table: priority 0xA0, **enabled**.\\n- **MAPD** gives DeviceID 16 an ITT at 0x4030_0000, with 5 EventID bits.\\n- **MAPC** puts collection 1 on redistributor 1, which is CPU 1's.\\n- **MAPTI** maps event 3 of DeviceID 16 to LPI 8195 in collection 1.\\n- **SYNC** waits until redistributor 1 has seen all of it.\\n\\nThe expectation reads the ITE back from the ITT in memory.",
      "actions": [
        "lpi-config 8195 0xa3",
        "its MAPD DeviceID=16 Size=4 ITT_addr=0x40300000 V=1",
        "its MAPC ICID=1 RDbase=1 V=1",
        "its MAPTI DeviceID=16 EventID=3 pINTID=8195 ICID=1",
        "its SYNC RDbase=1"
      ],
      "expect": [
        "expect ite 16 3 intid=8195 icid=1"
      ],
      "notes": "Ask which table each command writes: the device table (MAPD), the collection table (MAPC), the ITT (MAPTI)."
    },
    {
      "title": "dev0 fires: CPU 1 takes LPI 8195",
      "narration": "dev0 writes event 3 to **GITS_TRANSLATER**. The ITS finds DeviceID 16's ITT in the device table, event 3's entry in it (LPI 8195, collection 1) and collection 1's redistributor, and makes **LPI 8195** pending there. CPU 1 acknowledges it, runs its handler and ends it.",
      "actions": [
        "msi dev0 3"
      ],
      "expect": [
        "expect deliveries cpu1:8195"
      ],
      "notes": "Step back by delivery (key 4) to show the acknowledge on the stage."
    }
  ],
  "goals": [
    "Map a device's event to an LPI with MAPD, MAPC and MAPTI",
    "See the ITS turn an MSI into an LPI on the CPU its collection names"
  ]
}
`;

/** Its id: the spec serves it as /scenarios/<id>.json. */
const ID = 'map-dev0-to-lpi-8195-and-fire-it';

/** Events in the history when recorded. */
const EVENTS = 53;

/**
 * Each step as recorded: its events [from, to), how many expectations it lists, and for a step
 * that asks a prediction, the choice the outcome selected (null: none of them).
 */
const STEPS: { from: number; to: number; expectations: number; answer?: number | null }[] = [
  { from: 0, to: 27, expectations: 1 }, // 1. Bring-up: the distributor, the CPU interfaces, LPIs and the ITS
  { from: 27, to: 40, expectations: 1 }, // 2. Map event 3 of dev0 to LPI 8195 on CPU 1
  { from: 40, to: 53, expectations: 1 }, // 3. dev0 fires: CPU 1 takes LPI 8195
];

test(`${ID} replays as recorded`, async ({ page }) => {
  test.setTimeout(120_000);
  const scenario = JSON.parse(SCENARIO) as { title: string; steps: { title: string }[] };
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  // Predictions are asked before their step plays: the app's default, made sure of here.
  await page.addInitScript(() => window.localStorage.setItem('giclab:ask-first', '1'));
  await page.route(`**/scenarios/${ID}.json`, (route) =>
    route.fulfill({ contentType: 'application/json', body: SCENARIO }),
  );
  await page.goto(`/?scenario=${ID}.json`);

  const status = page.getByTestId('status');
  await expect(status).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(scenario.title);
  const position = page.getByTestId('position');
  await expect(position).toHaveAttribute('data-length', String(EVENTS));
  await expect(position).toHaveAttribute('data-position', '0');
  const steps = page.getByTestId('step');
  await expect(steps).toHaveCount(STEPS.length);
  // Step forward a scenario step at a time (with the button: a step may put the focus in a field).
  await page.getByTestId('granularity').selectOption('step');
  const forward = page.getByTestId('step-forward');

  for (const [i, recorded] of STEPS.entries()) {
    const step = steps.nth(i);
    await expect(step, `step ${i + 1}'s title`).toContainText(scenario.steps[i]!.title);
    const played = recorded.to > recorded.from;
    const asks = played && recorded.answer !== undefined;
    if (asks) {
      // Playback waits at the step's start for a prediction: answer it as the outcome will.
      await expect(step.getByTestId('predict-hint')).toBeVisible();
      await step
        .getByTestId('choice')
        .nth(recorded.answer ?? 0)
        .click();
    }
    // To the step's end (a step with no events of its own ends where the one before did).
    if (played) await forward.click();
    await expect(position, `where step ${i + 1} ends`).toHaveAttribute('data-position', String(recorded.to));
    await expect(step).toHaveAttribute('data-state', 'passed');
    const expectations = step.getByTestId('expectation');
    await expect(expectations).toHaveCount(recorded.expectations);
    await expect(expectations.and(page.locator('[data-ok="true"]'))).toHaveCount(recorded.expectations);
    if (asks) {
      const right = recorded.answer === null ? 'false' : 'true';
      await expect(step.getByTestId('reveal')).toHaveAttribute('data-right', right);
    }
  }

  await expect(status).toHaveAttribute('data-status', 'done');
  await expect(status).toHaveText(/^Passed/);
  await expect(position).toHaveAttribute('data-position', String(EVENTS));
  expect(problems, 'errors or warnings in the page').toEqual([]);
});
