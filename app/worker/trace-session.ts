/**
 * Opening a QEMU trace in the worker: the files are read as streams (gunzipped on the way), twice.
 * The first pass checks every line and finds the machine's shape (how many CPUs, GICv3 or v4),
 * which the model must have before the first line is replayed; the second replays the lines on a
 * machine with the `qemu` profile (engine/import/qemu-replay.ts), indexes which events each line
 * made, and cuts the history into steps. Reading twice costs a second parse (a fraction of the
 * replay) and keeps memory bounded by the history, not by the trace: nothing but the current chunk
 * of the file is held.
 *
 * Nothing here touches the session that is open: the result is a new machine and its description,
 * which the host swaps in only when everything has succeeded. A bad file (not a trace, a corrupt
 * gzip, a line that does not parse, too large) ends the open with a TraceInputError naming the
 * file, the line and what is wrong; a cancellation with TraceCancelled.
 */

import { checkExpectation, cloneState, Machine } from '../../engine';
import {
  QemuReplay,
  ShapeScanner,
  type ReplayReport,
  type TraceShape,
} from '../../engine/import/qemu-replay';
import { isTraceLineError, parseTraceLine, type TraceRecord } from '../../engine/import/qemu-trace-line';
import {
  formatLessonDiagnostic,
  loadTraceLesson,
  type LessonExpectation,
  type TraceLesson,
} from '../../engine/import/trace-lesson';
import { needsBefore } from '../../engine/scenario/expectations';
import { DEFAULT_SNAPSHOTS } from '../../engine/sim/history';
import type {
  ExpectationResult,
  StepInfo,
  TraceDisagreement,
  TraceInput,
  TraceProgress,
  TraceReport,
  TraceRequest,
} from './api';
import { LineIndex } from './trace-index';
import { LineSplitter, TRACE_LIMITS, TraceInputError } from './trace-lines';
import { inputBlob, readBinary, readChunk, textChunks, type Fetcher } from './trace-source';
import { TraceStepper, type TraceStepCut } from './trace-steps';

export class TraceCancelled extends Error {
  override name = 'TraceCancelled';
}

/** The saved command queue: GITS_CBASER can describe at most 256 pages of 4 KiB. */
const MAX_CMDQ = 1024 * 1024;
/** The saved property table: one byte per LPI, 2^24 LPIs at most. */
const MAX_PROPTABLE = 16 * 1024 * 1024;
/** Disagreements kept with their line's text (all are counted). */
const KEEP = 500;
/** Recent lines whose text is at hand when a disagreement names one of them. */
const RECENT = 8192;
/** How often progress is reported, in ms. */
const PROGRESS_MS = 50;

export interface TraceOpenOptions {
  fetcher: Fetcher;
  cancelled: () => boolean;
  onProgress?: (p: TraceProgress) => void;
  /** A clock in ms, for pacing progress reports (the worker's performance.now). */
  now?: () => number;
}

/** Which file a global line number is in. */
export class PartMap {
  private readonly parts: { name: string; start: number }[] = [];
  add(name: string, start: number): void {
    this.parts.push({ name, start });
  }
  where(line: number): string {
    let p = this.parts[0];
    for (const q of this.parts) if (q.start < line) p = q;
    return p ? `${p.name}:${line - p.start}` : `line ${line}`;
  }
}

/** A replayed trace, ready to be the session. */
export interface OpenedTrace {
  machine: Machine;
  report: TraceReport;
  steps: StepInfo[];
  index: LineIndex;
  parts: PartMap;
  /** Devices seen (requester IDs of the MSIs), named for the stage. */
  devices: { name: string; rid: number }[];
  meta: {
    file: string;
    title: string;
    summary: string;
    goals: string[];
    id: string;
    track?: string;
    difficulty?: 'introductory' | 'intermediate' | 'advanced';
    prerequisites: string[];
  };
  passed: boolean;
}

const bdf = (rid: number): string =>
  `${((rid >> 8) & 0xff).toString(16).padStart(2, '0')}:${((rid >> 3) & 0x1f).toString(16).padStart(2, '0')}.${rid & 7}`;

