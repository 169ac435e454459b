/**
 * The engine host: one session (a scenario run to its end) behind the calls of EngineApi. It is a
 * plain class (no worker globals) so that Vitest can drive it directly; engine-worker.ts exposes
 * one instance to the page with comlink. This is, with the worker's other files, the only app/
 * code that runs engine values.
 *
 * The whole history exists once the scenario is loaded; showing a position means seeking the
 * machine there (snapshots + exact replay, a few milliseconds at most) and describing it. A
 * session may also be a QEMU trace replayed on the model (trace-session.ts): its machine recorded
 * the replay's inputs as it went, so seeking, finding and inspecting work on it exactly as on a
 * scenario's; only the console, which extends a scenario, has nothing to extend.
 */

import {
  explain,
  formatDiagnostic,
  ITS_COMMANDS,
  loadScenario,
  matches,
  ScenarioRun,
  type CompiledStep,
  type Completion,
  type Machine,
  type ResolvedMachine,
  type SimEvent,
  type StepResult,
} from '../../engine';
import type {
  Breakpoint,
  CrashMode,
  EditResponse,
  EngineApi,
  EventRow,
  ExecResponse,
  FindResult,
  Frame,
  Granularity,
  InspectRequest,
  InspectResult,
  LoadResponse,
  MachineShape,
  MetaEdit,
  SessionInfo,
  StepEdit,
  StepInfo,
  TraceLineInfo,
  TraceProgress,
  TraceRequest,
} from './api';
import { inspectMachine } from './inspect-host';
import { Sandbox } from './sandbox-host';
import { stageModel } from './stage-model';
import { TraceInputError } from './trace-lines';
import { openTrace, TraceCancelled, type OpenedTrace } from './trace-session';
import type { Fetcher } from './trace-source';

/** Most rows one `events` call returns, so a careless range cannot clone a huge log in one go. */
export const MAX_EVENTS_PER_CALL = 5000;

const SPURIOUS = 1023;

/** Events that record a write to a named register (EOIR, DIR and SGI writes have kinds of their own). */
const REG_WRITE_KINDS = new Set(['mmio.write', 'icc.write', 'icc.sgi', 'icc.eoi', 'icc.dir']);

/** Events that report something refused or lost: what an 'error' breakpoint stops at. */
const ERROR_KINDS = new Set([
  'its.drop',
  'mmio.bad',
  'icc.bad',
  'input.bad',
  'gicr.lpi.drop',
  'its.queue',
  'guest.bad',
]);

/** What the VMM asks of KVM: an error when KVM refuses it (an errno) or VFIO does (a problem). */
const VMM_CALL_KINDS = new Set([
  'kvm.irq-line',
  'kvm.signal-msi',
  'kvm.set-gsi-routing',
  'kvm.irqfd',
  'eventfd.signal',
  'vfio.set-irqs',
]);

/** An interrupt taken: by a CPU (ICC_IAR1_EL1) or by a guest on a vCPU (ICV_IAR1_EL1). */
const ACK_KINDS = new Set(['icc.ack', 'icv.ack']);

function isError(e: SimEvent): boolean {
  if (ERROR_KINDS.has(e.kind)) return true;
  const d = (e.data ?? {}) as Record<string, unknown>;
  if (e.kind === 'its.cmd') return d.outcome !== 'ok';
  return VMM_CALL_KINDS.has(e.kind) && (d.errno !== undefined || d.problem !== undefined);
}

function affinityText(a: number): string {
  return [24, 16, 8, 0].map((s) => (a >>> s) & 0xff).join('.');
}

function shapeOf(r: ResolvedMachine): MachineShape {
  return {
    profile: r.profile,
    cpus: r.gic.affinity.map(affinityText),
    its: r.its.map((c, index) => ({ index, base: c.base })),
    devices: r.devices.map((d) => ({
      name: d.name,
      rid: d.rid,
      devid: d.rid + d.deviceIdOffset,
      its: d.its,
    })),
    spis: r.gic.spis,
    itsCommands: ITS_COMMANDS.map((c) => c.name),
    ...(r.gic.version >= 4 ? { gicv4: true as const } : {}),
    // Only a machine with VMs says so: the shape of one without stays what it always was.
    ...(r.vms?.length
      ? {
          vms: r.vms.map((v, index) => ({
            index,
            name: v.name,
            vcpus: v.vcpus,
            lrs: v.lrs,
            its: v.its.length,
            ...(v.gicv4 ? { gicv4: true as const } : {}),
          })),
        }
      : {}),
  };
}

