/**
 * The sandbox console's side of the engine host: one command-language line at a time, run at the
 * end of the session's history as a step of its own, completion for the machine of the session,
 * and the session saved as a scenario.
 *
 * Nothing here validates on its own: the parser refuses what does not parse (with the column),
 * and the runner refuses, before anything happens, a line that names something the machine
 * lacks (the same checks a scenario's lines go through: executeAction, resolveTarget). An
 * `expect` line makes no step: it is checked against the step of the line before it, as an
 * expectation listed under that step would be, so that its counts cover that line's events, and
 * a saved session puts it in that step's `expect` list, where a replay checks it the same way.
 * Control lines (run, wait, step) run with `settle: none`, as written; every other line settles
 * the machine (runs it until idle, within the runner's budget), as a scenario step does.
 */

import {
  complete,
  deliveriesIn,
  explain,
  parseLine,
  type CompiledLine,
  type Completion,
  type ScenarioRun,
  type SimEvent,
} from '../../engine';

/** One line the console ran, as the saved scenario needs it. */
interface ConsoleLine {
  text: string;
  kind: 'action' | 'control' | 'expect';
}

export type SandboxResult =
  | {
      ok: true;
      outcome: 'ok' | 'failed';
      kind: ConsoleLine['kind'];
      message: string;
      warnings: string[];
      from: number;
      to: number;
    }
  | { ok: false; error: string; column: number };

/** Most deliveries and problems one answer lists (a storm would make a wall of text). */
const MAX_LISTED = 4;

const intidName = (intid: number): string =>
  intid < 16 ? `SGI ${intid}` : intid < 32 ? `PPI ${intid}` : intid < 1020 ? `SPI ${intid}` : `LPI ${intid}`;

/**
 * The column of the word a refusal names ('there is no rd9', "no device named 'nic1'", 'there is
 * no ITS 2'...), so the console can point at it; 1 when the reason names no word of the line.
 */
export function blameColumn(line: string, reason: string): number {
  const wanted: string[] = [];
  for (const m of reason.matchAll(/'([^']+)'/g)) wanted.push(m[1]!);
  for (const m of reason.matchAll(/\b(cpu|rd|its|gicr)([0-9]+)\b/gi)) wanted.push(m[0]);
  for (const m of reason.matchAll(/\bredistributor ([0-9]+)/g)) wanted.push(`rd${m[1]}`, `gicr${m[1]}`);
  for (const m of reason.matchAll(/\bITS ([0-9]+)/g)) wanted.push(`its${m[1]}`);
  for (const m of reason.matchAll(/\b(G[A-Z]{3}_[A-Z0-9_]+)/g)) wanted.push(m[1]!);
  for (const m of reason.matchAll(/\b(0x[0-9a-f]+|SPI ([0-9]+))/gi)) wanted.push(m[2] ?? m[1]!);
  const lower = wanted.map((w) => w.toLowerCase());
  // Word tokens of the line, with where they start (register+offset and Field=value split apart).
  for (const m of line.matchAll(/[A-Za-z0-9_.-]+/g)) {
    if (lower.includes(m[0].toLowerCase())) return m.index + 1;
  }
  return 1;
}

export class Sandbox {
  private readonly lines: ConsoleLine[] = [];
  private readonly kinds = new Set<string>();
  private kindsUpTo = 0;

  /**
   * `source`: the text of the scenario the session was loaded from (save starts from it);
   * `isProblem`: whether an event reports something refused or dropped (the host's rule).
   */
  constructor(
    private readonly run: ScenarioRun,
    private readonly source: string,
    private readonly isProblem: (e: SimEvent) => boolean,
  ) {}

