/**
 * Writes the scenarios `npm run bench:ui` plays (scripts/bench/ui.mjs):
 *
 * - bench/scenarios/msi-storm.json: the stage under load. 16 CPUs, 32 PCI devices, and waves of
 *   500 MSIs written back to back, so that 500 translations are outstanding in the ITS at once
 *   before the machine runs;
 * - bench/scenarios/msi-stream.json: the same machine and MSIs, one at a time (one or two tokens
 *   on the stage), the baseline that tells the cost of the tokens from the rest.
 *
 *   node --import tsx scripts/bench/gen-storm.ts
 *
 * The files live outside public/scenarios/ on purpose: they are load tests, not lessons, and must
 * not appear in the scenario picker (scripts/gen-index.ts lists public/scenarios/ only). The test
 * (gen-storm.test.ts) fails when a committed copy differs from what this script writes, and
 * checks that each storm wave really has 500 MSIs outstanding at once.
 *
 * The bring-up is lesson 2.2's (public/scenarios/track2/2.2-map-and-fire.json, step 1) widened to
 * 16 redistributors: one shared LPI property table, a zeroed pending table per redistributor, a
 * flat device table, a collection table and a 64 KiB command queue. Every device gets an ITT of 16
 * events; collection c is redistributor c; event e of device d is LPI 8192 + 16d + e in
 * collection (d + e) mod 16, so each CPU receives about 31 of the 500 LPIs of a wave.
 */

import { writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';

export const CPUS = 16;
export const DEVICES = 32;
/** MSIs written per wave, before the machine runs. */
export const STORM = 500;
/** Waves, so that the fastest playback the benchmark tries has a long enough history to play. */
export const WAVES = 8;
/** EventIDs per device (ITT Size = log2 - 1). */
export const EVENTS = 16;
export const FIRST_LPI = 8192;

const here = dirname(fileURLToPath(import.meta.url));
const BENCH = join(here, '..', '..', 'bench', 'scenarios');
export const STORM_FILE = join(BENCH, 'msi-storm.json');
export const STREAM_FILE = join(BENCH, 'msi-stream.json');

const hex = (n: number): string => `0x${n.toString(16)}`;
const two = (n: number): string => n.toString(16).padStart(2, '0');

const PROPBASE = 0x4013_0000;
const PENDBASE = 0x4020_0000; // + n x 64 KiB, one per redistributor
const ITT_BASE = 0x4030_0000; // + d x 256 bytes, one per device
const device = (d: number): string => `dev${String(d).padStart(2, '0')}`;
/** Bus 1, device d, function 0: the Requester ID, which is the DeviceID on this platform. */
const deviceId = (d: number): number => 0x100 | (d << 3);
export const lpiOf = (d: number, e: number): number => FIRST_LPI + d * EVENTS + e;
export const icidOf = (d: number, e: number): number => (d + e) % CPUS;

/** The (device, event) pairs of a wave, interleaved across the devices: 500 distinct LPIs. */
export function wave(): [number, number][] {
  const pairs: [number, number][] = [];
  for (let e = 0; e < EVENTS && pairs.length < STORM; e++)
    for (let d = 0; d < DEVICES && pairs.length < STORM; d++) pairs.push([d, e]);
  return pairs;
}

/** The machine both scenarios use, brought up and mapped (steps 1 and 2). */
function machineAndSetup(): { machine: unknown; steps: unknown[] } {
  const cpus = Array.from({ length: CPUS }, (_, n) => n);
  const devs = Array.from({ length: DEVICES }, (_, d) => d);
  const bringUp = [
    '# distributor; the LPI property table: 0xA2 (priority 0xA0, disabled), then LPIs 8192.. enabled (0xA3)',
    'write GICD_CTLR 0x12',
    `mem fill ${hex(PROPBASE)} 0xe000 0xa2`,
    `mem fill ${hex(PROPBASE)} ${DEVICES * EVENTS} 0xa3`,
    '# every PE: redistributor awake, CPU interface open for Group 1, pending table, EnableLPIs',
    ...cpus.flatMap((n) => [
      `write rd${n} GICR_WAKER 0`,
      `cpu${n} write ICC_PMR_EL1 0xf0`,
      `cpu${n} write ICC_IGRPEN1_EL1 1`,
      `mem fill ${hex(PENDBASE + n * 0x1_0000)} 0x2000 0`,
      `write64 rd${n} GICR_PROPBASER ${hex(PROPBASE + 0x78f)}`,
      `write64 rd${n} GICR_PENDBASER ${hex(PENDBASE + n * 0x1_0000 + 0x780)}`,
      `write rd${n} GICR_CTLR |= 1`,
    ]),
    '# the ITS: device and collection tables, command queue, enable',
    'mem fill 0x40100000 64K 0',
    'mem fill 0x40110000 64K 0',
    'write64 GITS_BASER0 0xb907000040100600',
    'write64 GITS_BASER1 0xbc07000040110600',
    'write64 GITS_CBASER 0xb80000004012040f',
    'write64 GITS_CWRITER 0',
    'write GITS_CTLR 1',
  ];
  const mapping = [
    ...devs.map(
      (d) =>
        `its MAPD DeviceID=${deviceId(d)} Size=${Math.log2(EVENTS) - 1} ITT_addr=${hex(ITT_BASE + d * 0x100)} V=1`,
    ),
    ...cpus.map((c) => `its MAPC ICID=${c} RDbase=${c} V=1`),
    ...devs.flatMap((d) =>
      Array.from(
        { length: EVENTS },
        (_, e) => `its MAPTI DeviceID=${deviceId(d)} EventID=${e} pINTID=${lpiOf(d, e)} ICID=${icidOf(d, e)}`,
      ),
    ),
    'its SYNC RDbase=0',
  ];
  return {
    machine: {
      profile: 'spec',
      cpus: CPUS,
      devices: devs.map((d) => ({ name: device(d), bdf: `01:${two(d)}.0` })),
    },
    steps: [
      {
        title: `Bring up ${CPUS} PEs, their redistributors and the ITS`,
        narration: `Lesson 2.2's bring-up on ${CPUS} PEs: one LPI property table (LPIs ${FIRST_LPI} to ${lpiOf(DEVICES - 1, EVENTS - 1)} enabled at priority 0xA0), a pending table per redistributor, a device table, a collection table and a command queue.`,
        actions: bringUp,
        expect: ['expect reg GITS_CTLR & 1 == 1', `expect reg rd${CPUS - 1} GICR_CTLR & 1 == 1`],
      },
      {
        title: `Map ${DEVICES} devices, ${DEVICES * EVENTS} events, ${CPUS} collections`,
        narration: `Device d (bus 1, device d) gets an ITT of ${EVENTS} events; collection c is redistributor c; event e of device d is LPI ${FIRST_LPI} + ${EVENTS}d + e in collection (d + e) mod ${CPUS}.`,
        actions: mapping,
        expect: [
          `expect ite ${deviceId(0)} 0 intid=${lpiOf(0, 0)} icid=0`,
          `expect ite ${deviceId(DEVICES - 1)} ${EVENTS - 1} intid=${lpiOf(DEVICES - 1, EVENTS - 1)} icid=${icidOf(DEVICES - 1, EVENTS - 1)}`,
          `expect cte ${CPUS - 1} valid=1 target=${CPUS - 1}`,
        ],
      },
    ],
  };
}

const header = {
  $schema: '../../docs/scenario.schema.json',
  format: 'giclab-scenario/1',
};

/** WAVES waves of STORM MSIs, each written before the machine runs: STORM translations at once. */
export function stormScenario(): unknown {
  const { machine, steps } = machineAndSetup();
  const msis = wave().map(([d, e]) => `msi ${device(d)} ${e}`);
  for (let w = 1; w <= WAVES; w++) {
    steps.push(
      {
        title: `Storm ${w} of ${WAVES}: ${STORM} MSIs written at once`,
        narration: `The ${DEVICES} devices write ${STORM} MSIs back to back; nothing has run yet, so all ${STORM} translations wait in the ITS.`,
        settle: 'none',
        actions: msis,
        expect: [`expect events pci.msi == ${STORM}`, 'expect events its.translater == 0'],
      },
      {
        title: `Storm ${w} of ${WAVES}: the ITS and the ${CPUS} PEs drain it`,
        narration: `The machine runs until idle: every MSI is translated, every LPI made pending at its redistributor, taken and ended by its PE.`,
        settle: 'none',
        actions: ['run'],
        expect: [`expect events icc.eoi == ${STORM}`, `expect events its.translater == ${STORM}`],
      },
    );
  }
  return {
    ...header,
    id: 'bench-msi-storm',
    title: `MSI storm: ${CPUS} CPUs, ${DEVICES} devices, ${STORM} MSIs in flight (x${WAVES})`,
    summary: `A load test for the stage (npm run bench:ui), written by scripts/bench/gen-storm.ts: ${WAVES} waves of ${STORM} MSIs from ${DEVICES} devices to ${CPUS} PEs, each wave written before the machine runs.`,
    machine,
    steps,
  };
}

/**
 * The same machine and as many MSIs, but one at a time (each settles before the next is written):
 * the same kinds of events at the same rate with one or two tokens on the stage instead of 500, so
 * the benchmark can tell the cost of the tokens from the cost of moving through the history.
 */
export function streamScenario(): unknown {
  const { machine, steps } = machineAndSetup();
  const msis = wave().map(([d, e]) => `msi ${device(d)} ${e}`);
  for (let w = 1; w <= WAVES; w++)
    steps.push({
      title: `Stream ${w} of ${WAVES}: ${STORM} MSIs, one at a time`,
      narration: `The ${DEVICES} devices write ${STORM} MSIs, each delivered and ended before the next is written.`,
      actions: msis,
      expect: [`expect events icc.eoi == ${STORM}`],
    });
  return {
    ...header,
    id: 'bench-msi-stream',
    title: `MSI stream: ${CPUS} CPUs, ${DEVICES} devices, one MSI at a time (${STORM} x${WAVES})`,
    summary: `The light counterpart of msi-storm.json for npm run bench:ui, written by scripts/bench/gen-storm.ts: the same machine and MSIs, each delivered before the next is written.`,
    machine,
    steps,
  };
}

/** A file's text, formatted as `npm run format` would leave it. */
async function text(scenario: unknown, file: string): Promise<string> {
  const options = (await resolveConfig(file)) ?? {};
  return format(JSON.stringify(scenario), { ...options, filepath: file });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [scenario, file] of [
    [stormScenario(), STORM_FILE],
    [streamScenario(), STREAM_FILE],
  ] as const) {
    writeFileSync(file, await text(scenario, file));
    console.log(`wrote ${relative(join(here, '..', '..'), file)}`);
  }
}
