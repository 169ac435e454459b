/**
 * GIC Lab scenario "Why INV exists" (track2-why-inv-exists), exported as a Playwright e2e test with what its run recorded.
 *
 * Recorded: 8 steps, 127 events, 21 expectations, 3 predictions.
 * Exported by: scripts/export-spec.ts from public/scenarios/track2/2.3-why-inv-exists.json.
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
  "id": "track2-why-inv-exists",
  "title": "Why INV exists",
  "track": "2.3",
  "summary": "On KVM's virtual ITS, disabling LPI 8195 in the property table changes nothing until an INV: the MSI still fires. After INV it stays pending; re-enabling in memory alone does nothing; INVALL delivers the pending LPI exactly once. GICR_INVLPIR does the same without the command queue.",
  "goals": [
    "See that a redistributor acts on the LPI configuration it loaded, not on the byte in memory",
    "Use INV, INVALL and GICR_INVLPIR to make a property-table change take effect",
    "See that an LPI's pending state is one bit: several MSIs while disabled make one delivery",
    "Know which implementations cache (KVM, hardware) and which re-read on every MSI (QEMU's TCG model)"
  ],
  "difficulty": "intermediate",
  "prerequisites": [
    "track2-map-and-fire"
  ],
  "machine": {
    "profile": "kvm",
    "cpus": 2,
    "devices": [
      {
        "name": "nic0",
        "bdf": "00:02.0"
      }
    ]
  },
  "steps": [
    {
      "title": "nic0 mapped, LPI 8195 still disabled",
      "narration": "The machine is brought up as in lesson 2.1: the distributor and every PE's CPU interface are enabled for Group 1, every redistributor gets the shared LPI property table (**GICR_PROPBASER**, every byte 0xA2: priority 0xA0, disabled) and its own zeroed pending table (**GICR_PENDBASER**) and sets **GICR_CTLR.EnableLPIs**; the ITS gets a flat 64 KiB device table (**GITS_BASER0**), a collection table (**GITS_BASER1**) and a 64 KiB command queue (**GITS_CBASER**), and is enabled (**GITS_CTLR.Enabled**). Collection n is mapped to PE n.\\n\\nThen, as in 2.2, nic0 (DeviceID 16) gets an ITT and its event 3 is mapped to **LPI 8195** in collection 1 (CPU 1). The LPI's byte in the property table is still Linux's default **0xA2**: priority 0xA0, **disabled**.\\n\\nThis lesson runs on the **kvm** profile: KVM's virtual ITS, what a Linux guest sees.",
      "inspect": "redistributors",
      "notes": "This lesson runs on the **kvm** profile: KVM's vITS as a Linux guest sees it. Point at LPI 8195's row in the redistributor inspector: memory byte and effective configuration, both 0xA2.",
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
        "mem fill 0x40200000 0x2000 0",
        "write64 rd0 GICR_PROPBASER 0x4013078f",
        "write64 rd0 GICR_PENDBASER 0x40200780",
        "write rd0 GICR_CTLR |= 1",
        "mem fill 0x40210000 0x2000 0",
        "write64 rd1 GICR_PROPBASER 0x4013078f",
        "write64 rd1 GICR_PENDBASER 0x40210780",
        "write rd1 GICR_CTLR |= 1",
        "# the ITS: device and collection tables, command queue, enable",
        "mem fill 0x40100000 64K 0",
        "mem fill 0x40110000 64K 0",
        "write64 GITS_BASER0 0xb907000040100600",
        "write64 GITS_BASER1 0xbc07000040110600",
        "write64 GITS_CBASER 0xb80000004012040f",
        "write64 GITS_CWRITER 0",
        "write GITS_CTLR 1",
        "# one collection per PE, as Linux maps them: ICID n -> PE n",
        "its MAPC ICID=0 RDbase=0 V=1",
        "its SYNC RDbase=0",
        "its MAPC ICID=1 RDbase=1 V=1",
        "its SYNC RDbase=1",
        "# nic0 (00:02.0, DeviceID 16): an ITT, and event 3 -> LPI 8195 in collection 1 (PE 1)",
        "its MAPD DeviceID=16 Size=4 ITT_addr=0x40300000 V=1",
        "its MAPTI DeviceID=16 EventID=3 pINTID=8195 ICID=1",
        "its SYNC RDbase=1"
      ],
      "expect": [
        "expect ite 16 3 intid=8195 icid=1",
        "expect mem8 0x40130003 == 0xa2"
      ]
    },
    {
      "title": "Unmasking, the way Linux does it: the byte, then INV",
      "narration": "When the driver unmasks the interrupt, Linux's \`lpi_update_config()\` sets the **Enable** bit in the LPI's byte (0xA2 -> **0xA3**) and then sends **INV** DeviceID=16 EventID=3, followed by a SYNC (or, where the redistributors offer it, writes GICR_INVLPIR: the last step of this lesson). INV tells the redistributor the LPI is routed to: \\"re-read this LPI's configuration from the property table\\".\\n\\nThen nic0 fires event 3, and CPU 1 takes LPI 8195.",
      "notes": "This is Linux's \`lpi_update_config()\`: write the byte, then INV (+ SYNC). Show the \`gicr.inv\` event and the effective configuration becoming 0xA3.",
      "actions": [
        "lpi-config 8195 0xa3",
        "its INV DeviceID=16 EventID=3",
        "its SYNC RDbase=1",
        "msi nic0 3"
      ],
      "expect": [
        "expect mem8 0x40130003 == 0xa3",
        "expect events gicr.inv cpu=1 intid=8195 == 1",
        "expect deliveries cpu1:8195"
      ]
    },
    {
      "title": "Disable it in memory, without INV",
      "narration": "Now software disables LPI 8195 by writing **0xA2** into its byte, and sends **no INV**. Then nic0 fires event 3 again. Does CPU 1 take LPI 8195? Guess, then play the step.",
      "notes": "Vote first. This is the surprise of the lesson; let the room argue. After the reveal, point at the flagged row: memory says 0xA2, the redistributor acts on 0xA3.",
      "actions": [
        "lpi-config 8195 0xa2",
        "msi nic0 3"
      ],
      "predict": {
        "question": "LPI 8195's byte now says \\"disabled\\" (0xA2), but no INV was sent. nic0 fires event 3. Does CPU 1 take LPI 8195?",
        "choices": [
          {
            "text": "Yes: the redistributor still uses the configuration it loaded",
            "when": "expect deliveries cpu1:8195"
          },
          {
            "text": "No: the byte in memory says disabled",
            "when": "expect deliveries none"
          }
        ],
        "explain": "On KVM the LPI's configuration was copied into its vgic_irq when MAPTI created it, and refreshed by the INV of the previous step. Writing the byte in memory does not touch that copy, so without an **INV** the redistributor (KVM) still sees \\"enabled\\" and delivers the MSI to CPU 1. The byte in memory is a request that takes effect only at an invalidation: INV, INVALL or GICR_INVLPIR."
      },
      "expect": [
        "expect mem8 0x40130003 == 0xa2",
        "expect deliveries cpu1:8195"
      ]
    },
    {
      "title": "Now with INV",
      "narration": "**What happened:** CPU 1 **still took it**. The redistributor does not watch the property table: it acts on the configuration it loaded, which said \\"enabled\\". How long a stale copy can live depends on the implementation:\\n\\n- **KVM** reads the byte when MAPTI creates the LPI and keeps its own copy (in its \`vgic_irq\`) until an INV, INVALL, or a write to GICR_INVLPIR / GICR_INVALLR makes it read it again. Without INV it never sees the change.\\n- A **physical redistributor** may cache configuration bytes; the architecture says a change is guaranteed to be seen only after an invalidation (the spec profile behaves like that: try \`--profile spec\`).\\n- **QEMU**'s TCG model re-reads the byte whenever the LPI becomes pending, so on QEMU that MSI would *not* have been taken (try \`--profile qemu\`). Software that relies on that is broken everywhere else.\\n\\nNow software sends **INV** DeviceID=16 EventID=3 (and a SYNC). The redistributor re-reads byte 3 of the property table: disabled. nic0 fires again: the ITS translates the MSI as before and LPI 8195 becomes **pending** at redistributor 1, but a disabled LPI is never forwarded to the CPU interface. Nobody takes anything.",
      "notes": "Three behaviours: KVM caches until an invalidation, a physical GIC may cache, QEMU re-reads when an LPI becomes pending. Software that relies on QEMU's behaviour is broken everywhere else. Point at \`pending rd1 8195\`: disabled LPIs still become pending.",
      "actions": [
        "its INV DeviceID=16 EventID=3",
        "its SYNC RDbase=1",
        "msi nic0 3"
      ],
      "expect": [
        "expect deliveries none",
        "expect pending rd1 8195",
        "expect events its.drop == 0"
      ]
    },
    {
      "title": "A second MSI while it is disabled",
      "narration": "nic0 fires event 3 once more. LPI 8195 is already pending, and an LPI's pending state is one bit: the second MSI changes nothing. Still no delivery, still one pending LPI.",
      "notes": "One pending bit, not a counter. Ask: how many deliveries would three MSIs make once it is enabled? Keep the answers for step 7.",
      "actions": [
        "msi nic0 3"
      ],
      "expect": [
        "expect deliveries none",
        "expect pending rd1 8195"
      ]
    },
    {
      "title": "Re-enable in memory, still without INV",
      "narration": "Software writes **0xA3** (enabled) into the byte again, but sends no INV. LPI 8195 is pending. Does it arrive now? Guess, then play the step.",
      "notes": "Vote. Even QEMU would not deliver here: nothing new becomes pending, so nothing makes it look at the byte.",
      "actions": [
        "lpi-config 8195 0xa3"
      ],
      "predict": {
        "question": "The byte says \\"enabled\\" again (0xA3), no INV yet. LPI 8195 is pending. Does CPU 1 take it now?",
        "choices": [
          {
            "text": "Yes, as soon as the byte is written",
            "when": "expect delivered cpu1 8195"
          },
          {
            "text": "No, the redistributor still uses its disabled copy",
            "when": "expect deliveries none"
          }
        ],
        "explain": "Re-enabling the byte without an invalidation changes nothing KVM acts on: its copy still says disabled, so the pending LPI 8195 keeps waiting at redistributor 1. Nothing new becomes pending either, so no path re-reads the table. An INV or INVALL (or GICR_INVLPIR) is what makes the redistributor act on the new byte."
      },
      "expect": [
        "expect deliveries none",
        "expect pending rd1 8195",
        "expect mem8 0x40130003 == 0xa3"
      ]
    },
    {
      "title": "INVALL",
      "narration": "**What happened:** nothing arrived. The redistributor still believes its copy, \\"disabled\\", so the pending LPI keeps waiting: the byte in memory is only a request, the invalidation is what makes the redistributor act on it. (Even QEMU, which re-reads the byte when an LPI *becomes* pending, does not notice here: nothing new becomes pending, so nothing makes it look.)\\n\\nNow software sends **INVALL** ICID=1: redistributor 1 re-reads the configuration of every LPI of collection 1. This is what Linux sends when a PE's collection is set up (lesson 2.1), and what you use after changing many bytes at once. Three MSIs for event 3 arrived while LPI 8195 was disabled. How many times will CPU 1 take it?",
      "notes": "Compare with the answers from step 5. The common wrong answers are \\"never\\" (MSIs dropped while disabled) and \\"three times\\" (counted).",
      "actions": [
        "its INVALL ICID=1",
        "its SYNC RDbase=1"
      ],
      "predict": {
        "question": "Three MSIs for event 3 arrived while LPI 8195 was disabled. After the INVALL, how many times does CPU 1 take LPI 8195?",
        "choices": [
          {
            "text": "Never: the MSIs were dropped while it was disabled",
            "when": "expect deliveries none"
          },
          {
            "text": "Once",
            "when": "expect deliveries cpu1:8195"
          },
          {
            "text": "Three times",
            "when": "expect deliveries cpu1:8195x3"
          }
        ],
        "explain": "**INVALL** ICID=1 makes redistributor 1 reload the configuration of every LPI of collection 1: LPI 8195 becomes enabled, and it is pending, so CPU 1 takes it now, without a new MSI. The three MSIs that arrived while it was disabled were not dropped (a disabled LPI still becomes pending, it is only not forwarded), but they set one pending bit, not a count, so it arrives **once**."
      },
      "expect": [
        "expect deliveries cpu1:8195",
        "expect not-pending rd1 8195"
      ]
    },
    {
      "title": "The shortcut: GICR_INVLPIR",
      "narration": "**What happened:** CPU 1 took LPI 8195 **once**, at once and without a new MSI: it is enabled again and it was pending. Three MSIs arrived while it was disabled, but pending is a single bit, not a counter; a driver must look at its device's state (its receive ring) rather than count interrupts.\\n\\nAn INV goes through the ITS command queue, so it needs a DeviceID and an EventID and a wait for CREADR. A redistributor that implements the invalidate registers (advertised by **GICR_TYPER.DirectLPI**, or by **GICR_CTLR.IR** on newer GICs and on KVM) can also be told directly: a write of the INTID to **GICR_INVLPIR**, then a poll of **GICR_SYNCR.Busy** until it reads 0. A redistributor that has them says so in GICR_TYPER.DirectLPI or GICR_CTLR.IR; KVM implements them and advertises IR, and recent Linux kernels then use them in \`lpi_update_config()\` instead of INV. QEMU's model does not implement them (they read as zero and ignore writes).\\n\\nSoftware disables LPI 8195 (0xA2) and invalidates it through GICR_INVLPIR: the next MSI leaves it pending. Then it re-enables it (0xA3) and invalidates again: the pending LPI is taken once.",
      "notes": "GICR_INVLPIR + GICR_SYNCR: no command queue, no DeviceID/EventID needed. Recent Linux uses it when the redistributor advertises it (KVM does; QEMU does not). About 15 minutes.",
      "actions": [
        "lpi-config 8195 0xa2",
        "write64 rd1 GICR_INVLPIR 8195",
        "read rd1 GICR_SYNCR",
        "msi nic0 3",
        "lpi-config 8195 0xa3",
        "write64 rd1 GICR_INVLPIR 8195",
        "read rd1 GICR_SYNCR"
      ],
      "expect": [
        "expect deliveries cpu1:8195",
        "expect events gicr.inv cpu=1 intid=8195 == 2",
        "expect reg rd1 GICR_SYNCR == 0",
        "expect not-pending rd1 8195"
      ]
    }
  ]
}
`;

/** Its id: the spec serves it as /scenarios/<id>.json. */
const ID = 'track2-why-inv-exists';

/** Events in the history when recorded. */
const EVENTS = 127;

/**
 * Each step as recorded: its events [from, to), how many expectations it lists, and for a step
 * that asks a prediction, the choice the outcome selected (null: none of them).
 */
const STEPS: { from: number; to: number; expectations: number; answer?: number | null }[] = [
  { from: 0, to: 48, expectations: 2 }, // 1. nic0 mapped, LPI 8195 still disabled
  { from: 48, to: 69, expectations: 3 }, // 2. Unmasking, the way Linux does it: the byte, then INV
  { from: 69, to: 80, expectations: 2, answer: 0 }, // 3. Disable it in memory, without INV
  { from: 80, to: 91, expectations: 3 }, // 4. Now with INV
  { from: 91, to: 95, expectations: 2 }, // 5. A second MSI while it is disabled
  { from: 95, to: 96, expectations: 3, answer: 1 }, // 6. Re-enable in memory, still without INV
  { from: 96, to: 109, expectations: 2, answer: 1 }, // 7. INVALL
  { from: 109, to: 127, expectations: 4 }, // 8. The shortcut: GICR_INVLPIR
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
