/**
 * Writes public/scenarios/conformance-vm/*.json: each kvm-unit-tests scenario of
 * public/scenarios/conformance/ run as guest code inside a VM, against KVM's emulated GIC and
 * virtual ITS, as issue 4's "Conformance" asks. The flat scenario drives a machine under the `kvm`
 * profile as if it were the guest; the derived one puts a VM with as many vCPUs as the flat one
 * has CPUs on a host with as many PEs, and has the guest's code on the vCPUs do the same accesses,
 * commands and memory writes, with the same handler on each vCPU. docs/kvm-vgic.md ("kvm-unit-tests
 * inside a VM") describes the result.
 *
 * The derivation, line by line (the flat files are the input; nothing here knows a test by name):
 *
 *  - machine: `{ profile: 'kvm', cpus: N, vms: [{ vcpus: N, spis, pin: identity, idle: 'wfi',
 *    software }] }` with the flat machine's SPI count (irq_nr, which S2's loop walks) and handler
 *    policies. vCPU n is pinned to pCPU n, so "PE n" of a narration is vCPU n on pCPU n.
 *    `idle: 'wfi'`: the test's waiting CPUs sit in `while (1) wfi();` (ipi_recv,
 *    secondary_lpi_test), so a vCPU with nothing left to run blocks in WFI, and an interrupt for it
 *    must go through KVM's kick to wake it, which is what running these tests on KVM exercises.
 *  - an unprefixed MMIO, ITS, memory or LPI-table line runs on the vCPU the flat step's context
 *    names: a comment `# ... on CPU <n>` (S2's `# gicv3_enable_defaults on CPU <n>`) makes the
 *    lines after it, to the end of the step, the code of CPU n; otherwise CPU 0, the test's primary.
 *    A bare GICR_* name gets its unit written out when the vCPU is not 0 (on the host it means rd0,
 *    in a guest line the issuing vCPU's own redistributor);
 *  - `cpu<n> read|write ICC_*` becomes `vm0 vcpu<n> read|write ICC_*`;
 *  - a read-modify-write (`|=`, `&= ~`) becomes the guest's read and then its write of the value
 *    read with the bits set or cleared: the generator runs the derived scenario as it writes it, so
 *    the value written is the one the guest's read returns in the VM (a guest line cannot
 *    read-modify-write: its read happens when the vCPU runs);
 *  - `lpi-config rd<n> ...` loses its rd<n> (a VM has one GICR_PROPBASER); `lpi-pending rd<n> ...`
 *    keeps it (whose pending table); `migrate` becomes `vm0 migrate`; run, wait and step stay;
 *  - each expectation becomes its `expect vm0 ...` form (vcpu<n> for cpu<n>); `expect events` has no
 *    guest form, so an event kind of the flat machine is mapped to the VM's (EVENT_MAP), filtered by
 *    `vm=0`; a kind the map does not know stops the generator.
 *
 * Titles, narrations and the conformance block are kept; the block gains `"runsIn": "vm"`, the
 * summary a note that the case runs in a VM, and a step whose lines the derivation changed in a way
 * the reader should know (a read-modify-write, a mapped event) a note saying how. `npm run gen`
 * rewrites the files; scripts/conformance-vm.test.ts fails when a committed file differs from what
 * this script writes, or when one does not pass.
 */

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
// The KVM layer joins the machine (VMs in descriptions, their inputs and tasks).
import '../engine/kvm/kvm-extension';
import { guestPeek } from '../engine/kvm/guest-inspect';
import { Machine } from '../engine/platform/machine';
import { resolveMachine, type MachineOptions } from '../engine/platform/machine-config';
import { runUntil } from '../engine/platform/run-until';
import type { Action, Expectation, MmioTarget } from '../engine/scenario/actions';
import { formatParseError, parseLine } from '../engine/scenario/command-parser';
import { printAction } from '../engine/scenario/command-printer';
import { executeAction } from '../engine/scenario/execute';
import { SETTLE_BUDGET } from '../engine/scenario/runner';
import { guestFrames, resolveTarget } from '../engine/scenario/targets';

