/**
 * Loading a scenario file: JSON text -> validated scenario -> machine description and parsed
 * command lines, or a list of diagnostics that name the file, the line and column, the field
 * and the reason. Nothing runs until everything has loaded: a bad file never touches a machine.
 *
 * jsonc-parser keeps the offset of every JSON value, which is how an error in, say,
 * steps[2].actions[1] is reported at its line in the file.
 */

// The KVM layer joins the machine (VMs in descriptions, their inputs and tasks).
import '../kvm/kvm-extension';
import {
  findNodeAtLocation,
  parseTree,
  printParseErrorCode,
  type Node,
  type ParseError as JsonError,
} from 'jsonc-parser';
import { resolveMachine, type MachineOptions, type ResolvedMachine } from '../platform/machine-config';
import type { Action } from './actions';
import { parseLine } from './command-parser';
import { scenarioSchema, type InspectView, type ScenarioFile } from './schema';

export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  /** Field path, e.g. 'steps[2].actions[1]'. */
  path: string;
  message: string;
}

export const formatDiagnostic = (d: Diagnostic): string =>
  `${d.file}:${d.line}:${d.column}: ${d.path ? d.path + ': ' : ''}${d.message}`;

export interface CompiledLine {
  text: string;
  action: Action;
  /** Where the line is in the file. */
  line: number;
  column: number;
}

export interface CompiledStep {
  index: number;
  title: string;
  narration?: string;
  settle: 'each' | 'end' | 'none';
  actions: CompiledLine[];
  expect: CompiledLine[];
  predict?: { question: string; choices: { text: string; when: CompiledLine }[]; explain?: string };
  inspect?: InspectView;
  notes?: string;
}

export interface Scenario {
  file: string;
  meta: Omit<ScenarioFile, 'steps' | 'machine'>;
  machineOptions: MachineOptions;
  machine: ResolvedMachine;
  steps: CompiledStep[];
}

export type LoadResult = { ok: true; scenario: Scenario } | { ok: false; diagnostics: Diagnostic[] };

/** Offsets of line starts, so a position costs a binary search, not a scan of the file. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function lineColIn(starts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

/**
 * The offset in the file of character `index` (0-based) of the decoded JSON string that starts
 * with its opening quote at `quote`: escapes (\t, \", \u0041...) take more room in the file.
 */
function rawOffset(text: string, quote: number, index: number): number {
  let i = quote + 1;
  for (let k = 0; k < index && i < text.length; k++) {
    if (text[i] === '\\') i += text[i + 1] === 'u' ? 6 : 2;
    else i++;
  }
  return i;
}

const pathText = (path: (string | number)[]): string =>
  path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');

function nodeAt(root: Node | undefined, path: (string | number)[]): Node | undefined {
  if (!root) return undefined;
  for (let n = path.length; n >= 0; n--) {
    const node = findNodeAtLocation(root, path.slice(0, n));
    if (node) return node;
  }
  return root;
}

/** Parses, validates and compiles a scenario; `file` names it in diagnostics. */
export function loadScenario(text: string, file: string): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const starts = lineStarts(text);
  const lineCol = (_t: string, offset: number): { line: number; column: number } => lineColIn(starts, offset);
  /** `within`: for a string value, the 1-based column inside the decoded string to point at. */
  const at = (path: (string | number)[], message: string, root?: Node, within = 0): void => {
    const node = nodeAt(root, path);
    const offset = node?.offset ?? 0;
    const pos = lineCol(
      text,
      within > 0 && node?.type === 'string' ? rawOffset(text, offset, within - 1) : offset,
    );
    diagnostics.push({ file, ...pos, path: pathText(path), message });
  };
  const jsonErrors: JsonError[] = [];
  const root = parseTree(text, jsonErrors, { allowTrailingComma: false, disallowComments: true });
  if (jsonErrors.length || !root) {
    for (const e of jsonErrors.slice(0, 10))
      diagnostics.push({
        file,
        ...lineCol(text, e.offset),
        path: '',
        message: `invalid JSON: ${printParseErrorCode(e.error)}`,
      });
    if (!jsonErrors.length) diagnostics.push({ file, line: 1, column: 1, path: '', message: 'empty file' });
    return { ok: false, diagnostics };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    diagnostics.push({
      file,
      line: 1,
      column: 1,
      path: '',
      message: `invalid JSON: ${(e as Error).message}`,
    });
    return { ok: false, diagnostics };
  }
  const parsed = scenarioSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues.slice(0, 50))
      at(issue.path as (string | number)[], issue.message, root);
    return { ok: false, diagnostics };
  }
  const sc = parsed.data;
  const resolved = resolveMachine(sc.machine);
  if (!resolved.ok) {
    for (const p of resolved.problems) at(['machine'], p, root);
    return { ok: false, diagnostics };
  }
  const compileLine = (path: (string | number)[], lineText: string): CompiledLine | undefined => {
    const node = nodeAt(root, path);
    const pos = lineCol(text, node?.offset ?? 0);
    const r = parseLine(lineText, pos.line);
    if (r === null) return undefined;
    if (!r.ok) {
      at(path, `${r.error.message} (column ${r.error.column} of the command)`, root, r.error.column);
      return undefined;
    }
    return { text: lineText, action: r.action, line: pos.line, column: pos.column };
  };
  const steps: CompiledStep[] = sc.steps.map((st, i) => {
    // Each line keeps its index in the file's list, for diagnostics (blank and comment lines
    // compile to nothing and are dropped afterwards).
    const compiled = (list: string[], field: 'actions' | 'expect'): CompiledLine[] => {
      const out: CompiledLine[] = [];
      list.forEach((text, k) => {
        const c = compileLine(['steps', i, field, k], text);
        if (!c) return;
        if (field === 'expect' && c.action.kind !== 'expect')
          at(
            ['steps', i, field, k],
            `'${c.text}' is not an expectation (it should start with 'expect')`,
            root,
          );
        if (field === 'actions' && c.action.kind === 'expect')
          at(['steps', i, field, k], `expectations belong in "expect", not "actions"`, root);
        out.push(c);
      });
      return out;
    };
    const actions = compiled(st.actions, 'actions');
    const expect = compiled(st.expect, 'expect');
    const step: CompiledStep = { index: i, title: st.title, settle: st.settle, actions, expect };
    if (st.narration !== undefined) step.narration = st.narration;
    if (st.inspect !== undefined) step.inspect = st.inspect;
    if (st.notes !== undefined) step.notes = st.notes;
    if (st.predict) {
      const choices = st.predict.choices.map((c, k) => {
        const when = compileLine(['steps', i, 'predict', 'choices', k, 'when'], c.when);
        if (when && when.action.kind !== 'expect')
          at(['steps', i, 'predict', 'choices', k, 'when'], 'a choice is decided by an expectation', root);
        return when ? { text: c.text, when } : undefined;
      });
      if (choices.every((c) => c))
        step.predict = {
          question: st.predict.question,
          choices: choices as { text: string; when: CompiledLine }[],
          ...(st.predict.explain !== undefined ? { explain: st.predict.explain } : {}),
        };
    }
    return step;
  });
  if (diagnostics.length) return { ok: false, diagnostics };
  const { steps: _steps, machine: _machine, ...meta } = sc;
  return { ok: true, scenario: { file, meta, machineOptions: sc.machine, machine: resolved.machine, steps } };
}
