/**
 * Trace lessons (format `giclab-trace-lesson/1`): a lesson whose history is a real QEMU trace
 * replayed on the model, not command lines run on a machine the file describes. The file names the
 * trace (and its command-queue and property-table dumps) by file name under /traces/, and its steps
 * are anchored at trace lines: step k covers the lines from its `line` up to the next step's. Each
 * step has a title and narration, and may have expectations and a prediction in the scenario
 * language (`expect ...` lines), checked on the replayed machine at the step's end, exactly as a
 * scenario's are checked at the end of its actions.
 *
 * Loading validates everything that can be known without the trace (schema, anchors in increasing
 * order, expectation lines that parse) and reports each problem as file:line:column: field: reason,
 * like a scenario file. What needs the trace (the line count, anchors past its end) is checked by
 * the host once it has read it.
 */

import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { z } from 'zod';
import type { Expectation } from '../scenario/actions';
import { parseLine } from '../scenario/command-parser';
import { DIFFICULTIES, INSPECT_VIEWS, predictSchema } from '../scenario/schema';

export const TRACE_LESSON_FORMAT = 'giclab-trace-lesson/1';

/** The views a trace lesson step may open: a scenario's, and the trace's agreement report. */
export const TRACE_LESSON_VIEWS = [...INSPECT_VIEWS, 'trace'] as const;
export type TraceLessonView = (typeof TRACE_LESSON_VIEWS)[number];

const ID = /^[a-z0-9][a-z0-9-]*$/;
/** A file in /traces/: a plain name, so a lesson can never point the page anywhere else. */
const traceFile = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'a file name under /traces/ (letters, digits, . _ -)');

const step = z
  .object({
    title: z.string().min(1),
    /** The first trace line of the step (1-based). */
    line: z.number().int().min(1),
    narration: z.string().optional(),
    expect: z.array(z.string()).default([]),
    predict: predictSchema.optional(),
    inspect: z.enum(TRACE_LESSON_VIEWS).optional(),
    notes: z.string().optional(),
  })
  .strict();

export const traceLessonSchema = z
  .object({
    $schema: z.string().optional(),
    format: z.literal(TRACE_LESSON_FORMAT),
    id: z.string().regex(ID, 'an id is lower-case letters, digits and dashes'),
    title: z.string().min(1),
    track: z.string().optional(),
    summary: z.string().optional(),
    goals: z.array(z.string()).optional(),
    difficulty: z.enum(DIFFICULTIES).optional(),
    prerequisites: z.array(z.string().regex(ID, 'a prerequisite is a scenario id')).optional(),
    trace: z
      .object({
        /** The trace, in parts if it was split, in order. */
        files: z.array(traceFile).min(1).max(16),
        cmdq: traceFile.optional(),
        proptable: traceFile.optional(),
        /** How many lines the trace has: a different file served under the same name is refused. */
        lines: z.number().int().positive().optional(),
        /** Names for the devices, by requester ID ("0x8": "virtio-net"), shown on the stage. */
        devices: z
          .record(
            z.string().regex(/^(0x[0-9a-fA-F]{1,4}|[0-9]{1,5})$/, 'a requester ID such as "0x8"'),
            z.string().regex(/^[\w.:-]{1,32}$/, 'a device name: up to 32 letters, digits, . _ : -'),
          )
          .optional(),
      })
      .strict(),
    steps: z.array(step).min(1).max(200),
  })
  .strict();

export type TraceLessonFile = z.infer<typeof traceLessonSchema>;