const here = dirname(fileURLToPath(import.meta.url));
export const FLAT_DIR = join(here, '..', 'public', 'scenarios', 'conformance');
export const VM_DIR = join(here, '..', 'public', 'scenarios', 'conformance-vm');

/** The flat scenario file, as gen-conformance.ts writes it. */
interface FlatScenario {
  id: string;
  title: string;
  summary?: string;
  conformance: { suite: string; case: string; test?: string; report?: string; source?: string };
  machine: { profile: string; cpus: number; spis?: number; software?: Record<string, string> };
  steps: { title: string; narration?: string; actions: string[]; expect: string[]; settle?: string }[];
}

/**
 * Flat event kinds and what the same happening is in a VM: the guest's accesses are MMIO exits that
 * KVM emulates (one 'vgic.mmio' each, `ok=false` for a refused one), its acknowledges are 'icv.ack'
 * per vCPU, its virtual ITS records 'its.cmd' under the unit 'vm0.its0', the migration is KVM's
 * ('kvm.migrate'). Flat filters are renamed by `keys` and the VM's own are added.
 */
const EVENT_MAP: Record<
  string,
  { kind: string; keys?: Record<string, string>; add: Record<string, string> }
> = {
  'mmio.read': { kind: 'vgic.mmio', add: { vm: '0', write: 'false' } },
  'mmio.bad': { kind: 'vgic.mmio', add: { vm: '0', ok: 'false' } },
  'icc.ack': { kind: 'icv.ack', keys: { cpu: 'vcpu' }, add: { vm: '0' } },
  'its.cmd': { kind: 'its.cmd', add: { unit: 'vm0.its0' } },
  'machine.migrate': { kind: 'kvm.migrate', add: { vm: '0' } },
};

const hex = (v: bigint): string => '0x' + v.toString(16);

function parsed(text: string): Action {
  const r = parseLine(text);
  if (!r?.ok) throw new Error(`${text}: ${r ? formatParseError(r.error) : 'blank'}`);
  return r.action;
}

/** The derived scenario's machine, from the flat one's. */
function vmMachine(flat: FlatScenario): MachineOptions {
  const n = flat.machine.cpus;
  if (flat.machine.profile !== 'kvm') throw new Error(`${flat.id}: the profile is not kvm`);
  return {
    profile: 'kvm',
    cpus: n,
    vms: [
      {
        vcpus: n,
        ...(flat.machine.spis !== undefined ? { spis: flat.machine.spis } : {}),
        pin: [...Array(n).keys()],
        idle: 'wfi',
        ...(flat.machine.software ? { software: flat.machine.software as Record<string, 'eoi'> } : {}),
      },
    ],
  };
}

/** A machine to run the derived lines on as they are written, exactly as the runner does. */
class Rehearsal {
  readonly m: Machine;

  constructor(o: MachineOptions) {
    const r = resolveMachine(o);
    if (!r.ok) throw new Error(r.problems.join('; '));
    this.m = Machine.create(r.machine);
  }

  /** Runs one derived line (settle 'each'). */
  apply(text: string): void {
    const a = parsed(text);
    const m = this.m;
    switch (a.kind) {
      case 'run':
        if (a.until === 'idle') m.run({ maxEvents: SETTLE_BUDGET });
        else runUntil(m, { until: a.until }, [], SETTLE_BUDGET);
        return;
      case 'wait':
        m.advanceTo(m.time + a.ns, SETTLE_BUDGET);
        return;
      case 'step':
        for (let i = 0; i < a.n; i++) if (!m.step()) break;
        return;
      case 'expect':
        return;
      default: {
        const r = executeAction(m, a);
        if (!r.ok) throw new Error(`${text}: ${r.error}`);
        m.run({ maxEvents: SETTLE_BUDGET });
      }
    }
  }
}