function stepsOf(steps: readonly CompiledStep[], results: readonly StepResult[]): StepInfo[] {
  return steps.map((st, i) => {
    const r = results[i]!;
    const predict = st.predict
      ? {
          question: st.predict.question,
          choices: st.predict.choices.map((c) => c.text),
          ...(r.answer !== undefined ? { answer: r.answer } : {}),
          ...(st.predict.explain !== undefined ? { explain: st.predict.explain } : {}),
        }
      : undefined;
    return {
      title: st.title,
      narration: st.narration ?? '',
      ...(predict ? { predict } : {}),
      ...(st.inspect ? { inspect: st.inspect } : {}),
      ...(st.notes ? { notes: st.notes } : {}),
      actions: st.actions.map((a) => a.text),
      from: r.from,
      to: r.to,
      passed: r.passed,
      expectations: [
        // Refused action lines fail the step without failing an expectation; say so in the list.
        ...r.actions
          .filter((a) => !a.ok)
          .map((a) => ({ text: a.text, ok: false, message: `line ${a.line} refused: ${a.message ?? ''}` })),
        ...r.expectations.map((x) => ({ text: x.text, ok: x.ok, message: x.message ?? '' })),
      ],
    };
  });
}

/** What a host needs from outside to open a trace: a fetch (a lesson's files) and a clock (progress pacing). */
export interface HostOptions {
  fetcher?: Fetcher;
  now?: () => number;
}

const NO_CONSOLE =
  'the console extends a scenario; a replayed trace has nothing it could add to (open a scenario, or a new sandbox)';

export class EngineHost implements EngineApi {
  private run: ScenarioRun | undefined;
  /** The session replayed from a trace (then `run` is undefined). */
  private trace: OpenedTrace | undefined;
  private info: SessionInfo | undefined;
  private sandbox: Sandbox | undefined;
  /** Bumped by each openTrace: an older one still reading sees it and stops. */
  private traceGen = 0;
  /** openTrace calls up to this one were cancelled. */
  private cancelledGen = 0;
  private readonly fetcher: Fetcher;
  private readonly now: () => number;

  constructor(opts: HostOptions = {}) {
    this.fetcher = opts.fetcher ?? ((url) => fetch(url));
    this.now = opts.now ?? (() => (typeof performance === 'undefined' ? 0 : performance.now()));
  }

  private get current(): Machine | undefined {
    return this.run?.machine ?? this.trace?.machine;
  }

  private get machine(): Machine {
    const m = this.current;
    if (!m) throw new Error('no scenario is loaded');
    return m;
  }

  load(text: string, name: string): LoadResponse {
    // A trace still being opened is superseded: it must not become the session after this call.
    this.traceGen++;
    const r = loadScenario(text, name);
    if (!r.ok) {
      // A refused file leaves the session as it was: the page keeps showing it, and the engine
      // never saw the bad file.
      return { ok: false, errors: r.diagnostics.map(formatDiagnostic) };
    }
    const run = new ScenarioRun(r.scenario);
    run.runAll();
    const s = r.scenario;
    this.run = run;
    this.trace = undefined;
    this.sandbox = new Sandbox(run, text, (e) => matchesBreakpoint(e, { error: true }), name);
    this.info = {
      file: s.file,
      title: s.meta.title,
      summary: s.meta.summary ?? '',
      goals: s.meta.goals ?? [],
      id: s.meta.id,
      ...(s.meta.track !== undefined ? { track: s.meta.track } : {}),
      ...(s.meta.difficulty !== undefined ? { difficulty: s.meta.difficulty } : {}),
      prerequisites: s.meta.prerequisites ?? [],
      shape: shapeOf(s.machine),
      steps: [],
      length: 0,
      passed: true,
      marks: { deliveries: [], commands: [], errors: [] },
    };
    this.describeRun();
    run.machine.seek(0);
    return { ok: true, session: this.info };
  }

