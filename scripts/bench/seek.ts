/**
 * Time travel on a long history: build a 1,000,000-event history (an MSI storm on 16 CPUs, 64
 * devices x 32 events), then seek to event 900,000 again and again (to neighbouring targets, so
 * each seek replays a different distance from its snapshot) and report the median. Budget: under
 * 50 ms. Baseline, measured in the same run: the same seek with no snapshots at all, i.e. replaying
 * 900,000 events from the start, which is what the snapshots are there to avoid.
 */

import type { ProfileName } from '../../engine/gic/gic-rules';
import { deviceIdOf } from '../../engine/platform/pci';
import { buildRig } from './setup';

export interface SeekFigures {
  profile: ProfileName;
  history: number;
  snapshots: number;
  medianMs: number;
  maxMs: number;
  baselineMs: number;
  buildSeconds: number;
}

export function seekBench(
  profile: ProfileName,
  history = 1_000_000,
  target = 900_000,
  samples = 15,
): SeekFigures {
  const t0 = performance.now();
  const rig = buildRig(profile, 16, 64, 32);
  const m = rig.machine;
  const devs = m.s.machine.devices;
  for (let i = 0; m.seq < history; i++) {
    const d = devs[i % devs.length]!;
    m.input({
      kind: 'msi',
      device: d.name,
      rid: d.rid,
      devid: deviceIdOf(d),
      its: 0,
      eventid: Math.floor(i / devs.length) % 32,
    });
    m.run({ maxEvents: 1000 });
  }
  const buildSeconds = (performance.now() - t0) / 1000;
  const times: number[] = [];
  for (let k = 0; k < samples; k++) {
    const t = target + ((k * 7919) % 2000) - 1000;
    m.seek(history - 10);
    const s0 = performance.now();
    m.seek(t);
    times.push(performance.now() - s0);
    if (m.seq !== t) throw new Error(`seek landed at ${m.seq}, not ${t}`);
  }
  times.sort((a, b) => a - b);
  // Without snapshots: only the initial state, replayed forward to the target.
  const h = m.history as unknown as { snaps: unknown[] };
  const keep = h.snaps;
  h.snaps = keep.slice(0, 1);
  const b0 = performance.now();
  m.seek(target);
  const baselineMs = performance.now() - b0;
  h.snaps = keep;
  return {
    profile,
    history: m.log.length,
    snapshots: keep.length,
    medianMs: times[Math.floor(times.length / 2)]!,
    maxMs: times[times.length - 1]!,
    baselineMs,
    buildSeconds,
  };
}
