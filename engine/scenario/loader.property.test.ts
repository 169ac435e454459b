/**
 * Property tests of the scenario loader (ARCHITECTURE.md §2 "Bad input", §4): whatever text it is
 * given — random JSON, random bytes, a shipped scenario with fields removed, changed or retyped,
 * random command lines in actions and expectations — loadScenario returns a value and never throws.
 * Either the file loads, or it is refused with diagnostics that name the file and a real position
 * in it (1-based line and column inside the text) and say why; a refused result carries nothing
 * else, so no machine can be made from it (loadScenario is pure: the same text gives the same
 * result).
 *
 * Positions are checked exactly where the loader promises them: a command line that does not parse
 * is reported at the line of its string in the file, at the column of the offending character, with
 * the path of the field (steps[i].actions[k]); so is an expectation among the actions and an action
 * among the expectations.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseLine } from './command-parser';
import { loadScenario, type LoadResult } from './loader';

// ------------------------------------------------------------------------------------ material

const SCENARIO_DIR = new URL('../../public/scenarios/conformance/', import.meta.url);
const SHIPPED: { name: string; text: string }[] = readdirSync(SCENARIO_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((name) => ({ name, text: readFileSync(new URL(name, SCENARIO_DIR), 'utf8') }));

/** Lines the command language accepts (comments and blank lines included). */
const GOOD_ACTIONS = [
  'read GICD_CTLR',
  'write GICD_CTLR 0x13',
  'read64 GITS_TYPER',
  'write64 GITS_CBASER 0x800000004012000f',
  'cpu0 write ICC_PMR_EL1 0xf0',
  'cpu1 read ICC_IAR1_EL1',
  'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
  'its INT DeviceID=2 EventID=20',
  'its raw 0x3 0x0 0x0 0x0',
  'mem write32 0x40000000 0x1',
  'mem fill 0x40000000 64 0',
  'lpi-config 8195 0xa3',
  'msi rid=2 20',
  'line 40 pulse',
  'software all eoi',
  'write rd1 GICR_CTLR |= 1',
  'write32 gicd+0x80 0xffffffff',
  'read64 rd3 GICR_TYPER',
  'run',
  'wait 5us',
  'step 3',
  'migrate',
];
const GOOD_EXPECTS = [
  'expect deliveries none',
  'expect delivered cpu3 8195',
  'expect reg GICD_CTLR & 0x2 == 0x2',
  'expect pending rd0 8195',
  'expect events its.cmd >= 0',
  'expect ite 2 20 intid=8195 icid=3',
  'expect cte 3 valid=1 target=3',
  'expect deliveries cpu3:8195',
  'expect mem32 0x40000000 == 0',
  'expect not-pending rd1 8196',
  'expect icc cpu0 ICC_PMR_EL1 == 0xf0',
  'expect dte 2 absent',
];
const NEUTRAL = ['# a comment', '', '   ', '# its MAPD DeviceID=2'];

/** Lines that do not parse, none of them needing a JSON escape. */
const BAD_LINES = [
  'frobnicate',
  'read',
  'write GICD_CTLR',
  'its MAPD DeviceID=',
  'its FOO',
  'cpu0 write ICC_FOO_EL1 1',
  'write8 GICD_IPRIORITYR8 0x1ff',
  'mem write32 0x40000000',
  'wait 5 parsecs',
  'expect',
  'expect deliveries cpu3',
  'line 20 high',
  'msi',
  'its raw 1 2 3',
  'step x',
  'expect reg GICD_CTLR ==',
  'its MAPTI DeviceID=1 EventID=2 pINTID=0x1ffffffffff ICID=0',
  'software cpu0 dance',
  'run until lunch',
];

const TOKENS = [
  'read',
  'write',
  'read64',
  'write8',
  'cpu0',
  'cpu99',
  'its',
  'its1',
  'MAPD',
  'MAPTI',
  'raw',
  'DeviceID=2',
  'EventID=',
  'V=1',
  'msi',
  'rid=3',
  'line',
  'high',
  'pulse',
  'expect',
  'deliveries',
  'cpu3:8195',
  'none',
  'reg',
  'GICD_CTLR',
  'GITS_CWRITER',
  'rd0',
  'gicd+0x80',
  '@0x08000000',
  '0x',
  '0x1_0000',
  '64K',
  '5us',
  '|=',
  '&=',
  '~',
  '==',
  '&',
  '#',
  '=',
  ':',
  '+',
  '-1',
  '99999999999999999999999',
  'ICC_PMR_EL1',
  'software',
  'all',
  'eoi',
  'run',
  'until',
  'wait',
  'step',
  'migrate',
  'mem',
  'fill',
  'lpi-config',
  'lpi-pending',
  'set',
];