  /** Brings the session's steps, length, verdict, marks and words up to date with the run. */
  private describeRun(): void {
    const run = this.run!;
    const info = this.info!;
    const from = info.length;
    this.info = {
      ...info,
      ...this.sandbox?.meta(),
      steps: stepsOf(run.steps, run.results),
      length: run.machine.log.length,
      passed: run.results.every((x) => x.passed),
      marks: marksOf(run.machine, from, info.marks),
    };
  }

  /**
   * Opens a trace (trace-session.ts) and, only once it has all succeeded, makes it the session.
   * Until then the session that was open answers every call as before.
   */
  async openTrace(request: TraceRequest, onProgress?: (p: TraceProgress) => void): Promise<LoadResponse> {
    const gen = ++this.traceGen;
    const name =
      request.kind === 'lesson' ? request.name : request.trace.map((t) => t.name).join(', ') || 'the trace';
    const cancelled = (): boolean => gen !== this.traceGen || this.cancelledGen >= gen;
    let t: OpenedTrace | string[];
    try {
      t = await openTrace(request, {
        fetcher: this.fetcher,
        cancelled,
        ...(onProgress ? { onProgress: (p: TraceProgress) => void onProgress(p) } : {}),
        now: this.now,
      });
    } catch (e) {
      if (e instanceof TraceCancelled)
        return { ok: false, errors: [`${name}: opening was cancelled`], cancelled: true };
      if (e instanceof TraceInputError) return { ok: false, errors: [e.message] };
      return { ok: false, errors: [`${name}: ${e instanceof Error ? e.message : String(e)}`] };
    }
    if (Array.isArray(t)) return { ok: false, errors: t };
    if (cancelled()) return { ok: false, errors: [`${name}: opening was cancelled`], cancelled: true };
    this.run = undefined;
    this.sandbox = undefined;
    this.trace = t;
    const shape = shapeOf(t.machine.s.machine);
    shape.devices = t.devices.map((d) => ({ name: d.name, rid: d.rid, devid: d.rid, its: 0 }));
    this.info = {
      ...t.meta,
      shape,
      steps: t.steps,
      length: t.machine.log.length,
      passed: t.passed,
      marks: marksOf(t.machine, 0, { deliveries: [], commands: [], errors: [] }),
      trace: t.report,
    };
    t.machine.seek(0);
    return { ok: true, session: this.info };
  }

  cancelTrace(): void {
    this.cancelledGen = this.traceGen;
  }

  traceLine(query: { line: number } | { position: number }): TraceLineInfo | null {
    const t = this.trace;
    if (!t || !this.info) return null;
    let line: number | undefined;
    if ('line' in query) line = t.index.at(Math.max(1, Math.floor(query.line) || 1))?.line;
    else {
      const p = Math.max(0, Math.min(this.info.length, Math.floor(query.position) || 0));
      line = p > 0 ? t.index.lineOf(p - 1) : undefined;
    }
    const e = line === undefined ? undefined : t.index.at(line);
    if (!e) return null;
    return {
      line: e.line,
      at: t.parts.where(e.line),
      ...(e.text !== undefined ? { text: e.text } : {}),
      position: e.from + 1,
    };
  }

  exec(line: string, shown?: number): ExecResponse {
    if (this.trace) return { ok: false, error: NO_CONSOLE, column: 1 };
    if (!this.sandbox || !this.info) return { ok: false, error: 'no scenario is open', column: 1 };
    const movedToEnd = (shown ?? this.machine.seq) < this.info.length;
    const r = this.sandbox.exec(line);
    if (!r.ok) return r;
    this.describeRun();
    return { ...r, movedToEnd, length: this.info.length, session: this.info };
  }

  complete(line: string, cursor: number): Completion {
    if (!this.sandbox) return { from: cursor, to: cursor, candidates: [] };
    return this.sandbox.complete(line, cursor);
  }

  save(title?: string): string {
    if (this.trace) throw new Error('a replayed trace is not a scenario: it cannot be saved as one');
    if (!this.sandbox) throw new Error('no scenario is open');
    return this.sandbox.save(title);
  }

