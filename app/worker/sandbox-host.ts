/**
 * The sandbox console's side of the engine host: one command-language line at a time, run at the
 * end of the session's history as a step of its own, completion for the machine of the session,
 * the session saved as a scenario, and authoring: the scenario's text edited in the app.
 *
 * Nothing here validates on its own: the parser refuses what does not parse (with the column),
 * and the runner refuses, before anything happens, a line that names something the machine
 * lacks (the same checks a scenario's lines go through: executeAction, resolveTarget). An
 * `expect` line makes no step: it is checked against the step of the line before it, as an
 * expectation listed under that step would be, so that its counts cover that line's events, and
 * a saved session puts it in that step's `expect` list, where a replay checks it the same way.
 * Control lines (run, wait, step) run with `settle: none`, as written; every other line settles
 * the machine (runs it until idle, within the runner's budget), as a scenario step does.
 *
 * A recording is the scenario file itself, kept here as JSON (`doc`) beside the run it describes,
 * step for step: a console line appends its step to both, and `save()` writes the document. Edits
 * of the words (titles, narration, speaker notes, the scenario's title, summary and goals) change
 * the document and the run's step descriptions, never the history; they are checked first, and
 * the edited document must still load, so a refused edit changes nothing. Grouping lines into one
 * step (mergeStep) does change the file's structure, so the merged file is replayed on a fresh
 * machine and accepted only if it makes the very same events with the very same verdicts: an
 * expectation's counts then cover the whole merged step, and one that would no longer hold (two
 * MSIs each checked with `expect deliveries cpu1:8195`) is named in the refusal. The console keeps
 * one line to a step because that is what makes each line's answer, and each `expect` typed after
 * it, exact; grouping is an after-the-fact edit of the file that the replay proves harmless.
 */

import {
  complete,
  deliveriesIn,
  explain,
  formatDiagnostic,
  loadScenario,
  parseLine,
  ScenarioRun,
  type CompiledLine,
  type Completion,
  type SimEvent,
  type StepResult,
} from '../../engine';
import { EDIT_LIMITS, type MetaEdit, type StepEdit } from './api';

/** The kinds of console line: an action settles, a control line runs as written, `expect` checks. */
type LineKind = 'action' | 'control' | 'expect';

/** A step of a scenario file, as JSON (the schema, engine/scenario/schema.ts, has the rules). */
interface DocStep {
  title: string;
  narration?: string;
  notes?: string;
  actions?: string[];
  expect?: string[];
  settle?: 'each' | 'end' | 'none';
  predict?: unknown;
  inspect?: string;
  [field: string]: unknown;
}

/** A scenario file, as JSON. */
interface ScenarioDoc {
  id: string;
  title: string;
  summary?: string;
  goals?: string[];
  steps: DocStep[];
  [field: string]: unknown;
}

/** An authoring edit's outcome (the host turns `ok` into the session as it now is). */
export type Edited = { ok: true } | { ok: false; error: string };

const refuse = (error: string): { ok: false; error: string } => ({ ok: false, error });

