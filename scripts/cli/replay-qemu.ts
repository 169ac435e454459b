/**
 * `giclab replay-qemu <trace.log[.gz]>... [--cmdq F] [--proptable F] [--cpus N] [--gic 3|4] [--json]`
 *
 * Streams a QEMU GICv3 trace (several files are one trace, in order) through the model with the
 * `qemu` profile and prints the agreement report; exit 1 on any disagreement, each named with its
 * file and line. A first pass finds the machine's shape (CPUs, GIC version) unless given.
 */

import { existsSync } from 'node:fs';
import { isTraceLineError, parseTraceLine } from '../../engine/import/qemu-trace-line';
import {
  QemuReplay,
  ShapeScanner,
  type Deliveries,
  type ReplayReport,
  type TraceShape,
} from '../../engine/import/qemu-replay';
import { readBinary, readLines } from '../lib/lines';

interface Options {
  files: string[];
  cmdq?: string;
  proptable?: string;
  cpus?: number;
  gic?: 3 | 4;
  /** At most this many disagreements are kept in the report (all are counted); default 500. */
  keep?: number;
  json: boolean;
}

function parseArgs(args: string[]): Options | string {
  const o: Options = { files: [], json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = (): string | undefined => args[++i];
    if (a === '--json') o.json = true;
    else if (a === '--cmdq') o.cmdq = next();
    else if (a === '--proptable') o.proptable = next();
    else if (a === '--cpus') o.cpus = Number(next());
    else if (a === '--gic') {
      const g = Number(next());
      if (g !== 3 && g !== 4) return '--gic takes 3 or 4';
      o.gic = g;
    } else if (a.startsWith('-')) return `unknown option ${a}`;
    else o.files.push(a);
  }
  if (!o.files.length) return 'no trace file given';
  if (o.cpus !== undefined && !(Number.isInteger(o.cpus) && o.cpus >= 1 && o.cpus <= 512))
    return '--cpus takes 1 to 512';
  for (const f of [...o.files, o.cmdq, o.proptable])
    if (f !== undefined && !existsSync(f)) return `${f}: no such file`;
  return o;
}

/** Global line number -> 'file:line'. */
class LineMap {
  private starts: { file: string; start: number }[] = [];
  add(file: string, start: number): void {
    this.starts.push({ file, start });
  }
  where(global: number): string {
    let f = this.starts[0]!;
    for (const s of this.starts) if (s.start <= global) f = s;
    return `${f.file}:${global - f.start + 1}`;
  }
}

async function forEachRecord(
  files: string[],
  fn: (r: ReturnType<typeof parseTraceLine>, line: number) => void,
  map?: LineMap,
): Promise<number> {
  let line = 0;
  for (const f of files) {
    map?.add(f, line);
    for await (const text of readLines(f)) fn(parseTraceLine(text, ++line), line);
  }
  return line;
}

export async function replayFiles(
  o: Omit<Options, 'json'>,
): Promise<{ report: ReplayReport; lines: number; errors: string[]; map: LineMap }> {
  const errors: string[] = [];
  let shape: TraceShape;
  if (o.cpus !== undefined && o.gic !== undefined) shape = { cpus: o.cpus, gicVersion: o.gic };
  else {
    const scan = new ShapeScanner();
    await forEachRecord(o.files, (r) => {
      if (r && !isTraceLineError(r)) scan.feed(r);
    });
    const s = scan.result();
    shape = { cpus: o.cpus ?? s.cpus, gicVersion: o.gic ?? s.gicVersion };
  }
  const replay = new QemuReplay({
    shape,
    ...(o.cmdq ? { cmdq: readBinary(o.cmdq) } : {}),
    ...(o.proptable ? { proptable: readBinary(o.proptable) } : {}),
    ...(o.keep !== undefined ? { keep: o.keep } : {}),
  });
  const map = new LineMap();
  const lines = await forEachRecord(
    o.files,
    (r) => {
      if (r === null) return;
      if (isTraceLineError(r)) {
        if (errors.length < 20) errors.push(`${map.where(r.line - 1)}: ${r.message}`);
        return;
      }
      replay.feed(r);
    },
    map,
  );
  return { report: replay.finish(), lines, errors, map };
}

const pct = (t: { total: number; agreed: number }): string => `${t.agreed}/${t.total}`;

const fmtCounts = (t: Record<number, number> | undefined): string =>
  Object.entries(t ?? {})
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([k, v]) => `${k}:${v}`)
    .join(' ');

function printDeliveries(title: string, d: Deliveries): void {
  console.log(`  ${title}`);
  const cpus = new Set([...Object.keys(d.trace), ...Object.keys(d.model)].map(Number));
  for (const c of [...cpus].sort((a, b) => a - b))
    console.log(`    cpu${c}: ${fmtCounts(d.trace[c])} | ${fmtCounts(d.model[c])}`);
}

export async function replayCommand(args: string[]): Promise<number> {
  const o = parseArgs(args);
  if (typeof o === 'string') {
    console.error(`giclab replay-qemu: ${o}`);
    return 2;
  }
  const { report: r, lines, errors, map } = await replayFiles(o);
  if (o.json) {
    console.log(
      JSON.stringify(
        {
          lines,
          parseErrors: errors,
          ...r,
          disagreements: r.disagreements.map((d) => ({ ...d, at: map.where(d.line - 1) })),
        },
        null,
        2,
      ),
    );
  } else {
    console.log(
      `replayed ${lines} lines (${r.records} records) on a GICv${r.shape.gicVersion} with ${r.shape.cpus} CPUs, profile qemu`,
    );
    for (const e of errors) console.log(`  unparsable: ${e}`);
    console.log(`  MSIs translated alike:        ${pct(r.msis)}`);
    console.log(`  ITS commands alike:           ${pct(r.commands)}`);
    console.log(`  table entries written alike:  ${pct(r.tableWrites)}`);
    console.log(`  acknowledges alike:           ${pct(r.acknowledges)}`);
    if (r.shape.gicVersion === 4 || r.vlpiAcknowledges.total)
      console.log(`  vLPI acknowledges alike:      ${pct(r.vlpiAcknowledges)}`);
    console.log(`  register reads alike:         ${pct(r.registerReads)}`);
    printDeliveries('deliveries per CPU (INTID:count), QEMU | model:', r.deliveries);
    if (r.vlpiAcknowledges.total)
      printDeliveries(
        'virtual deliveries per CPU, vLPIs through ICV_IAR1_EL1 (vINTID:count), QEMU | model:',
        r.virtualDeliveries,
      );
    const lr = Object.keys(r.listRegisterAcks).map(Number);
    if (lr.length) {
      console.log(
        '  ICV_IAR1_EL1 from list registers (vINTID:count; KVM wrote them, not traced: not compared):',
      );
      for (const c of lr.sort((a, b) => a - b))
        console.log(`    cpu${c}: ${fmtCounts(r.listRegisterAcks[c])}`);
    }
    if (r.inferred.length) {
      console.log('  inferred (not in the trace):');
      for (const i of r.inferred) console.log(`    - ${i}`);
    }
    for (const d of r.disagreements) console.log(`  DISAGREE ${map.where(d.line - 1)}: ${d.what}`);
    if (r.disagreementCount > r.disagreements.length)
      console.log(`  ... and ${r.disagreementCount - r.disagreements.length} more`);
    console.log(
      r.agree && !errors.length
        ? 'AGREE: the model reached what QEMU reached'
        : `DISAGREE: ${r.disagreementCount} disagreement(s)`,
    );
  }
  return r.agree && !errors.length ? 0 : 1;
}