/** Command lines: known good and bad ones, token salads, and arbitrary text. */
const commandLine = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...GOOD_ACTIONS, ...GOOD_EXPECTS, ...NEUTRAL) },
  { weight: 2, arbitrary: fc.constantFrom(...BAD_LINES) },
  {
    weight: 3,
    arbitrary: fc.array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 8 }).map((ts) => ts.join(' ')),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
);

// ------------------------------------------------------------------------------------ checks

function jsonOf(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x.toString()}n` : x));
}

/** A loaded scenario, or diagnostics that point into `text` and explain themselves. */
function checkResult(r: LoadResult, text: string, file: string): void {
  if (r.ok) {
    expect(Object.keys(r).sort()).toEqual(['ok', 'scenario']);
    expect(r.scenario.file).toBe(file);
    expect(r.scenario.steps.length).toBeGreaterThan(0);
    for (const st of r.scenario.steps)
      for (const l of [...st.actions, ...st.expect]) {
        expect(l.line).toBeGreaterThanOrEqual(1);
        expect(l.column).toBeGreaterThanOrEqual(1);
      }
    return;
  }
  // A refusal is the diagnostics and nothing else: nothing to build a machine from.
  expect(Object.keys(r).sort()).toEqual(['diagnostics', 'ok']);
  expect(r.diagnostics.length).toBeGreaterThan(0);
  const lines = text.split('\n');
  for (const d of r.diagnostics) {
    const where = `${jsonOf(d)} in a file of ${lines.length} line(s)`;
    if (d.file !== file) throw new Error(`diagnostic names file '${d.file}': ${where}`);
    if (!Number.isInteger(d.line) || d.line < 1 || d.line > lines.length)
      throw new Error(`diagnostic line outside the file: ${where}`);
    const lineLength = lines[d.line - 1]!.length;
    if (!Number.isInteger(d.column) || d.column < 1 || d.column > lineLength + 1)
      throw new Error(`diagnostic column outside line ${d.line} (${lineLength} characters): ${where}`);
    if (typeof d.message !== 'string' || d.message.trim() === '')
      throw new Error(`diagnostic without a message: ${where}`);
    if (typeof d.path !== 'string') throw new Error(`diagnostic path is not text: ${where}`);
  }
}

/** loadScenario must not throw, must be pure, and must give a well-formed result. */
function load(text: string, file: string): LoadResult {
  const r = loadScenario(text, file);
  checkResult(r, text, file);
  expect(jsonOf(loadScenario(text, file))).toBe(jsonOf(r));
  return r;
}

// ------------------------------------------------------------------------------------ generators

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface StepSpec {
  title: string;
  actions: string[];
  expect: string[];
  settle?: 'each' | 'end' | 'none';
}

const validStep: fc.Arbitrary<StepSpec> = fc.record(
  {
    title: fc.constantFrom('S1', 'map the device', 'INT and deliver', 'Étape 2 — ITS'),
    actions: fc.array(fc.constantFrom(...GOOD_ACTIONS, ...NEUTRAL), { maxLength: 6 }),
    expect: fc.array(fc.constantFrom(...GOOD_EXPECTS, ...NEUTRAL), { maxLength: 3 }),
    settle: fc.constantFrom('each' as const, 'end' as const, 'none' as const),
  },
  { requiredKeys: ['title', 'actions', 'expect'] },
);

const validMachine = fc.record(
  {
    profile: fc.constantFrom('kvm', 'qemu', 'spec'),
    cpus: fc.integer({ min: 1, max: 8 }),
    spis: fc.constantFrom(0, 32, 64, 256, 960),
    seed: fc.nat(),
    gic: fc.constantFrom(3, 4),
    devices: fc.constant([{ name: 'nic0', bdf: '00:02.0' }]),
  },
  { requiredKeys: [] },
);

const validScenario = fc.record({
  format: fc.constant('giclab-scenario/1'),
  id: fc.constantFrom('a', 'kut-c27', 'sandbox-1'),
  title: fc.constantFrom('A title', 'ITS: MAPD then INT'),
  machine: validMachine,
  steps: fc.array(validStep, { minLength: 1, maxLength: 4 }),
});

/** How a file is laid out: JSON.stringify's indentation (0 puts everything on one line). */
const indent = fc.constantFrom<string | number>(0, 1, 2, 4, '\t');

/** Every path into a JSON value (objects by key, arrays by index), the root included. */
function pathsOf(
  v: Json,
  at: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...at, i], out));
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) pathsOf(x, [...at, k], out);
  return out;
}

type Mutation =
  | { kind: 'delete'; pick: number }
  | { kind: 'replace'; pick: number; value: Json }
  | { kind: 'retype'; pick: number }
  | { kind: 'command'; pick: number; line: string; where: 'actions' | 'expect' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('replace' as const),
    pick: fc.nat(),
    value: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  }),
  fc.record({ kind: fc.constant('retype' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('command' as const),
    pick: fc.nat(),
    line: commandLine,
    where: fc.constantFrom('actions' as const, 'expect' as const),
  }),
);

/** A different JSON type holding "the same" value: 7 -> "7", "x" -> ["x"], [..] -> {..}, ... */
function retyped(v: Json): Json {
  if (v === null) return 0;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return /^\d+$/.test(v) ? Number(v) : [v];
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x]));
  return Object.values(v);
}

function mutate(root: Json, m: Mutation): Json {
  const copy = structuredClone(root);
  const paths = pathsOf(copy);
  const path = paths[m.pick % paths.length]!;
  if (m.kind === 'command') {
    // Put a command line into some step's actions or expect, at some index.
    if (copy === null || typeof copy !== 'object' || Array.isArray(copy)) return copy;
    const steps = copy.steps;
    if (!Array.isArray(steps) || steps.length === 0) return copy;
    const st = steps[m.pick % steps.length];
    if (st === null || typeof st !== 'object' || Array.isArray(st)) return copy;
    const list = st[m.where];
    if (Array.isArray(list)) list.splice(m.pick % (list.length + 1), 0, m.line);
    else st[m.where] = [m.line];
    return copy;
  }
  if (path.length === 0) return m.kind === 'replace' ? m.value : m.kind === 'retype' ? retyped(copy) : {};
  const parentPath = path.slice(0, -1);
  let parent: Json = copy;
  for (const p of parentPath) parent = (parent as Record<string | number, Json>)[p]!;
  const key = path[path.length - 1]!;
  const container = parent as Record<string | number, Json>;
  switch (m.kind) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else if (parent !== null && typeof parent === 'object') delete (parent as Record<string, Json>)[key];
      break;
    case 'replace':
      container[key] = m.value;
      break;
    case 'retype':
      container[key] = retyped(container[key]!);
      break;
  }
  return copy;
}

function mutateAll(root: Json, muts: Mutation[]): Json {
  return muts.reduce<Json>((acc, m) => mutate(acc, m), root);
}

type TextEdit = { at: number; del: number; insert: string };
const textEdit: fc.Arbitrary<TextEdit> = fc.record({
  at: fc.nat(),
  del: fc.integer({ min: 0, max: 3 }),
  insert: fc.oneof(
    fc.constantFrom('', '{', '}', '[', ']', ',', '"', ':', '\\', '\n', '//', '/*', 'null'),
    fc.string({ maxLength: 3 }),
  ),
});
const applyEdit = (text: string, e: TextEdit): string => {
  const at = e.at % (text.length + 1);
  return text.slice(0, at) + e.insert + text.slice(at + e.del);
};

// ------------------------------------------------------------------------------------ properties

describe('loadScenario never throws and explains every refusal', () => {
  it('random text', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 })),
        (text) => {
          load(text, 'random.json');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), indent, (v, ind) => {
        load(JSON.stringify(v, null, ind), 'random.json');
      }),
      { numRuns: 300 },
    );
  });

  it('generated valid scenarios load', () => {
    fc.assert(
      fc.property(validScenario, indent, (sc, ind) => {
        const r = load(JSON.stringify(sc, null, ind), 'valid.json');
        if (!r.ok) throw new Error(`a valid scenario was refused: ${jsonOf(r.diagnostics)}`);
      }),
      { numRuns: 150 },
    );
  });

  it('valid scenarios with fields removed, changed or retyped, and random command lines', () => {
    fc.assert(
      fc.property(
        validScenario,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        indent,
        (sc, muts, ind) => {
          load(JSON.stringify(mutateAll(sc as unknown as Json, muts), null, ind), 'mutated.json');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('shipped scenarios, mutated field by field', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SHIPPED),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (file, muts) => {
          load(JSON.stringify(mutateAll(JSON.parse(file.text) as Json, muts), null, 2), file.name);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('shipped scenarios, edited as text', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SHIPPED),
        fc.array(textEdit, { minLength: 1, maxLength: 4 }),
        (file, edits) => {
          load(edits.reduce(applyEdit, file.text), file.name);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('one field removed or retyped in a valid file: a refusal names that field (or the object holding it)', () => {
    const pathText = (path: (string | number)[]): string =>
      path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
    fc.assert(
      fc.property(
        validScenario,
        fc.nat(),
        fc.constantFrom('retype' as const, 'delete' as const),
        indent,
        (sc, pick, kind, ind) => {
          const all = pathsOf(sc as unknown as Json);
          const at = pick % all.length;
          fc.pre(all[at]!.length > 0);
          const text = JSON.stringify(mutate(sc as unknown as Json, { kind, pick: at }), null, ind);
          const r = load(text, 'one.json');
          if (r.ok) return;
          const changed = pathText(all[at]!);
          const named = r.diagnostics.some(
            (d) =>
              changed === d.path ||
              changed.startsWith(`${d.path}.`) ||
              changed.startsWith(`${d.path}[`) ||
              d.path.startsWith(changed),
          );
          if (!named) throw new Error(`${kind} of ${changed} is reported as ${jsonOf(r.diagnostics)}`);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('every shipped scenario loads', () => {
    expect(SHIPPED.length).toBeGreaterThan(0);
    for (const f of SHIPPED) {
      const r = load(f.text, f.name);
      expect(r.ok, f.name).toBe(true);
    }
  });
});

// ------------------------------------------------------------------------------------ positions

/** Where a string literal is: its 1-based line, and the 0-based index of its opening quote in that line. */
function literalAt(text: string, marker: string): { line: number; quote: number } {
  const lines = text.split('\n');
  const hits = lines.flatMap((l, i) => (l.includes(marker) ? [i] : []));
  if (hits.length !== 1) throw new Error(`marker '${marker}' found on ${hits.length} lines`);
  const i = hits[0]!;
  const line = lines[i]!;
  const quote = line.lastIndexOf('"', line.indexOf(marker));
  return { line: i + 1, quote };
}

/** A valid scenario with the line `bad` placed at steps[si].<field>[k], laid out with `ind`. */
function withLineAt(
  sc: { steps: StepSpec[] } & Record<string, unknown>,
  si: number,
  field: 'actions' | 'expect',
  k: number,
  bad: string,
  ind: string | number,
): { text: string; index: number; stepIndex: number } {
  const copy = structuredClone(sc);
  const stepIndex = si % copy.steps.length;
  const list = copy.steps[stepIndex]![field];
  const index = k % (list.length + 1);
  list.splice(index, 0, bad);
  return { text: JSON.stringify(copy, null, ind), index, stepIndex };
}

describe('diagnostics point at the line in the file', () => {
  it('a command line that does not parse: path, line and column of the offending character', () => {
    fc.assert(
      fc.property(
        validScenario,
        fc.nat(),
        fc.nat(),
        fc.constantFrom('actions' as const, 'expect' as const),
        fc.constantFrom(...BAD_LINES),
        fc.integer({ min: 0, max: 0xffff }),
        indent,
        (sc, si, k, field, bad, tag, ind) => {
          // A comment makes the line unique in the file without changing where the error is.
          const line = `${bad} # zz${tag.toString(16)}zz`;
          const { text, index, stepIndex } = withLineAt(sc, si, field, k, line, ind);
          const r = loadScenario(text, 'pos.json');
          checkResult(r, text, 'pos.json');
          if (r.ok) throw new Error('a file with a bad command line loaded');
          const path = `steps[${stepIndex}].${field}[${index}]`;
          const d = r.diagnostics.find((x) => x.path === path);
          if (!d) throw new Error(`no diagnostic at ${path}: ${jsonOf(r.diagnostics)}`);
          const want = literalAt(text, `zz${tag.toString(16)}zz`);
          const parsed = parseLine(line);
          if (!parsed || parsed.ok) throw new Error(`'${line}' parses`);
          expect({ line: d.line, column: d.column }).toEqual({
            line: want.line,
            column: want.quote + 1 + parsed.error.column,
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a command line with tabs (which JSON escapes): the column is still that of the offending character', () => {
    fc.assert(
      fc.property(
        validScenario,
        fc.nat(),
        fc.constantFrom(' ', '\t', '\t\t', ' \t'),
        fc.constantFrom(' ', '\t', '\t '),
        fc.constantFrom('ICC_NOPE 1', 'ICC_PMR_EL1', 'ICC_PMR_EL1 0x1_0000_0000_0000_0000'),
        fc.integer({ min: 0, max: 0xffff }),
        (sc, si, ws1, ws2, tail, tag) => {
          fc.pre((ws1 + ws2).includes('\t'));
          const marker = `zz${tag.toString(16)}zz`;
          const bad = `cpu0${ws1}write${ws2}${tail} # ${marker}`;
          const parsed = parseLine(bad);
          if (parsed === null || parsed.ok) throw new Error(`'${bad}' parses`);
          const { text, index, stepIndex } = withLineAt(sc, si, 'actions', 0, bad, 2);
          const r = loadScenario(text, 'tabs.json');
          checkResult(r, text, 'tabs.json');
          if (r.ok) throw new Error('a file with a bad command line loaded');
          const d = r.diagnostics.find((x) => x.path === `steps[${stepIndex}].actions[${index}]`);
          if (!d) throw new Error(`no diagnostic: ${jsonOf(r.diagnostics)}`);
          const want = literalAt(text, marker);
          // Command column c is in the file past the quote and the raw (escaped) text before c.
          const rawBefore = JSON.stringify(bad.slice(0, parsed.error.column - 1)).length - 2;
          expect({ line: d.line, column: d.column }).toEqual({
            line: want.line,
            column: want.quote + 2 + rawBefore,
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('an expectation among the actions, or an action among the expectations, is reported at its own line', () => {
    fc.assert(
      fc.property(
        validScenario,
        fc.nat(),
        fc.nat(),
        fc.constantFrom('actions' as const, 'expect' as const),
        fc.integer({ min: 0, max: 0xffff }),
        indent,
        (sc, si, k, field, tag, ind) => {
          const marker = `zz${tag.toString(16)}zz`;
          const misplaced =
            field === 'actions' ? `expect deliveries none # ${marker}` : `read GICD_CTLR # ${marker}`;
          const { text, index, stepIndex } = withLineAt(sc, si, field, k, misplaced, ind);
          const r = loadScenario(text, 'misplaced.json');
          checkResult(r, text, 'misplaced.json');
          if (r.ok) throw new Error('a misplaced line was accepted');
          const want = literalAt(text, marker);
          const d = r.diagnostics.find((x) => x.line === want.line);
          if (!d)
            throw new Error(
              `steps[${stepIndex}].${field}[${index}] (line ${want.line}) is not reported: ${jsonOf(r.diagnostics)}`,
            );
          expect(d.path).toBe(`steps[${stepIndex}].${field}[${index}]`);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('C27 with a bad line in steps[1].actions[2] is refused at that line', () => {
    const file = SHIPPED.find((f) => f.name === 'kut-c27-its-int-dev2.json')!;
    const v = JSON.parse(file.text) as { steps: { actions: string[] }[] };
    v.steps[1]!.actions[2] = 'write GICD_CTLR';
    const text = JSON.stringify(v, null, 2);
    const r = loadScenario(text, 'c27.json');
    checkResult(r, text, 'c27.json');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0]!;
    const lines = text.split('\n');
    // steps[1].actions[2] is the third string of the second step's actions: find it by layout.
    const step1 = lines.findIndex((l) => l.includes('"S4 on every CPU'));
    const actions = lines.findIndex((l, i) => i > step1 && l.includes('"actions": ['));
    expect(d.path).toBe('steps[1].actions[2]');
    expect(d.line).toBe(actions + 1 + 3);
    expect(lines[d.line - 1]!.trim()).toBe('"write GICD_CTLR",');
    const parsed = parseLine('write GICD_CTLR');
    if (parsed === null || parsed.ok) throw new Error("'write GICD_CTLR' parses");
    expect(d.column).toBe(lines[d.line - 1]!.indexOf('"') + 1 + parsed.error.column);
    expect(d.message).toContain('expected a value');
  });
});
