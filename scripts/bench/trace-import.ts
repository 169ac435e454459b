/**
 * Importing the v4nested QEMU trace (both filtered parts): every line parsed into a typed record
 * and decoded into what the replay would apply (bus accesses, MSIs, physical and virtual
 * acknowledges, and each ITS command rebuilt as its 32-byte encoding; GICv4 commands counted),
 * against plain line reading of the same gzip files. Budget: under 3x.
 *
 * Then, for information (no budget), the whole replay `giclab replay-qemu` makes of the same
 * files: the model (profile qemu) driven by every record and compared with QEMU.
 */

import { isTraceLineError, parseTraceLine, type TraceRecord } from '../../engine/import/qemu-trace-line';
import { traceFields } from '../../engine/import/qemu-replay';
import { COMMAND_BY_OPCODE, encodeCommand } from '../../engine/its/command-encoding';
import { dirname, join } from 'node:path';
import { replayFiles } from '../cli/replay-qemu';
import { readLines } from '../lib/lines';

export interface ImportFigures {
  files: string[];
  lines: number;
  records: number;
  errors: number;
  commands: number;
  gicv4Commands: number;
  readSeconds: number;
  importSeconds: number;
  ratio: number;
  /** The full replay on the model, streamed, with the saved queue and property table. */
  replaySeconds: number;
  replayAgrees: boolean;
  replayDisagreements: number;
}

async function readOnly(files: string[]): Promise<number> {
  let n = 0;
  let sink = 0;
  for (const f of files)
    for await (const line of readLines(f)) {
      sink += line.length;
      n++;
    }
  if (sink === -1) console.log(sink);
  return n;
}

export async function traceImport(files: string[]): Promise<ImportFigures> {
  // Warm the disk cache and the JIT for both passes.
  await readOnly(files.slice(0, 1));
  const r0 = performance.now();
  const lines = await readOnly(files);
  const readSeconds = (performance.now() - r0) / 1000;

  let records = 0;
  let errors = 0;
  let commands = 0;
  let v4 = 0;
  let pendingCode = -1;
  let sink = 0;
  const decode = (r: TraceRecord): void => {
    switch (r.event) {
      case 'gicv3_its_process_command':
        pendingCode = r.cmd;
        commands++;
        if ((COMMAND_BY_OPCODE.get(r.cmd)?.gen ?? 3) !== 3) v4++;
        return;
      case 'gicv3_its_write':
      case 'gicv3_its_read':
      case 'gicv3_redist_write':
      case 'gicv3_redist_read':
        sink += r.offset;
        return;
      case 'gicv3_its_translation_write':
        sink += r.requesterId ^ r.data;
        return;
      case 'gicv3_icc_iar1_read':
      case 'gicv3_icc_eoir_write':
      case 'gicv3_icv_iar_read':
      case 'gicv3_icv_eoir_write':
        sink += r.val;
        return;
      default:
        if (r.event.startsWith('gicv3_its_cmd_') && pendingCode >= 0) {
          const spec = COMMAND_BY_OPCODE.get(pendingCode);
          if (spec) {
            const e = encodeCommand(spec.name, traceFields(r));
            if (e.ok) sink += Number(e.dws[0] & 0xffn);
          }
          pendingCode = -1;
        }
    }
  };
  const t0 = performance.now();
  let line = 0;
  for (const f of files) {
    for await (const text of readLines(f)) {
      const r = parseTraceLine(text, ++line);
      if (r === null) continue;
      if (isTraceLineError(r)) {
        errors++;
        continue;
      }
      records++;
      decode(r);
    }
  }
  const importSeconds = (performance.now() - t0) / 1000;
  if (sink === -1) console.log(sink);

  const dir = dirname(files[0]!);
  const p0 = performance.now();
  const { report } = await replayFiles({
    files,
    cmdq: join(dir, 'v4nested.cmdq.bin.gz'),
    proptable: join(dir, 'v4nested.proptable.bin.gz'),
  });
  const replaySeconds = (performance.now() - p0) / 1000;
  return {
    replaySeconds,
    replayAgrees: report.agree,
    replayDisagreements: report.disagreementCount,
    files,
    lines,
    records,
    errors,
    commands,
    gicv4Commands: v4,
    readSeconds,
    importSeconds,
    ratio: importSeconds / readSeconds,
  };
}