export type SandboxResult =
  | {
      ok: true;
      outcome: 'ok' | 'failed';
      kind: LineKind;
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
  /** The scenario file the session is: as loaded, then each console line and edit. */
  private doc: ScenarioDoc;
  /** The run `doc` describes, step for step (replaced when a merge is accepted). */
  private current: ScenarioRun;
  /** Console lines recorded (a saved file is then marked as a session). */
  private recorded = 0;
  /** The author gave the scenario a title of their own: the saved file's id is made from it. */
  private retitled = false;
  private readonly kinds = new Set<string>();
  private kindsUpTo = 0;

  /**
   * `source`: the text of the scenario the session was loaded from, and `name` its file name
   * (for the loader's messages when an edited document is checked); `isProblem`: whether an event
   * reports something refused or dropped (the host's rule).
   */
  constructor(
    run: ScenarioRun,
    source: string,
    private readonly isProblem: (e: SimEvent) => boolean,
    private readonly name = 'scenario.json',
  ) {
    this.current = run;
    // The loader accepted this text as strict JSON (no comments, no trailing commas).
    this.doc = JSON.parse(source) as ScenarioDoc;
  }

  /** The run the session shows: the host takes it again after a merge. */
  get run(): ScenarioRun {
    return this.current;
  }

  /** The scenario's title, summary and goals as the document now has them. */
  meta(): { title: string; summary: string; goals: string[] } {
    return { title: this.doc.title, summary: this.doc.summary ?? '', goals: this.doc.goals ?? [] };
  }

  /** Runs one line at the end of the history (see the top of this file). */
  exec(line: string): SandboxResult {
    const text = line.trim();
    const number = this.recorded + 1;
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
      const last = this.doc.steps[this.doc.steps.length - 1]!;
      last.expect = [...(last.expect ?? []), text];
      this.recorded++;
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
    this.doc.steps.push({ title: text, actions: [text], ...(control ? { settle: 'none' as const } : {}) });
    this.recorded++;
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
   * (expect lines under the step before them), with the author's edits. With a `title` the file
   * is renamed and its id made from it; without, an author's own title gives the id, and a file
   * that only gained console lines keeps its id, marked as a session.
   */
  save(title?: string): string {
    const doc = JSON.parse(JSON.stringify(this.doc)) as ScenarioDoc;
    // The schema path of a shipped file is relative to where it lives; a saved file lives elsewhere.
    delete doc.$schema;
    const name = title?.trim();
    if (name) {
      doc.title = name;
      doc.id = slug(name);
    } else if (this.retitled) {
      doc.id = slug(doc.title);
    } else if (this.recorded && !doc.id.endsWith('-session')) {
      doc.id = `${doc.id}-session`.slice(0, 80);
    }
    return `${JSON.stringify(doc, null, 2)}\n`;
  }

  /** Step `index`'s title, narration or notes (see the top of this file). */
  editStep(index: number, edit: StepEdit): Edited {
    const steps = this.doc.steps;
    if (!Number.isInteger(index) || index < 0 || index >= steps.length)
      return refuse(`there is no step ${index + 1}: the scenario has ${steps.length}`);
    const what = `step ${index + 1}`;
    let step = steps[index]!;
    if (edit.title !== undefined) {
      const t = oneLine(edit.title, `${what}'s title`, EDIT_LIMITS.title);
      if (!t.ok) return t;
      step = withField(step, 'title', t.text);
    }
    for (const key of ['narration', 'notes'] as const) {
      const v = edit[key];
      if (v === undefined) continue;
      const label = key === 'notes' ? 'speaker notes' : 'narration';
      const t = markdown(v, `${what}'s ${label}`, EDIT_LIMITS[key]);
      if (!t.ok) return t;
      step = withField(step, key, t.text || undefined);
    }
    const doc = { ...this.doc, steps: steps.map((s, i) => (i === index ? step : s)) };
    const bad = this.loads(doc);
    if (bad) return refuse(bad);
    this.doc = doc;
    // The run's description of the step follows; its results (the history) are what they were.
    const run = this.current;
    const { narration: _n, notes: _o, ...rest } = run.steps[index]!;
    run.steps[index] = {
      ...rest,
      title: step.title,
      ...(step.narration !== undefined ? { narration: step.narration } : {}),
      ...(step.notes !== undefined ? { notes: step.notes } : {}),
    };
    const result = run.results[index];
    if (result) result.title = step.title;
    return { ok: true };
  }

  /** The scenario's title, summary or goals. */
  editMeta(edit: MetaEdit): Edited {
    let doc: ScenarioDoc = { ...this.doc };
    let retitled = false;
    if (edit.title !== undefined) {
      const t = oneLine(edit.title, "the scenario's title", EDIT_LIMITS.title);
      if (!t.ok) return t;
      retitled = t.text !== this.doc.title;
      doc = withField(doc, 'title', t.text);
    }
    if (edit.summary !== undefined) {
      const t = markdown(edit.summary, 'the summary', EDIT_LIMITS.summary);
      if (!t.ok) return t;
      doc = withField(doc, 'summary', t.text || undefined);
    }
    if (edit.goals !== undefined) {
      if (!Array.isArray(edit.goals)) return refuse('the goals are a list of lines');
      const goals: string[] = [];
      for (const [i, g] of edit.goals.entries()) {
        if (typeof g !== 'string') return refuse(`goal ${i + 1} is not text`);
        if (!g.trim()) continue; // a blank line between goals is not a goal
        const t = oneLine(g, `goal ${goals.length + 1}`, EDIT_LIMITS.goal);
        if (!t.ok) return t;
        goals.push(t.text);
      }
      if (goals.length > EDIT_LIMITS.goals)
        return refuse(`${goals.length} goals are more than the ${EDIT_LIMITS.goals} a scenario may list`);
      doc = withField(doc, 'goals', goals.length ? goals : undefined);
    }
    const bad = this.loads(doc);
    if (bad) return refuse(bad);
    this.doc = doc;
    if (retitled) this.retitled = true;
    return { ok: true };
  }

  /**
   * Makes step `index` part of the step before it, if the merged file replays to the same events
   * with the same verdicts (see the top of this file).
   */
  mergeStep(index: number): Edited {
    const steps = this.doc.steps;
    if (!Number.isInteger(index) || index < 0 || index >= steps.length)
      return refuse(`there is no step ${index + 1}: the scenario has ${steps.length}`);
    if (index === 0) return refuse('step 1 has no step before it to join');
    const a = steps[index - 1]!;
    const b = steps[index]!;
    if (a.predict !== undefined && b.predict !== undefined)
      return refuse(`steps ${index} and ${index + 1} both ask a prediction, and a step asks one at most`);
    const sa = a.settle ?? 'each';
    const sb = b.settle ?? 'each';
    // A control line (settle none) in a step that settles after each line is not settled after
    // itself, only at the step's end: 'each' is usually the merge that replays alike. The replay
    // says whether it does; the other step's mode is the fallback.
    const modes =
      sa === sb
        ? [sa]
        : sa === 'each' || sb === 'each'
          ? ['each' as const, sa === 'each' ? sb : sa]
          : [sa, sb];
    let first: string | undefined;
    for (const settle of modes) {
      const merged = mergedStep(a, b, settle);
      const doc = { ...this.doc, steps: [...steps.slice(0, index - 1), merged, ...steps.slice(index + 1)] };
      const r = this.replay(doc, index - 1);
      if (r.ok) {
        this.doc = doc;
        this.current = r.run;
        return { ok: true };
      }
      first ??= r.error;
    }
    return refuse(`steps ${index} and ${index + 1} cannot be one step: ${first ?? 'the replay differs'}`);
  }

  /** Why `doc` would not load (the loader's first few messages), or undefined when it does. */
  private loads(doc: ScenarioDoc): string | undefined {
    const r = loadScenario(JSON.stringify(doc), this.name);
    if (r.ok) return undefined;
    return r.diagnostics.slice(0, 3).map(formatDiagnostic).join('; ');
  }

  /**
   * Runs `doc` (the current document with steps `at` and `at + 1` made one) on a fresh machine and
   * compares it with the run the session has: the same events, the same step boundaries (the
   * merged step spanning both), the same verdict for every action line, expectation and
   * prediction. The first difference is the reason it is not accepted.
   */
  private replay(
    doc: ScenarioDoc,
    at: number,
  ): { ok: true; run: ScenarioRun } | { ok: false; error: string } {
    const loaded = loadScenario(JSON.stringify(doc), this.name);
    if (!loaded.ok)
      return refuse(
        `the merged file would not load (${loaded.diagnostics.slice(0, 2).map(formatDiagnostic).join('; ')})`,
      );
    const run = new ScenarioRun(loaded.scenario);
    run.runAll();
    const was = this.current.machine.log;
    const now = run.machine.log;
    const n = Math.min(was.length, now.length);
    for (let seq = 0; seq < n; seq++) {
      const x = was.get(seq)!;
      const y = now.get(seq)!;
      if (JSON.stringify(x) !== JSON.stringify(y))
        return refuse(`the history would change at event ${seq}: “${explain(y)}” instead of “${explain(x)}”`);
    }
    if (was.length !== now.length)
      return refuse(`the history would have ${now.length} events instead of ${was.length}`);
    const old = this.current.results;
    // The old results in the merged file's order: the two steps' verdicts joined.
    const expected = (j: number): StepResult[] =>
      j < at ? [old[j]!] : j === at ? [old[j]!, old[j + 1]!] : [old[j + 1]!];
    for (const [j, r] of run.results.entries()) {
      const parts = expected(j);
      const from = parts[0]!.from;
      const to = parts[parts.length - 1]!.to;
      if (r.from !== from || r.to !== to)
        return refuse(`step ${j + 1} would span events ${r.from} to ${r.to} instead of ${from} to ${to}`);
      const actions = parts.flatMap((p) => p.actions);
      for (const [k, x] of r.actions.entries())
        if (x.ok !== actions[k]?.ok)
          return refuse(`the line '${x.text}' would ${x.ok ? 'run' : `be refused (${x.message ?? ''})`}`);
      const checks = parts.flatMap((p) => p.expectations);
      for (const [k, x] of r.expectations.entries()) {
        if (x.ok === checks[k]?.ok) continue;
        return refuse(
          x.ok
            ? `'${x.text}' would hold, where it did not`
            : `'${x.text}' would no longer hold once its counts cover both steps' events${x.message ? ` (${x.message})` : ''}`,
        );
      }
      if (doc.steps[j]!.predict === undefined) continue;
      // The merged step asks the prediction of whichever of the two had one.
      const asked = j === at && this.doc.steps[at]!.predict === undefined ? parts[1]! : parts[0]!;
      if (r.answer !== asked.answer)
        return refuse(
          `the prediction of step ${j + 1} would be answered by another choice once it covers both steps' events`,
        );
    }
    return { ok: true, run };
  }
}

/** A one-line text (a title, a goal): trimmed, not empty, no line break, not too long. */
function oneLine(
  text: string,
  what: string,
  max: number,
): { ok: true; text: string } | { ok: false; error: string } {
  if (typeof text !== 'string') return refuse(`${what} is not text`);
  const t = text.trim();
  if (!t) return refuse(`${what} is empty: it needs a few words`);
  if (/[\r\n]/.test(t)) return refuse(`${what} is one line: it has a line break`);
  if (t.length > max) return refuse(`${what} is ${t.length} characters, more than the ${max} allowed`);
  return { ok: true, text: t };
}

/** Markdown (narration, notes, a summary): line ends made LF, trailing blanks dropped; '' removes it. */
function markdown(
  text: string,
  what: string,
  max: number,
): { ok: true; text: string } | { ok: false; error: string } {
  if (typeof text !== 'string') return refuse(`${what} is not text`);
  const t = text.replace(/\r\n?/g, '\n').trimEnd();
  if (t.length > max) return refuse(`${what} is ${t.length} characters, more than the ${max} allowed`);
  return { ok: true, text: t.trim() ? t : '' };
}

/**
 * `obj` with `key` set to `value` (removed when undefined), keeping the order of the fields a
 * file has, so a saved file reads like the one loaded: a new narration goes after the title, any
 * other new field at the end.
 */
function withField<T extends Record<string, unknown>>(obj: T, key: string, value: unknown): T {
  const out: Record<string, unknown> = {};
  const had = key in obj;
  for (const [k, v] of Object.entries(obj)) {
    if (k === key) {
      if (value !== undefined) out[k] = value;
      continue;
    }
    out[k] = v;
    if (!had && value !== undefined && k === 'title' && key === 'narration') out[key] = value;
  }
  if (value !== undefined && !(key in out)) out[key] = value;
  return out as T;
}

/** Two file steps as one: the first's title, both narrations, lines and expectations in order. */
function mergedStep(a: DocStep, b: DocStep, settle: 'each' | 'end' | 'none'): DocStep {
  const join = (x?: string, y?: string): string | undefined =>
    [x, y].filter((t) => t?.trim()).join('\n\n') || undefined;
  const actions = [...(a.actions ?? []), ...(b.actions ?? [])];
  const expect = [...(a.expect ?? []), ...(b.expect ?? [])];
  const narration = join(a.narration, b.narration);
  const notes = join(a.notes, b.notes);
  const predict = a.predict ?? b.predict;
  const inspect = a.inspect ?? b.inspect;
  return {
    title: a.title,
    ...(narration !== undefined ? { narration } : {}),
    ...(predict !== undefined ? { predict } : {}),
    ...(inspect !== undefined ? { inspect } : {}),
    ...(settle !== 'each' ? { settle } : {}),
    actions,
    ...(expect.length ? { expect } : {}),
    ...(notes !== undefined ? { notes } : {}),
  };
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
