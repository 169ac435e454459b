/**
 * The scenario file format, version 1, as a zod schema: validation with messages that name the
 * field, and the JSON Schema published in docs/scenario.schema.json (generated from this file by
 * `npm run schema`; a test keeps the two in step). docs/scenario-format.md explains each field.
 *
 * Numbers that are addresses may be written as JSON numbers or as strings in hex ("0x4000_0000"),
 * because JSON has no hex literals and addresses read better in hex.
 */

import { z } from 'zod';

export const SCENARIO_FORMAT = 'giclab-scenario/1';

const NUMBER_TEXT = /^(0x[0-9a-fA-F_]+|0b[01_]+|[0-9_]+)$/;

/** A whole number given as a JSON number or as text ("0x4000_0000", "64K" is not accepted here). */
export const wholeNumber = z
  .union([
    z.number().int().nonnegative(),
    z.string().regex(NUMBER_TEXT, 'expected a number such as 4096 or "0x4000_0000"'),
  ])
  .transform((v) => (typeof v === 'number' ? v : Number(v.replaceAll('_', ''))))
  .refine((v) => Number.isSafeInteger(v), 'number too large');

const profile = z.enum(['kvm', 'qemu', 'spec']);
const policy = z.enum(['eoi', 'deactivate-icactiver', 'hold', 'masked']);

const its = z
  .object({
    base: wholeNumber.optional(),
    pta: z.boolean().optional(),
    devBits: z.number().int().min(1).max(32).optional(),
    eventIdBits: z.number().int().min(1).max(32).optional(),
    cidBits: z.number().int().min(1).max(16).optional(),
    cil: z.boolean().optional(),
    hcc: z.number().int().min(0).max(255).optional(),
    cacheEntries: z.number().int().min(0).max(65536).optional(),
    vmovp: z.boolean().optional(),
  })
  .strict();

const device = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'a device name starts with a letter (letters, digits, _ and -)'),
    bdf: z.string().optional(),
    rid: wholeNumber.optional(),
    its: z.number().int().min(0).optional(),
    deviceIdOffset: z.number().int().min(0).optional(),
  })
  .strict();

const guestPolicy = z.enum(['eoi', 'deactivate-icactiver', 'hold', 'masked']);

/** A virtual machine KVM runs on the host (engine/kvm/vm-state.ts VmOptions). */
const vm = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9]*$/, 'a VM name is lower-case letters and digits')
      .optional(),
    vcpus: z.number().int().min(1).max(512).optional(),
    lrs: z.number().int().min(1).max(16).optional(),
    lrPolicy: z.enum(['classic', 'v6.19']).optional(),
    spis: z.number().int().min(32).max(960).optional(),
    priorityBits: z.number().int().min(4).max(8).optional(),
    its: z.boolean().optional(),
    memory: z.array(z.object({ base: wholeNumber, size: wholeNumber }).strict()).optional(),
    pin: z.array(z.number().int().min(-1)).optional(),
    software: z.union([guestPolicy, z.record(z.string(), guestPolicy)]).optional(),
    idle: z.enum(['wfi', 'spin']).optional(),
    assigned: z
      .array(
        z.object({ device: z.string(), guestRid: z.number().int().min(0).max(0xffff).optional() }).strict(),
      )
      .optional(),
    /** GICv4 direct injection for this VM (default: on when the host's GIC is a GICv4). */
    gicv4: z.boolean().optional(),
  })
  .strict();

export const machineSchema = z
  .object({
    gic: z.union([z.literal(3), z.literal(4), z.literal(4.1)]).optional(),
    profile: profile.optional(),
    seed: z.number().int().nonnegative().optional(),
    cpus: z
      .union([
        z.number().int().min(1).max(512),
        z
          .array(z.union([z.string(), z.number().int()]))
          .min(1)
          .max(512),
      ])
      .optional(),
    spis: z.number().int().min(0).max(988).optional(),
    priorityBits: z.number().int().min(4).max(8).optional(),
    memory: z
      .array(z.object({ name: z.string().optional(), base: wholeNumber, size: wholeNumber }).strict())
      .min(1)
      .optional(),
    distributorBase: wholeNumber.optional(),
    redistributorBase: wholeNumber.optional(),
    its: z.array(its).max(16).optional(),
    devices: z.array(device).optional(),
    software: z.record(z.string(), policy).optional(),
    timing: z.record(z.string(), z.number().nonnegative()).optional(),
    vms: z.array(vm).max(8).optional(),
  })
  .strict();

/** The inspector views a step may open (`inspect`): the app's inspector tabs. */
export const INSPECT_VIEWS = [
  'events',
  'transcript',
  'its',
  'redistributors',
  'cpus',
  'vcpus',
  'vpes',
  'registers',
  'memory',
  'console',
] as const;
export type InspectView = (typeof INSPECT_VIEWS)[number];

export const DIFFICULTIES = ['introductory', 'intermediate', 'advanced'] as const;
export type Difficulty = (typeof DIFFICULTIES)[number];

/**
 * A prediction: a question, choices each decided by an expectation, and why (Markdown, shown with
 * the reveal). Trace lessons (engine/import/trace-lesson.ts) ask them the same way.
 */
export const predictSchema = z
  .object({
    question: z.string().min(1),
    choices: z.array(z.object({ text: z.string().min(1), when: z.string().min(1) }).strict()).min(2),
    explain: z.string().min(1).optional(),
  })
  .strict();

const step = z
  .object({
    title: z.string().min(1),
    narration: z.string().optional(),
    actions: z.array(z.string()).default([]),
    predict: predictSchema.optional(),
    /** The inspector a lesson opens when the step starts (the view where its point shows). */
    inspect: z.enum(INSPECT_VIEWS).optional(),
    /** Markdown for the trainer only: presenter mode's speaker notes. */
    notes: z.string().optional(),
    expect: z.array(z.string()).default([]),
    settle: z.enum(['each', 'end', 'none']).default('each'),
  })
  .strict();

export const scenarioSchema = z
  .object({
    $schema: z.string().optional(),
    format: z.literal(SCENARIO_FORMAT),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'an id is lower-case letters, digits and dashes'),
    title: z.string().min(1),
    track: z.string().optional(),
    summary: z.string().optional(),
    goals: z.array(z.string()).optional(),
    /** How much the lesson asks of a learner. */
    difficulty: z.enum(DIFFICULTIES).optional(),
    /** Ids of the lessons to take first. */
    prerequisites: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a prerequisite is a scenario id'))
      .optional(),
    conformance: z
      .object({
        suite: z.string(),
        case: z.string(),
        test: z.string().optional(),
        report: z.string().optional(),
        source: z.string().optional(),
        /** Where the case's code runs: 'host' (the default: the scenario drives the machine as the test drives its GIC) or 'vm' (guest code in vms[0], under KVM). */
        runsIn: z.enum(['host', 'vm']).optional(),
      })
      .strict()
      .optional(),
    machine: machineSchema.default({}),
    steps: z.array(step).min(1),
  })
  .strict();

export type ScenarioFile = z.infer<typeof scenarioSchema>;
export type ScenarioStep = ScenarioFile['steps'][number];

/** The JSON Schema of the format (for docs/ and editors). */
export function scenarioJsonSchema(): unknown {
  return z.toJSONSchema(scenarioSchema, { io: 'input' });
}
