/**
 * The two ways a passed-through device's MSI reaches a guest, as the history took them, beside
 * what the cost model says each costs (engine/kvm/cost-model.ts through v4-inspect.ts):
 *
 *  - direct (GICv4): pci.msi -> the host ITS (DT, ITT: a virtual ITE, the vPE table) -> gicr.vlpi
 *    at the vPE's redistributor (-> gicr.doorbell when it is not resident, the host's doorbell
 *    handler, a kick, the vCPU loaded again) -> the guest's icv.ack, with no list register;
 *  - software (VFIO): pci.msi -> the host ITS -> a host LPI -> the host takes it, VFIO's handler
 *    (vfio.irq) -> eventfd -> irqfd -> the virtual ITS -> vgic -> a kick, an exit, an entry with
 *    the vLPI in a list register -> the guest's icv.ack.
 *
 * Each event belongs to the chain of the outside input it descends from (its causes); an MSI's
 * chain is every event whose first cause is its pci.msi. The index keeps, per MSI, what its chain
 * did up to the guest's acknowledge: which path, how many events, exits and host interrupts, and
 * the model time from the write to the acknowledge (the measured modelled latency). It is built
 * once per history and extended as it grows (one number per event: its chain's MSI).
 */

import { modelledPaths, type Machine } from '../../engine';
import type { PathRun, PathsView } from './api';
import { lastIndexBefore, logIndex, type LogIndex } from './log-index';

/** Most events of a chain a run keeps to show. */
export const PATH_STEPS = 64;

/**
 * An MSI's run as the index grows it: the message's fields (api.ts's PathRun), with the model times
 * of the MSI and of the guest's acknowledge (the latency is their difference), its steps as seqs,
 * and the path 'host' until an event says which of the guest's paths it is on.
 */
type Run = Omit<PathRun, 'path' | 'steps' | 'latencyNs'> & {
  time: number;
  ackTime?: number;
  path: PathRun['path'] | 'host';
  steps: number[];
};

export interface PathIndex extends LogIndex {
  /** The seq of the pci.msi each event descends from, -1 for none. */
  root: Int32Array;
  runs: Run[];
  byMsi: Map<number, Run>;
}

/** `a`, or a copy at least `n` long (doubling, so growing one event at a time stays linear). */
function grow(a: Int32Array, n: number): Int32Array {
  if (a.length >= n) return a;
  const b = new Int32Array(Math.max(n, a.length * 2, 1024));
  b.set(a);
  return b;
}

function apply(ix: PathIndex, m: Machine, seq: number): void {
  const log = m.log;
  const kind = log.kindAt(seq) ?? '';
  const cause = log.causeAt(seq);
  ix.root = grow(ix.root, seq + 1);
  let root = kind === 'pci.msi' ? seq : cause >= 0 && cause < seq ? ix.root[cause]! : -1;
  if (kind === 'pci.msi') {
    const e = log.get(seq)!;
    const d = (e.data ?? {}) as { device?: unknown };
    const run: Run = {
      msi: seq,
      time: e.time,
      device: typeof d.device === 'string' ? d.device : '',
      devid: e.devid ?? -1,
      eventid: e.eventid ?? -1,
      path: 'host',
      doorbell: false,
      events: 0,
      exits: 0,
      hostIrqs: 0,
      steps: [],
      stepsCapped: false,
    };
    ix.runs.push(run);
    ix.byMsi.set(seq, run);
    root = seq;
  }
  ix.root[seq] = root;
  if (root < 0) return;
  const run = ix.byMsi.get(root);
  if (!run || run.ack !== undefined) return;
  run.events++;
  if (run.steps.length < PATH_STEPS) run.steps.push(seq);
  else run.stepsCapped = true;
  switch (kind) {
    case 'its.dte':
    case 'its.ite': {
      // The device's translation tells who the event belongs to: a virtual ITE names a vPE.
      const e = log.get(seq)!;
      if (kind === 'its.ite' && typeof (e.data as { vpeid?: unknown } | undefined)?.vpeid === 'number')
        run.path = 'direct';
      break;
    }
    case 'gicr.vlpi':
      run.path = 'direct';
      break;
    case 'vfio.irq':
      run.path = 'software';
      break;
    case 'gicr.doorbell':
      run.doorbell = true;
      break;
    case 'vcpu.exit':
      run.exits++;
      break;
    case 'icc.ack':
      run.hostIrqs++;
      break;
    case 'icv.ack': {
      const e = log.get(seq)!;
      const d = (e.data ?? {}) as { vm?: unknown; vcpu?: unknown; direct?: unknown };
      if (e.intid === undefined || e.intid === 1023) break;
      run.ack = seq;
      run.ackTime = e.time;
      run.vintid = e.intid;
      if (typeof d.vm === 'number') run.vm = d.vm;
      if (typeof d.vcpu === 'number') run.vcpu = d.vcpu;
      if (d.direct === true) run.path = 'direct';
      else if (run.path === 'host') run.path = 'software';
      break;
    }
  }
}

/** The path index of `m`'s history, brought up to the end of its log (every event counts). */
export const pathIndex = logIndex<PathIndex>(
  () => ({ upTo: 0, root: new Int32Array(0), runs: [], byMsi: new Map() }),
  apply,
);

function described(m: Machine, r: Run): PathRun {
  const { time, ackTime, path, steps, ...rest } = r;
  return {
    ...rest,
    path: path === 'host' ? 'software' : path,
    steps: steps.map((seq) => {
      const e = m.log.get(seq)!;
      return { seq, kind: e.kind, at: e.time - time };
    }),
    ...(r.ack !== undefined ? { latencyNs: (ackTime ?? time) - time } : {}),
  };
}

/** A run reached a guest, or is on a guest's path (a VFIO handler or a vLPI on the way). */
const toGuest = (r: Run): boolean => r.path !== 'host';

/** The index of the last run whose MSI is before position p (runs are in seq order), or -1. */
const lastRunBefore = (runs: Run[], p: number): number => lastIndexBefore(runs, p, (r) => r.msi);

/** The latest run of `path` before p, else the first after it. */
function latest(runs: Run[], p: number, path: 'direct' | 'software'): Run | undefined {
  for (let i = lastRunBefore(runs, p); i >= 0; i--) if (runs[i]!.path === path) return runs[i];
  return runs.find((r) => r.path === path);
}

/** The paths view at position p: the MSI it is about, the latest of each path, the cost model's figures. */
export function pathsView(m: Machine, position: number): PathsView {
  const ix = pathIndex(m);
  const p = Math.max(0, Math.min(m.log.length, Math.floor(position)));
  const root = p > 0 ? ix.root[p - 1]! : -1;
  let cur = root >= 0 ? ix.byMsi.get(root) : undefined;
  if (!cur || !toGuest(cur)) {
    cur = undefined;
    for (let i = lastRunBefore(ix.runs, p); i >= 0 && !cur; i--) if (toGuest(ix.runs[i]!)) cur = ix.runs[i];
  }
  const direct = latest(ix.runs, p, 'direct');
  const software = latest(ix.runs, p, 'software');
  return {
    ok: true,
    ...(cur ? { current: described(m, cur) } : {}),
    ...(direct ? { direct: described(m, direct) } : {}),
    ...(software ? { software: described(m, software) } : {}),
    counts: {
      direct: ix.runs.filter((r) => r.path === 'direct').length,
      software: ix.runs.filter((r) => r.path === 'software').length,
    },
    modelled: modelledPaths(m),
  };
}
