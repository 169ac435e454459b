/**
 * Which file is which, when the user opens several at once: a QEMU trace (.log or .log.gz, in
 * parts if it was split), the command-queue dump (a name with "cmdq", .bin or .bin.gz) and the
 * property-table dump (a name with "proptable", .bin or .bin.gz), as the public traces name them.
 * A scenario (.json) opens on its own. Anything else is named in a message that says what the page
 * accepts. Page-side code (no engine values): it only looks at names and sizes.
 */

import type { TraceInput, TraceRequest } from './api';

export type FileRole = 'scenario' | 'trace' | 'cmdq' | 'proptable';

/** What a file is, from its name; undefined when it is none of the kinds the page opens. */
export function roleOf(name: string): FileRole | undefined {
  const n = name.toLowerCase();
  if (n.endsWith('.json')) return 'scenario';
  if (/\.bin(\.gz)?$/.test(n)) {
    if (n.includes('cmdq')) return 'cmdq';
    if (n.includes('proptable')) return 'proptable';
    return undefined;
  }
  if (/\.log(\.gz)?$/.test(n)) return 'trace';
  return undefined;
}

/** Whether scenario text is a trace lesson (giclab-trace-lesson/1) rather than a scenario. */
export function isTraceLessonText(text: string): boolean {
  return /"format"\s*:\s*"giclab-trace-lesson\//.test(text.slice(0, 4096));
}

const ACCEPTED =
  'a scenario (.json), or a QEMU trace (.log or .log.gz) with, optionally, its command queue (*cmdq*.bin[.gz]) and property table (*proptable*.bin[.gz])';

/** Part names in the order a person would read them ('part2' before 'part10'). */
const byName = (a: { name: string }, b: { name: string }): number =>
  a.name.localeCompare(b.name, 'en', { numeric: true });

export type Chosen =
  | { kind: 'scenario'; file: File }
  | { kind: 'trace'; request: Extract<TraceRequest, { kind: 'files' }>; name: string }
  | { kind: 'refused'; errors: string[] };

/** Sorts out the files the user chose or dropped. */
export function chooseFiles(files: readonly File[]): Chosen {
  if (files.length === 0) return { kind: 'refused', errors: ['no file was chosen'] };
  const errors: string[] = [];
  const by: Record<FileRole, File[]> = { scenario: [], trace: [], cmdq: [], proptable: [] };
  for (const f of files) {
    const role = roleOf(f.name);
    if (role) by[role].push(f);
    else errors.push(`${f.name}: not a file GIC Lab opens: expected ${ACCEPTED}`);
  }
  if (errors.length) return { kind: 'refused', errors };
  if (by.scenario.length) {
    if (files.length === 1) return { kind: 'scenario', file: by.scenario[0]! };
    return {
      kind: 'refused',
      errors: [
        `${files.map((f) => f.name).join(', ')}: open one scenario (.json) on its own, or a trace with its dumps`,
      ],
    };
  }
  if (by.trace.length === 0)
    return {
      kind: 'refused',
      errors: [
        `${files.map((f) => f.name).join(', ')}: a dump needs its trace: choose the .log or .log.gz with it`,
      ],
    };
  for (const role of ['cmdq', 'proptable'] as const)
    if (by[role].length > 1)
      return {
        kind: 'refused',
        errors: [`${by[role].map((f) => f.name).join(', ')}: more than one ${role} dump; choose one`],
      };
  const input = (f: File): TraceInput => ({ name: f.name, blob: f });
  const trace = [...by.trace].sort(byName);
  return {
    kind: 'trace',
    name: trace.map((f) => f.name).join(' + '),
    request: {
      kind: 'files',
      trace: trace.map(input),
      ...(by.cmdq[0] ? { cmdq: input(by.cmdq[0]) } : {}),
      ...(by.proptable[0] ? { proptable: input(by.proptable[0]) } : {}),
    },
  };
}