  editStep(index: number, edit: StepEdit): EditResponse {
    return this.edit((sb) => sb.editStep(index, edit));
  }

  editMeta(edit: MetaEdit): EditResponse {
    return this.edit((sb) => sb.editMeta(edit));
  }

  mergeStep(index: number): EditResponse {
    return this.edit((sb) => sb.mergeStep(index));
  }

  /**
   * An authoring edit (sandbox-host.ts checks and applies it). A merge may hand back a new run,
   * replayed to the same history: the session takes it, and shows the same position.
   */
  private edit(apply: (sb: Sandbox) => { ok: true } | { ok: false; error: string }): EditResponse {
    if (this.trace)
      return { ok: false, error: 'a replayed trace is not a scenario: its steps come from the trace' };
    if (!this.sandbox || !this.info) return { ok: false, error: 'no scenario is open' };
    const shown = this.machine.seq;
    const r = apply(this.sandbox);
    if (!r.ok) return r;
    if (this.run !== this.sandbox.run) {
      this.run = this.sandbox.run;
      this.run.machine.seek(Math.min(shown, this.run.machine.log.length));
    }
    this.describeRun();
    return { ok: true, session: this.info };
  }

  /** Index of the step position p lies in (the step whose events are being shown). */
  private stepAt(p: number): number {
    const steps = this.info?.steps ?? [];
    for (let i = 0; i < steps.length; i++) if (p <= steps[i]!.to) return i;
    return Math.max(0, steps.length - 1);
  }

  private stepOfEvent(seq: number): number {
    const steps = this.info?.steps ?? [];
    for (let i = 0; i < steps.length; i++) if (seq < steps[i]!.to) return i;
    return Math.max(0, steps.length - 1);
  }

  private row(e: SimEvent): EventRow {
    const row: EventRow = {
      seq: e.seq,
      time: e.time,
      kind: e.kind,
      unit: e.unit,
      text: explain(e),
      cause: e.cause,
      step: this.stepOfEvent(e.seq),
    };
    if (e.cpu !== undefined) row.cpu = e.cpu;
    if (e.its !== undefined) row.its = e.its;
    if (e.intid !== undefined) row.intid = e.intid;
    if (e.devid !== undefined) row.devid = e.devid;
    if (e.eventid !== undefined) row.eventid = e.eventid;
    const line = this.trace?.index.lineOf(e.seq);
    if (line !== undefined) row.traceLine = line;
    return row;
  }

  frame(position: number): Frame {
    const m = this.machine;
    const p = this.seekTo(position);
    const last = p > 0 ? m.log.get(p - 1) : undefined;
    return {
      position: p,
      ...(last ? { event: this.row(last) } : {}),
      step: this.stepAt(p),
      stage: stageModel(m, p, last),
    };
  }

  /** Events [from, to) of the history, narrated; clamped to the log and to MAX_EVENTS_PER_CALL. */
  events(from: number, to: number): EventRow[] {
    const log = this.current?.log;
    if (!log) return [];
    const start = Math.max(0, Math.floor(from));
    const end = Math.min(log.length, Math.floor(to), start + MAX_EVENTS_PER_CALL);
    const rows: EventRow[] = [];
    for (let i = start; i < end; i++) {
      const e = log.get(i);
      if (e) rows.push(this.row(e));
    }
    return rows;
  }

  find(
    position: number,
    direction: 1 | -1,
    granularity: Granularity,
    breakpoints: Breakpoint[],
    count = 1,
  ): FindResult {
    const m = this.current;
    if (!m || !this.info) return { position: -1 };
    const log = m.log;
    const length = this.info.length;
    const p = Math.max(0, Math.min(length, Math.floor(position) || 0));
    if (granularity === 'step') return { position: this.stepBoundary(p, direction) };
    // Position p shows event p-1 as "the last one"; moving forward looks at events p, p+1, ...;
    // moving back at events p-2, p-3, ... (event p-1 is the one already shown).
    let left = Math.max(1, Math.floor(count));
    for (let seq = direction > 0 ? p : p - 2; seq >= 0 && seq < length; seq += direction) {
      const e = log.get(seq)!;
      const b = breakpoints.findIndex((bp) => matchesBreakpoint(e, bp));
      if (b >= 0) return { position: seq + 1, breakpoint: b };
      if (reaches(e, granularity, log.get(seq + 1)) && --left === 0) return { position: seq + 1 };
    }
    // Nothing further that way: the ends of the history are positions too.
    if (direction > 0) return { position: p < length ? length : -1 };
    return { position: p > 0 ? 0 : -1 };
  }