export interface LessonDiagnostic {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

export const formatLessonDiagnostic = (d: LessonDiagnostic): string =>
  `${d.file}:${d.line}:${d.column}: ${d.path ? d.path + ': ' : ''}${d.message}`;

/** An `expect` line of the lesson, parsed. */
export interface LessonExpectation {
  text: string;
  expect: Expectation;
}

export interface TraceLessonStep {
  title: string;
  line: number;
  narration?: string;
  expect: LessonExpectation[];
  predict?: { question: string; choices: { text: string; when: LessonExpectation }[]; explain?: string };
  inspect?: TraceLessonView;
  notes?: string;
}

export interface TraceLesson {
  file: string;
  meta: Omit<TraceLessonFile, 'steps' | 'trace' | 'format' | '$schema'>;
  trace: TraceLessonFile['trace'];
  /** Requester ID -> device name. */
  devices: Map<number, string>;
  steps: TraceLessonStep[];
}

export type TraceLessonResult =
  { ok: true; lesson: TraceLesson } | { ok: false; diagnostics: LessonDiagnostic[] };

const pathText = (path: (string | number)[]): string =>
  path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');

/** Parses and validates a trace lesson; `file` names it in diagnostics. */
export function loadTraceLesson(text: string, file: string): TraceLessonResult {
  const diagnostics: LessonDiagnostic[] = [];
  const lineCol = (offset: number): { line: number; column: number } => {
    let line = 1;
    let start = 0;
    for (let i = 0; i < offset && i < text.length; i++)
      if (text.charCodeAt(i) === 10) {
        line++;
        start = i + 1;
      }
    return { line, column: offset - start + 1 };
  };
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (errors.length || !root) {
    for (const e of errors.slice(0, 10))
      diagnostics.push({
        file,
        ...lineCol(e.offset),
        path: '',
        message: `invalid JSON: ${printParseErrorCode(e.error)}`,
      });
    if (!errors.length) diagnostics.push({ file, line: 1, column: 1, path: '', message: 'empty file' });
    return { ok: false, diagnostics };
  }
  const at = (path: (string | number)[], message: string): void => {
    let node: Node | undefined;
    for (let n = path.length; n >= 0 && !node; n--) node = findNodeAtLocation(root, path.slice(0, n));
    diagnostics.push({ file, ...lineCol(node?.offset ?? 0), path: pathText(path), message });
  };
  const parsed = traceLessonSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    for (const issue of parsed.error.issues.slice(0, 50))
      at(issue.path as (string | number)[], issue.message);
    return { ok: false, diagnostics };
  }
  const f = parsed.data;
  const compile = (path: (string | number)[], line: string): LessonExpectation | undefined => {
    const r = parseLine(line);
    if (r === null) {
      at(path, 'an empty line is not an expectation');
      return undefined;
    }
    if (!r.ok) {
      at(path, `${r.error.message} (column ${r.error.column} of the line)`);
      return undefined;
    }
    if (r.action.kind !== 'expect') {
      at(path, `'${line}' is not an expectation (it should start with 'expect')`);
      return undefined;
    }
    return { text: line, expect: r.action.expect };
  };
  // The replay's first events (the set-up it infers) come before line 1: the first step holds them.
  if (f.steps[0]!.line !== 1) at(['steps', 0, 'line'], 'the first step starts at line 1');
  const steps = f.steps.map((st, i): TraceLessonStep => {
    if (i > 0 && st.line <= f.steps[i - 1]!.line)
      at(
        ['steps', i, 'line'],
        `line ${st.line}: steps are anchored at increasing trace lines (the step before starts at line ${f.steps[i - 1]!.line})`,
      );
    if (f.trace.lines !== undefined && st.line > f.trace.lines)
      at(['steps', i, 'line'], `line ${st.line} is past the end of the trace (${f.trace.lines} lines)`);
    const expect = st.expect.flatMap((l, k) => compile(['steps', i, 'expect', k], l) ?? []);
    const out: TraceLessonStep = { title: st.title, line: st.line, expect };
    if (st.narration !== undefined) out.narration = st.narration;
    if (st.inspect !== undefined) out.inspect = st.inspect;
    if (st.notes !== undefined) out.notes = st.notes;
    if (st.predict) {
      const choices = st.predict.choices.map((c, k) => {
        const when = compile(['steps', i, 'predict', 'choices', k, 'when'], c.when);
        return when ? { text: c.text, when } : undefined;
      });
      if (choices.every((c) => c))
        out.predict = {
          question: st.predict.question,
          choices: choices as { text: string; when: LessonExpectation }[],
          ...(st.predict.explain !== undefined ? { explain: st.predict.explain } : {}),
        };
    }
    return out;
  });
  const devices = new Map<number, string>();
  for (const [rid, name] of Object.entries(f.trace.devices ?? {})) {
    const n = Number(rid);
    if (n > 0xffff) at(['trace', 'devices', rid], `requester ID ${rid} is more than 16 bits`);
    devices.set(n, name);
  }
  if (diagnostics.length) return { ok: false, diagnostics };
  const { steps: _steps, trace, format: _format, $schema: _schema, ...meta } = f;
  return { ok: true, lesson: { file, meta, trace, devices, steps } };
}