/** What the derivation of one step noted for its reader: read-modify-writes and mapped event kinds. */
interface Notes {
  /** 'rd0 GICR_CTLR 0x6 -> 0x7' per read-modify-write. */
  rmw: string[];
  /** 'icc.ack' -> 'icv.ack' per mapped kind. */
  events: Map<string, string>;
}

function noteText(n: Notes): string {
  const out: string[] = [];
  if (n.rmw.length)
    out.push(
      'a guest line cannot read-modify-write (its read happens when the vCPU runs), so where the flat scenario writes `|=` or `&= ~` the guest reads the register, then writes the value read with the bits set or cleared (read → written): ' +
        `${n.rmw.join(', ')}.`,
    );
  if (n.events.size)
    out.push(
      `The expectations count the VM's events where the flat scenario counts the host's: ${[...n.events]
        .map(([from, to]) => `\`${to}\` for \`${from}\``)
        .join(', ')}.`,
    );
  return out.length ? `**Inside the VM:** ${out.join(' ')}` : '';
}

const guestLine = (vcpu: number, action: Action): string =>
  printAction({ kind: 'guest', vm: 0, vcpu, action });

/** On vCPU `vcpu` a bare GICR_* name means that vCPU's redistributor: write the flat meaning, rd0, out. */
function guestTarget(t: MmioTarget, vcpu: number): MmioTarget {
  if (t.kind === 'reg' && !t.unit && /^GICR_/i.test(t.reg) && vcpu !== 0)
    return { ...t, unit: { type: 'rd', n: 0 } };
  return t;
}

/** One flat action line as the guest's (or the VMM's) lines, rehearsed on `r`. */
function deriveAction(text: string, vcpu: number, r: Rehearsal, notes: Notes): string[] {
  const a = parsed(text);
  const emit = (line: string): string[] => {
    r.apply(line);
    return [line];
  };
  switch (a.kind) {
    case 'mmio-read':
      return emit(guestLine(vcpu, { ...a, target: guestTarget(a.target, vcpu) }));
    case 'mmio-write': {
      const target = guestTarget(a.target, vcpu);
      if (!a.op) return emit(guestLine(vcpu, { ...a, target }));
      // The guest's read, then its write of what it read with the bits set or cleared.
      const read = emit(
        guestLine(vcpu, { kind: 'mmio-read', ...(a.width ? { width: a.width } : {}), target }),
      );
      const vm = r.m.s.kvm!.vms[0]!;
      const at = resolveTarget(guestFrames(vm, vcpu), target, a.width);
      if (!at.ok) throw new Error(`${text}: ${at.error}`);
      const was = guestPeek(r.m, 0, vcpu, at.addr, at.width);
      if (was === undefined) throw new Error(`${text}: the guest cannot read ${at.name}`);
      const all = (1n << BigInt(at.width)) - 1n;
      const value = a.op === 'set-bits' ? was | a.value : was & ~a.value & all;
      const { op, ...plain } = a;
      void op;
      notes.rmw.push(`${at.name} ${hex(was)} → ${hex(value)}`);
      return [...read, ...emit(guestLine(vcpu, { ...plain, target, value }))];
    }
    case 'icc-read':
    case 'icc-write':
      return emit(guestLine(a.cpu, a));
    case 'mem-write':
    case 'mem-bytes':
    case 'mem-fill':
    case 'its-cmd':
    case 'its-raw':
    case 'lpi-pending':
      return emit(guestLine(vcpu, a));
    case 'lpi-config':
      // One GICR_PROPBASER for the VM: the guest names no redistributor.
      return emit(guestLine(vcpu, { ...a, rd: vcpu }));
    case 'migrate':
      return emit(printAction({ kind: 'kvm', vm: 0, call: { kind: 'migrate' } }));
    case 'run':
    case 'wait':
    case 'step':
      return emit(printAction(a));
    default:
      throw new Error(`${text}: no guest form for '${a.kind}' (the generator needs a rule for it)`);
  }
}

/** One flat expectation as its guest form. */
function deriveExpect(text: string, notes: Notes): string {
  const a = parsed(text);
  if (a.kind !== 'expect') throw new Error(`${text} is not an expectation`);
  const x: Expectation = a.expect;
  if (x.kind === 'guest') throw new Error(`${text}: the flat scenario already reads a guest`);
  if (x.kind !== 'events')
    return printAction({ kind: 'expect', expect: { kind: 'guest', vm: 0, expect: x } });
  const map = EVENT_MAP[x.eventKind];
  if (!map) throw new Error(`${text}: no VM event for '${x.eventKind}' (add it to EVENT_MAP)`);
  const filters: Record<string, string> = {};
  for (const [k, v] of Object.entries(x.filters)) filters[map.keys?.[k] ?? k] = v;
  Object.assign(filters, map.add);
  const line = printAction({ kind: 'expect', expect: { ...x, eventKind: map.kind, filters } });
  if (map.kind !== x.eventKind) notes.events.set(x.eventKind, map.kind);
  return line;
}

const CPU_CONTEXT = /^#.*\bon CPU (\d+)\b/;

/** The derived scenario of one flat scenario, as the JSON text the file holds. */
export function deriveVmScenario(flat: FlatScenario): string {
  const machine = vmMachine(flat);
  const r = new Rehearsal(machine);
  r.m.run({ maxEvents: SETTLE_BUDGET });
  const steps = flat.steps.map((s) => {
    if (s.settle !== undefined && s.settle !== 'each')
      throw new Error(
        `${flat.id}: step '${s.title}' settles '${s.settle}'; the generator rehearses 'each' only`,
      );
    const notes: Notes = { rmw: [], events: new Map() };
    const actions: string[] = [];
    let vcpu = 0;
    for (const line of s.actions) {
      const t = line.trim();
      if (t === '' || t.startsWith('#')) {
        const c = CPU_CONTEXT.exec(t);
        if (c) vcpu = Number(c[1]);
        actions.push(line);
        continue;
      }
      actions.push(...deriveAction(line, vcpu, r, notes));
    }
    const expect = s.expect.map((x) => deriveExpect(x, notes));
    const narration = [s.narration, noteText(notes)].filter(Boolean).join('\n\n');
    return { title: s.title, ...(narration ? { narration } : {}), actions, expect };
  });
  const cpus = flat.machine.cpus;
  const scenario = {
    $schema: '../../../docs/scenario.schema.json',
    format: 'giclab-scenario/1',
    id: `${flat.id}-vm`,
    title: `${flat.title}, inside a VM`,
    summary:
      `${flat.summary ? `${flat.summary} ` : ''}Here the test runs inside a VM, against KVM's emulated GIC and ` +
      `virtual ITS: the guest's code on vCPU n (pinned to pCPU n, ${cpus} of each) makes the accesses and ` +
      `posts the commands, its handler runs on the vCPUs, and the expectations read the guest's view ` +
      `(derived from ${flat.id} by scripts/gen-conformance-vm.ts).`,
    conformance: { ...flat.conformance, runsIn: 'vm' },
    machine,
    steps,
  };
  return JSON.stringify(scenario, null, 2) + '\n';
}

/** The flat files and the derived file each gives. */
export function vmCases(): { flat: string; file: string }[] {
  return readdirSync(FLAT_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((flat) => ({ flat, file: flat.replace(/\.json$/, '-vm.json') }));
}

/**
 * The derived file's text, in the repository's Prettier style (the files are not in
 * .prettierignore, so `npm run format` leaves them as they are written).
 */
export async function renderVm(flatFile: string): Promise<string> {
  const text = deriveVmScenario(JSON.parse(readFileSync(join(FLAT_DIR, flatFile), 'utf8')) as FlatScenario);
  const options = (await resolveConfig(join(VM_DIR, flatFile))) ?? {};
  return format(text, { ...options, parser: 'json' });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(VM_DIR, { recursive: true });
  const cases = vmCases();
  for (const c of cases) writeFileSync(join(VM_DIR, c.file), await renderVm(c.flat));
  console.log(`wrote ${cases.length} scenarios to ${VM_DIR}`);
}
