/**
 * ITS commands per second on a 1,000,000-command mixed stream, as a driver issues them: commands
 * written into the ring in memory, GITS_CWRITER advanced, the ITS left to drain the queue (up to
 * 1024 commands in flight), every command one event. The mix cycles through devices: MAPD, MAPTI,
 * INV, INT, MOVI, CLEAR, INVALL, SYNC, DISCARD, MAPD V=0 (teardown), with MAPC and MOVALL now and
 * then. The baseline, measured in the same run, reads and decodes the same commands from memory
 * with no execution, no queue and no events.
 */

import type { ProfileName } from '../../engine/gic/gic-rules';
import {
  decodeCommand,
  encodeCommand,
  wordsFromU32,
  type CommandWords,
} from '../../engine/its/command-encoding';
import { queueGeometry } from '../../engine/its/command-queue';
import { memReadU32, memWriteU32 } from '../../engine/mem/memory';
import { buildRig, LAYOUT } from './setup';

export interface CommandFigures {
  profile: ProfileName;
  commands: number;
  seconds: number;
  perSecond: number;
  errors: number;
  baselinePerSecond: number;
  ratio: number;
}

function mixedStream(n: number, cpus: number): CommandWords[] {
  const out: CommandWords[] = [];
  const enc = (name: string, f: Record<string, number>): void => {
    const r = encodeCommand(name, Object.fromEntries(Object.entries(f).map(([k, v]) => [k, BigInt(v)])));
    if (!r.ok) throw new Error(r.error);
    out.push(r.dws);
  };
  for (let k = 0; out.length < n; k++) {
    const dev = 1000 + (k % 512);
    const itt = 0x4800_0000 + (k % 512) * 0x1000;
    const lpi = 8192 + (k % 4096) * 8;
    enc('MAPD', { DeviceID: dev, Size: 3, ITT_addr: itt, V: 1 });
    for (let e = 0; e < 4; e++)
      enc('MAPTI', { DeviceID: dev, EventID: e, pINTID: lpi + e, ICID: (k + e) % cpus });
    enc('INV', { DeviceID: dev, EventID: 0 });
    enc('INT', { DeviceID: dev, EventID: 1 });
    enc('MOVI', { DeviceID: dev, EventID: 1, ICID: (k + 5) % cpus });
    enc('CLEAR', { DeviceID: dev, EventID: 1 });
    enc('INVALL', { ICID: k % cpus });
    enc('SYNC', { RDbase: k % cpus });
    if (k % 64 === 0) enc('MAPC', { ICID: k % cpus, RDbase: (k / 64) % cpus, V: 1 });
    if (k % 128 === 0) enc('MOVALL', { RDbase1: k % cpus, RDbase2: (k + 1) % cpus });
    for (let e = 0; e < 4; e++) enc('DISCARD', { DeviceID: dev, EventID: e });
    enc('MAPD', { DeviceID: dev, Size: 3, ITT_addr: itt, V: 0 });
  }
  return out.slice(0, n);
}

export function itsCommands(profile: ProfileName, n = 1_000_000, cpus = 16): CommandFigures {
  const rig = buildRig(profile, cpus, 1, 1, { software: { all: 'masked' } });
  const m = rig.machine;
  const its = m.s.its[0]!;
  const q = queueGeometry(its);
  const slots = q.size / 32;
  const stream = mixedStream(n, cpus);
  const writeSlot = (slot: number, w: CommandWords): void => {
    const a = q.base + slot * 32;
    for (let i = 0; i < 4; i++) {
      memWriteU32(m.s.mem, a + 8 * i, Number(w[i]! & 0xffffffffn));
      memWriteU32(m.s.mem, a + 8 * i + 4, Number(w[i]! >> 32n));
    }
  };
  const errorsBefore = m.log.length;
  const batch = Math.min(1024, slots - 1);
  const t0 = performance.now();
  let slot = Number(its.cwriter) / 32;
  for (let i = 0; i < n; i += batch) {
    const end = Math.min(n, i + batch);
    // The driver's part: the commands go into the ring (as guest memory writes) ...
    for (let k = i; k < end; k++) {
      writeSlot(slot, stream[k]!);
      slot = (slot + 1) % slots;
    }
    // ... and one GITS_CWRITER write announces them; the ITS drains the queue.
    m.input({
      kind: 'mmio',
      addr: its.cfg.base + 0x88,
      width: 64,
      write: true,
      value: BigInt(slot * 32),
      by: 'driver',
    });
    m.run({ maxEvents: 10_000_000 });
  }
  const seconds = (performance.now() - t0) / 1000;
  let errors = 0;
  for (let s = errorsBefore; s < m.seq; s++)
    if (m.log.kindAt(s) === 'its.cmd' && (m.log.get(s)!.data as { outcome: string }).outcome !== 'ok')
      errors++;

  // Baseline: read and decode the same commands from the same memory.
  const words = new Array<number>(8);
  let sink = 0;
  const t1 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = i % slots;
    if (s === 0) for (let k = 0; k < slots && i + k < n; k++) writeSlot(k, stream[i + k]!);
    const a = q.base + s * 32;
    for (let w = 0; w < 8; w++) words[w] = memReadU32(m.s.mem, a + 4 * w);
    sink += decodeCommand(wordsFromU32(words)).opcode;
  }
  const baselineSeconds = (performance.now() - t1) / 1000;
  if (sink === -1) console.log(sink);
  void LAYOUT;
  return {
    profile,
    commands: n,
    seconds,
    perSecond: n / seconds,
    errors,
    baselinePerSecond: n / baselineSeconds,
    ratio: n / baselineSeconds / (n / seconds),
  };
}