  inspect(position: number, request: InspectRequest): InspectResult {
    if (!this.info) return { ok: false, error: 'no scenario is open' };
    this.seekTo(position);
    return inspectMachine(this.machine, request);
  }

  /** Puts the machine at position p (clamped to the history); returns p. */
  private seekTo(position: number): number {
    const p = Math.max(0, Math.min(this.info!.length, Math.floor(position) || 0));
    if (this.machine.seq !== p) this.machine.seek(p);
    return p;
  }

  crash(mode: CrashMode): void {
    if (mode === 'hang') for (;;);
    // Thrown outside the call, as a bug in an event handler would be: the worker's error event.
    setTimeout(() => {
      throw new Error('engine crash requested (recovery test)');
    }, 0);
  }

  private stepBoundary(p: number, direction: 1 | -1): number {
    const bounds = [0, ...this.info!.steps.map((s) => s.to)];
    if (direction > 0) return bounds.find((b) => b > p) ?? -1;
    return [...bounds].reverse().find((b) => b < p) ?? -1;
  }
}

/** Most markers of each kind the timeline gets (a storm's thousands would only smear it). */
const MAX_MARKS = 2000;

/** The marks of events [from, end of the log), added to copies of those before `from`. */
function marksOf(m: Machine, from: number, before: SessionInfo['marks']): SessionInfo['marks'] {
  const marks: SessionInfo['marks'] = {
    deliveries: [...before.deliveries],
    commands: [...before.commands],
    errors: [...before.errors],
  };
  const log = m.log;
  for (let seq = from; seq < log.length; seq++) {
    const kind = log.kindAt(seq)!;
    if (ACK_KINDS.has(kind) || kind === 'its.cmd' || ERROR_KINDS.has(kind) || VMM_CALL_KINDS.has(kind)) {
      const e = log.get(seq)!;
      const list = ACK_KINDS.has(kind)
        ? ackedIntid(e) === SPURIOUS
          ? undefined
          : marks.deliveries
        : isError(e)
          ? marks.errors
          : kind === 'its.cmd'
            ? marks.commands
            : undefined;
      if (list && list.length < MAX_MARKS) list.push(seq);
    }
  }
  return marks;
}

/** The INTID an acknowledge returned (a guest's icv.ack carries it as the event's INTID). */
function ackedIntid(e: SimEvent): number {
  const d = e.data as { intid?: number } | undefined;
  return typeof d?.intid === 'number' ? d.intid : (e.intid ?? SPURIOUS);
}

/** Whether stopping right after `e` completes a move of this granularity. */
function reaches(e: SimEvent, g: Granularity, next: SimEvent | undefined): boolean {
  switch (g) {
    case 'event':
      return true;
    case 'command':
      return e.kind === 'its.cmd';
    case 'delivery':
      return ACK_KINDS.has(e.kind) && ackedIntid(e) !== SPURIOUS;
    case 'transaction':
      // A transaction is an outside input and everything it set off: it ends where the next
      // input begins (or at the end of the history).
      return next === undefined || next.cause === null;
    case 'step':
      return false;
  }
}

export function matchesBreakpoint(e: SimEvent, b: Breakpoint): boolean {
  // A breakpoint with nothing in it would stop everywhere: it stops nowhere.
  if (Object.values(b).every((v) => v === undefined || v === false)) return false;
  const d = (e.data ?? {}) as Record<string, unknown>;
  if (!matches(e, b)) return false;
  if (b.command !== undefined && !(e.kind === 'its.cmd' && d.command === b.command)) return false;
  if (b.error && !isError(e)) return false;
  if (b.regWrite !== undefined && !(REG_WRITE_KINDS.has(e.kind) && d.reg === b.regWrite)) return false;
  return true;
}