/** Resolves a request into the files to read (a lesson's are under its base URL). */
function filesOf(
  req: TraceRequest,
): { lesson?: TraceLesson; trace: TraceInput[]; cmdq?: TraceInput; proptable?: TraceInput } | string[] {
  if (req.kind === 'files') return req;
  const r = loadTraceLesson(req.text, req.name);
  if (!r.ok) return r.diagnostics.map(formatLessonDiagnostic);
  const url = (f: string): TraceInput => ({ name: f, url: new URL(f, req.base).href });
  const t = r.lesson.trace;
  return {
    lesson: r.lesson,
    trace: t.files.map(url),
    ...(t.cmdq ? { cmdq: url(t.cmdq) } : {}),
    ...(t.proptable ? { proptable: url(t.proptable) } : {}),
  };
}

/** Replays a trace; throws TraceInputError (with a sentence) or TraceCancelled. */
export async function openTrace(req: TraceRequest, o: TraceOpenOptions): Promise<OpenedTrace | string[]> {
  const files = filesOf(req);
  if (Array.isArray(files)) return files;
  const { lesson } = files;
  if (files.trace.length === 0) throw new TraceInputError('no trace file (.log or .log.gz) was given');
  const now = o.now ?? (() => 0);
  const check = (): void => {
    if (o.cancelled()) throw new TraceCancelled('cancelled');
  };

  // ---- the files as Blobs (a lesson's are downloaded first), and the dumps
  const downloads = files.trace.filter((f) => 'url' in f).length;
  const blobs: Blob[] = [];
  let lastReport = -Infinity;
  const report = (p: Omit<TraceProgress, 'fraction'>, fraction: number, force = false): void => {
    if (!o.onProgress) return;
    const t = now();
    if (!force && t - lastReport < PROGRESS_MS) return;
    lastReport = t;
    o.onProgress({ ...p, fraction: Math.max(0, Math.min(1, fraction)) });
  };
  const dl = downloads ? 0.1 : 0;
  for (const [k, f] of files.trace.entries()) {
    blobs.push(
      await inputBlob(
        f,
        o.fetcher,
        (bytes, total) =>
          report(
            { phase: 'download', file: f.name, bytes, ...(total ? { total } : {}), lines: 0 },
            (dl * (k + (total ? bytes / total : 0))) / files.trace.length,
          ),
        o.cancelled,
      ),
    );
    check();
  }
  const dump = async (f: TraceInput | undefined, max: number): Promise<Uint8Array | undefined> =>
    f ? readBinary(f.name, await inputBlob(f, o.fetcher), max) : undefined;
  const cmdq = await dump(files.cmdq, MAX_CMDQ);
  if (cmdq && cmdq.length % 32 !== 0)
    throw new TraceInputError(
      `${files.cmdq!.name}: ${cmdq.length} bytes is not a whole number of 32-byte ITS commands: not a command queue dump`,
    );
  const proptable = await dump(files.proptable, MAX_PROPTABLE);
  check();

  const totalRaw = blobs.reduce((n, b) => n + b.size, 0) || 1;
  const names = files.trace.map((f) => f.name);

  /** Reads every line of every part; `fn` gets the text, the global and the file's line number. */
  const eachLine = async (
    phase: 'scan' | 'replay',
    span: [number, number],
    fn: (text: string, line: number, fileLine: number, file: string) => void,
  ): Promise<number> => {
    let line = 0;
    let rawBefore = 0;
    let textBytes = 0;
    for (const [k, blob] of blobs.entries()) {
      const name = names[k]!;
      const start = line;
      let raw = 0;
      const { reader, gzip } = await textChunks(blob, (n) => {
        raw = n;
      });
      const split = new LineSplitter(name, {
        ...TRACE_LIMITS,
        maxBytes: TRACE_LIMITS.maxBytes - textBytes,
      });
      const each = (text: string, fileLine: number): void => {
        line = start + fileLine;
        fn(text, line, fileLine, name);
      };
      for (;;) {
        const { done, value } = await readChunk(reader, name, gzip, () => `after line ${split.line}`);
        if (done) break;
        split.push(value, each);
        const f = (rawBefore + raw) / totalRaw;
        report(
          { phase, file: name, bytes: raw, total: blob.size, lines: line },
          span[0] + (span[1] - span[0]) * f,
        );
        if (o.cancelled()) {
          await reader.cancel();
          throw new TraceCancelled('cancelled');
        }
      }
      split.end(each);
      line = start + split.line;
      textBytes += split.bytes;
      rawBefore += blob.size;
    }
    report({ phase, file: names.at(-1)!, bytes: blobs.at(-1)!.size, lines: line }, span[1], true);
    return line;
  };

  // ---- first pass: every line parses; the machine's shape; the devices
  const scanner = new ShapeScanner();
  const rids = new Set<number>();
  const skipped = new Map<string, { count: number; first: number }>();
  let records = 0;
  /** A line's record; `count`: the first pass counts the lines it skips (the second reads them again). */
  const parse = (
    text: string,
    line: number,
    fileLine: number,
    file: string,
    count = false,
  ): TraceRecord | null => {
    const r = parseTraceLine(text, line);
    if (r === null) return null;
    if (!isTraceLineError(r)) return r;
    if (r.kind === 'event') {
      if (!count) return null;
      // Another subsystem's event (the trace was taken with more than gicv3_*): not ours to read.
      const name = /unknown event '([^']*)'/.exec(r.message)?.[1] ?? '?';
      const s = skipped.get(name);
      if (s) s.count++;
      else if (skipped.size < 100) skipped.set(name, { count: 1, first: line });
      return null;
    }
    const lead = records === 0 ? 'not a QEMU trace log: ' : '';
    throw new TraceInputError(`${file}:${fileLine}: ${lead}${r.message}`);
  };
  const lines = await eachLine('scan', [dl, dl + 0.25], (text, line, fileLine, file) => {
    const r = parse(text, line, fileLine, file, true);
    if (!r) return;
    records++;
    scanner.feed(r);
    if (r.event === 'gicv3_its_translation_write' && rids.size < 256) rids.add(r.requesterId);
  });
  if (records === 0)
    throw new TraceInputError(
      `${names.join(', ')}: no GICv3 trace event in ${lines.toLocaleString('en')} lines: not a QEMU GICv3 trace (was it taken with -d trace:gicv3_*?)`,
    );
  if (lesson?.trace.lines !== undefined && lesson.trace.lines !== lines)
    throw new TraceInputError(
      `${lesson.file}: the lesson is about a trace of ${lesson.trace.lines} lines, but ${names.join(', ')} has ${lines}: a different trace is served under that name`,
    );
  const shape: TraceShape = scanner.result();

  // ---- second pass: the replay
  const deviceNames = new Map<number, string>();
  for (const rid of rids) deviceNames.set(rid, lesson?.devices.get(rid) ?? bdf(rid));
  const parts = new PartMap();
  const recent: string[] = new Array<string>(RECENT);
  const recentLine = new Int32Array(RECENT).fill(-1);
  const quoted = new Map<number, string>();
  const replay = new QemuReplay({
    shape,
    ...(cmdq ? { cmdq } : {}),
    ...(proptable ? { proptable } : {}),
    keep: KEEP,
    snapshots: DEFAULT_SNAPSHOTS,
    deviceName: (rid) => deviceNames.get(rid) ?? bdf(rid),
    onDisagree: (d) => {
      const slot = d.line % RECENT;
      if (quoted.size < KEEP && recentLine[slot] === d.line) quoted.set(d.line, recent[slot]!);
    },
  });
  const m = replay.machine;
  const index = new LineIndex();
  const stepper = new TraceStepper(
    lesson?.devices ?? new Map(),
    lesson?.steps.map((s) => ({ line: s.line, title: s.title })),
  );
  let lastFile = '';
  let atLine = 0;
  try {
    await eachLine('replay', [dl + 0.25, 1], (text, line, fileLine, file) => {
      if (file !== lastFile) {
        parts.add(file, line - fileLine);
        lastFile = file;
      }
      atLine = line;
      const slot = line % RECENT;
      recent[slot] = text;
      recentLine[slot] = line;
      const r = parse(text, line, fileLine, file);
      if (!r) return;
      const from = m.seq;
      replay.feed(r);
      const to = m.seq;
      if (to > from) index.add(line, from, text);
      stepper.feed(r, text, from, to);
    });
  } catch (e) {
    if (e instanceof TraceInputError || e instanceof TraceCancelled) throw e;
    // A bug of the model, not of the file: still a refusal with its place, never a dead worker.
    throw new TraceInputError(
      `${parts.where(atLine)}: the replay stopped at this line: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const r = replay.finish();
  const end = m.seq;
  const positionOf = (line: number): number => {
    const e = index.at(line);
    return e ? e.from + 1 : end;
  };
  const disagreements: TraceDisagreement[] = r.disagreements.map((d) => {
    const text = quoted.get(d.line) ?? index.textOf(d.line);
    return {
      line: d.line,
      what: d.what,
      at: parts.where(d.line),
      ...(text !== undefined ? { text } : {}),
      position: positionOf(d.line),
    };
  });
  const traceReport = reportOf(r, {
    files: names,
    ...(files.cmdq ? { cmdq: files.cmdq.name } : {}),
    ...(files.proptable ? { proptable: files.proptable.name } : {}),
    lines,
    skipped,
    disagreements,
  });

  // ---- steps, with their agreement and (a lesson's) expectations and predictions
  const cuts = stepper.finish(end);
  const steps = cuts.map((cut, k): StepInfo => {
    const next = cuts[k + 1];
    const to = next ? Math.max(cut.from, next.from) : end;
    const lastLine = Math.max(cut.firstLine, next ? next.firstLine - 1 : lines);
    const mine = disagreements.filter((d) => d.line >= cut.firstLine && d.line <= lastLine);
    const agreement = agreementText(mine, r.disagreementCount > r.disagreements.length);
    const ls = lesson?.steps[k];
    if (!ls)
      return {
        title: cut.title,
        narration: `${stepper.narrate(cut, lastLine)}\n\n${agreement}`,
        from: cut.from,
        to,
        traceLines: { from: cut.firstLine, to: lastLine },
        passed: mine.length === 0,
        expectations: [],
      };
    const checked = checkStep(
      m,
      ls.expect,
      ls.predict?.choices.map((c) => c.when),
      cut,
      to,
    );
    // What the lines did gives a prediction's answer away: with one, it is shown at the reveal.
    const facts = `${stepper.facts(cut, lastLine)}\n\n${agreement}`;
    return {
      title: ls.title,
      narration: [ls.narration ?? '', ls.predict ? '' : facts].filter((t) => t).join('\n\n'),
      ...(ls.predict
        ? {
            predict: {
              question: ls.predict.question,
              choices: ls.predict.choices.map((c) => c.text),
              ...(checked.answer !== undefined ? { answer: checked.answer } : {}),
              explain: [ls.predict.explain ?? '', facts].filter((t) => t).join('\n\n'),
            },
          }
        : {}),
      ...(ls.inspect ? { inspect: ls.inspect } : {}),
      ...(ls.notes ? { notes: ls.notes } : {}),
      from: cut.from,
      to,
      traceLines: { from: cut.firstLine, to: lastLine },
      passed: mine.length === 0 && checked.expectations.every((x) => x.ok),
      expectations: checked.expectations,
    };
  });

  const where = `a GICv${shape.gicVersion} with ${shape.cpus} CPU${shape.cpus === 1 ? '' : 's'}`;
  const verdict = traceReport.agree
    ? 'the model reached what QEMU reached'
    : `${traceReport.disagreementCount} disagreement(s) with QEMU`;
  const meta: OpenedTrace['meta'] = lesson
    ? {
        file: lesson.file,
        title: lesson.meta.title,
        summary: lesson.meta.summary ?? '',
        goals: lesson.meta.goals ?? [],
        id: lesson.meta.id,
        ...(lesson.meta.track !== undefined ? { track: lesson.meta.track } : {}),
        ...(lesson.meta.difficulty !== undefined ? { difficulty: lesson.meta.difficulty } : {}),
        prerequisites: lesson.meta.prerequisites ?? [],
      }
    : {
        file: names[0]!,
        title: `QEMU trace ${names.join(' + ')}`,
        summary: `${lines.toLocaleString('en')} lines replayed on ${where}, profile qemu: ${verdict}.`,
        goals: [],
        id: 'qemu-trace',
        prerequisites: [],
      };
  return {
    machine: m,
    report: traceReport,
    steps,
    index,
    parts,
    devices: [...deviceNames].sort((a, b) => a[0] - b[0]).map(([rid, name]) => ({ rid, name })),
    meta,
    passed: traceReport.agree && steps.every((s) => s.passed),
  };
}

/** A step's verdict on agreement, in a sentence. */
function agreementText(mine: TraceDisagreement[], truncated: boolean): string {
  if (mine.length === 0)
    return truncated
      ? '*Agreement:* no disagreement kept for these lines (the report kept only the first ones).'
      : '*Agreement:* the model did what QEMU did on every line of this step.';
  const list = mine
    .slice(0, 5)
    .map((d) => `- line ${d.line}: ${d.what}`)
    .join('\n');
  return `**The model disagrees with QEMU on ${mine.length} line${mine.length === 1 ? '' : 's'} of this step:**\n\n${list}${mine.length > 5 ? `\n- and ${mine.length - 5} more (the Trace tab lists them)` : ''}`;
}

/** A lesson step's expectations and prediction, checked on the machine at the step's end. */
function checkStep(
  m: Machine,
  expect: LessonExpectation[],
  when: LessonExpectation[] | undefined,
  cut: TraceStepCut,
  to: number,
): { expectations: ExpectationResult[]; answer?: number } {
  let before: Machine | undefined;
  if (expect.some((x) => needsBefore(x.expect))) {
    m.seek(cut.from);
    before = new Machine(cloneState(m.s));
  }
  m.seek(to);
  const expectations = expect.map((x) => {
    const r = checkExpectation(m, x.expect, cut.from, before);
    return { text: x.text, ok: r.ok, message: r.message ?? '' };
  });
  const k = when?.findIndex((w) => checkExpectation(m, w.expect, cut.from).ok) ?? -1;
  return { expectations, ...(k >= 0 ? { answer: k } : {}) };
}

const fmtCounts = (t: Record<number, number> | undefined): string =>
  Object.entries(t ?? {})
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([k, v]) => `${k}:${v}`)
    .join(' ');

function deliveriesOf(d: ReplayReport['deliveries']): TraceReport['deliveries'] {
  const cpus = [...new Set([...Object.keys(d.trace), ...Object.keys(d.model)].map(Number))].sort(
    (a, b) => a - b,
  );
  return cpus.map((cpu) => ({ cpu, trace: fmtCounts(d.trace[cpu]), model: fmtCounts(d.model[cpu]) }));
}

function reportOf(
  r: ReplayReport,
  x: {
    files: string[];
    cmdq?: string;
    proptable?: string;
    lines: number;
    skipped: Map<string, { count: number; first: number }>;
    disagreements: TraceDisagreement[];
  },
): TraceReport {
  const v4 = r.shape.gicVersion === 4 || r.vlpiAcknowledges.total > 0;
  return {
    files: x.files,
    ...(x.cmdq ? { cmdq: x.cmdq } : {}),
    ...(x.proptable ? { proptable: x.proptable } : {}),
    lines: x.lines,
    records: r.records,
    skipped: [...x.skipped].map(([event, s]) => ({ event, ...s })),
    shape: r.shape,
    agree: r.agree,
    tallies: [
      { id: 'msis', label: 'MSIs translated alike', ...r.msis },
      { id: 'commands', label: 'ITS commands alike', ...r.commands },
      { id: 'tableWrites', label: 'table entries written alike', ...r.tableWrites },
      { id: 'acknowledges', label: 'acknowledges alike', ...r.acknowledges },
      ...(v4
        ? [{ id: 'vlpiAcknowledges' as const, label: 'vLPI acknowledges alike', ...r.vlpiAcknowledges }]
        : []),
      { id: 'registerReads', label: 'register reads alike', ...r.registerReads },
    ],
    deliveries: deliveriesOf(r.deliveries),
    virtualDeliveries: r.vlpiAcknowledges.total ? deliveriesOf(r.virtualDeliveries) : [],
    inferred: r.inferred,
    disagreements: x.disagreements,
    disagreementCount: r.disagreementCount,
    unused: Object.entries(r.unused)
      .map(([event, count]) => ({ event, count }))
      .sort((a, b) => b.count - a.count),
  };
}