  /** Runs one line at the end of the history (see the top of this file). */
  exec(line: string): SandboxResult {
    const text = line.trim();
    const number = this.lines.length + 1;
    const p = parseLine(text, number);
    if (p === null)
      return { ok: false, error: 'nothing to run: the line is empty or only a comment', column: 1 };
    if (!p.ok) {
      // Columns count in the line as typed, leading blanks included.
      const lead = line.length - line.trimStart().length;
      return { ok: false, error: p.error.message, column: p.error.column + lead };
    }
    const compiled: CompiledLine = { text, action: p.action, line: number, column: 1 };
    const m = this.run.machine;
    if (p.action.kind === 'expect') {
      const r = this.run.addExpectation(compiled);
      if (!r.ok) return { ok: false, error: r.error, column: blameColumn(line, r.error) };
      this.lines.push({ text, kind: 'expect' });
      return {
        ok: true,
        outcome: r.result.ok ? 'ok' : 'failed',
        kind: 'expect',
        message: r.result.message ?? '',
        warnings: [],
        from: m.seq,
        to: m.seq,
      };
    }
    const control = p.action.kind === 'run' || p.action.kind === 'wait' || p.action.kind === 'step';
    const r = this.run.appendStep({
      title: text,
      settle: control ? 'none' : 'each',
      actions: [compiled],
      expect: [],
    });
    if (!r.ok) return { ok: false, error: r.error, column: blameColumn(line, r.error) };
    const { from, to, warnings } = r.result;
    const kind = control ? 'control' : 'action';
    this.lines.push({ text, kind });
    const read = p.action.kind === 'mmio-read' || p.action.kind === 'icc-read';
    return { ok: true, outcome: 'ok', kind, message: this.describe(from, to, read), warnings, from, to };
  }

  /** What a line did, in a sentence or three. */
  private describe(from: number, to: number, read: boolean): string {
    const m = this.run.machine;
    const n = to - from;
    const parts = [`${n} event${n === 1 ? '' : 's'}.`];
    const first = m.log.get(from);
    if (read && first) parts.push(explain(first));
    const took = deliveriesIn(m, from, to);
    if (took.length) {
      const list = took.slice(0, MAX_LISTED).map((d) => `CPU ${d.cpu} took ${intidName(d.intid)}`);
      if (took.length > MAX_LISTED) list.push(`${took.length - MAX_LISTED} more`);
      parts.push(`${list.join(', ')}.`);
    }
    const problems: string[] = [];
    let count = 0;
    for (let s = read ? from + 1 : from; s < to; s++) {
      const e = m.log.get(s)!;
      if (!this.isProblem(e)) continue;
      if (count++ < 2) problems.push(explain(e));
    }
    if (count > 2) problems.push(`(${count - 2} more problems in the log)`);
    parts.push(...problems);
    return parts.join(' ');
  }

  complete(line: string, cursor: number): Completion {
    const m = this.run.machine;
    const log = m.log;
    for (; this.kindsUpTo < log.length; this.kindsUpTo++) {
      const k = log.kindAt(this.kindsUpTo);
      if (k) this.kinds.add(k);
    }
    return complete(line, cursor, {
      cpus: m.s.gic.cfg.affinity.length,
      its: m.s.its.length,
      devices: m.s.machine.devices.map((d) => ({ name: d.name, rid: d.rid, its: d.its })),
      eventKinds: [...this.kinds].sort(),
      ...(m.s.kvm
        ? {
            vms: m.s.kvm.vms.map((v) => ({
              vcpus: v.cfg.vcpus,
              its: v.its.length,
              assigned: v.cfg.assigned.map((a) => a.device),
            })),
          }
        : {}),
    });
  }

  /**
   * The session as scenario text: the scenario it was loaded from, then a step per console line
   * (expect lines under the step before them). Without a title the file keeps its own, marked
   * as a session once lines were added; with one, its id is made from the title.
   */
  save(title?: string): string {
    const doc = JSON.parse(this.source) as Record<string, unknown> & {
      id: string;
      title: string;
      steps: { expect?: string[]; [k: string]: unknown }[];
    };
    // The schema path of a shipped file is relative to where it lives; a saved file lives elsewhere.
    delete doc.$schema;
    const steps = doc.steps;
    for (const l of this.lines) {
      if (l.kind === 'expect') {
        const last = steps[steps.length - 1]!;
        last.expect = [...(last.expect ?? []), l.text];
      } else
        steps.push({ title: l.text, actions: [l.text], ...(l.kind === 'control' ? { settle: 'none' } : {}) });
    }
    const name = title?.trim();
    if (name) {
      doc.title = name;
      doc.id = slug(name);
    } else if (this.lines.length && !doc.id.endsWith('-session')) {
      doc.id = `${doc.id}-session`.slice(0, 80);
    }
    return `${JSON.stringify(doc, null, 2)}\n`;
  }
}

/** A scenario id from a title: lower-case letters, digits and dashes. */
export function slug(title: string): string {
  const s = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return s || 'sandbox-session';
}
