/**
 * A machine: the state of a GICv3 system with its ITSs, memory and the software on its PEs, the
 * event log it writes, and its history. It is the one object hosts drive: apply inputs, step, run
 * until a condition, seek to any earlier event, snapshot to JSON and restore.
 *
 * The state (`s`) is plain data; this class only holds it and the things derived from the machine
 * description (rules, latencies, the task table). Tests create as many machines as they like.
 */

import { isGicV4 } from '../gic/gic-config';
import { DEFAULT_GIC_TIMING, type GicTiming } from '../gic/gic-machine';
import { GIC_RULES, type GicRules, type ProfileName } from '../gic/gic-rules';
import { createGicState } from '../gic/gic-state';
import { GIC_KVM_LPIS } from '../gic/lpi';
import { GIC_HANDLERS } from '../gic/gic-tasks';
import { DEFAULT_ITS_TIMING, type ItsTiming } from '../its/its-machine';
import type { ItsMachine, KvmLpiStore } from '../its/its-machine';
import { itsRulesFor, type ItsRules } from '../its/its-rules';
import { createItsState } from '../its/its-state';
import { ITS_HANDLERS } from '../its/its-tasks';
import { createMemory, memShare } from '../mem/memory';
import { EventLog, type SimEvent } from '../sim/event-log';
import { DEFAULT_SNAPSHOTS, History, replayTo, type SnapshotPolicy } from '../sim/history';
import {
  applyInput,
  InternalError,
  runSilentTasks,
  step,
  type CoreState,
  type HandlerTable,
} from '../sim/kernel';
import { clonePlain } from '../sim/plain-codec';
import { rngSeed } from '../sim/rng';
import { itsUnit } from '../sim/unit-names';
import { createTaskQueue, queuePeek } from '../sim/task-queue';
import { applyInputTo, type Input } from './inputs';
import type { ResolvedMachine } from './machine-config';
import { deserialiseState, serialiseState } from './migrate';
import type { MachineState, PlatformMachine } from './platform-machine';
import { machineExtensions } from './machine-extension';
import { createSoftware, DEFAULT_SOFTWARE_TIMING, SOFTWARE_HANDLERS, type SoftwareTiming } from './software';

const BASE_HANDLERS = {
  ...GIC_HANDLERS,
  ...ITS_HANDLERS,
  ...SOFTWARE_HANDLERS,
} as unknown as HandlerTable<Machine>;

/** The platform's handlers and every registered extension's (machine-extension.ts). */
function handlers(): HandlerTable<Machine> {
  const out = { ...BASE_HANDLERS };
  for (const e of machineExtensions()) Object.assign(out, e.handlers);
  return out;
}

function timingFrom<T extends object>(prefix: string, defaults: T, overrides: Record<string, number>): T {
  const out = { ...defaults } as Record<string, number>;
  for (const k of Object.keys(out)) {
    const v = overrides[`${prefix}.${k}`];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[k] = v;
  }
  return out as T;
}

export function initialState(r: ResolvedMachine): MachineState {
  const rules = GIC_RULES[r.profile];
  const core: CoreState = { time: 0, seq: 0, tasks: 0, rng: rngSeed(r.seed), queue: createTaskQueue() };
  const gic = createGicState(r.gic, {
    gicdCtlr: 0,
    waker: rules.waker === 'raz-wi' ? 0 : 6,
    group: rules.resetGroup,
    sgisEnabled: rules.sgisEnabledAtReset,
    pendbaser: BigInt(rules.lpiBaserResetAttrs),
    propbaser: r.its.length > 0 ? BigInt(rules.lpiBaserResetAttrs) : 0n,
  });
  const state: MachineState = {
    version: 1,
    machine: clonePlain(r),
    core,
    mem: createMemory(r.memory),
    gic,
    // A GICv4's ITSs (not KVM's) have virtual LPI support, hence a vPE table (GITS_BASER2).
    its: r.its.map((cfg, i) =>
      createItsState(
        i,
        cfg,
        r.profile === 'kvm',
        r.profile !== 'kvm' && isGicV4(r.gic) ? itsRulesFor(r.profile, r.gic.version).vteBytes : 0,
      ),
    ),
    sw: r.software.map((p) => createSoftware(p)),
  };
  for (const e of machineExtensions()) e.init?.(r, state);
  return state;
}

/**
 * What cloning a state costs, in estimated microseconds (clonePlain, measured on the benchmark
 * machine): a fixed price, about a microsecond and a half per redistributor (its typed arrays),
 * about 0.2 us per object held in a map (KVM's LPIs and ITEs, cache entries), 0.15 us per memory
 * page (the page map is copied, not the pages) and a fiftieth of a microsecond per number in a map
 * or set.
 */
export function stateWeight(s: MachineState): number {
  let objects = s.gic.lpis.size;
  let numbers = 0;
  for (const rd of s.gic.rd) numbers += rd.lpiPending.size + rd.lpiConfig.size;
  for (const its of s.its) {
    objects += its.cache.size;
    numbers += its.collections.size;
    for (const d of its.devices.values()) objects += 1 + d.ites.size;
  }
  let weight = 0;
  for (const e of machineExtensions()) weight += e.weigh?.(s) ?? 0;
  return 12 + s.gic.rd.length * 1.5 + objects * 0.2 + s.mem.pages.size * 0.15 + numbers * 0.02 + weight;
}

/** A copy of a state that shares memory pages copy-on-write. */
export function cloneState(s: MachineState): MachineState {
  const { mem, ...rest } = s;
  const copy = clonePlain(rest);
  const out: MachineState = {
    version: copy.version,
    machine: copy.machine,
    core: copy.core,
    mem: memShare(mem),
    gic: copy.gic,
    its: copy.its,
    sw: copy.sw,
  };
  for (const e of machineExtensions()) e.clone?.(s, out);
  return out;
}

export type StopReason = 'idle' | 'stop' | 'budget' | 'time';

export interface RunResult {
  reason: StopReason;
  /** Events emitted by this run. */
  events: number;
}

export class Machine implements PlatformMachine {
  s: MachineState;
  readonly log: EventLog;
  cur = 0;
  cause = -1;
  emitted = false;
  scheduled = false;
  notes: string[] = [];
  readonly profile: ProfileName;
  readonly gicRules: GicRules;
  readonly itsRules: ItsRules;
  readonly gicTiming: GicTiming;
  readonly itsTiming: ItsTiming;
  readonly swTiming: SoftwareTiming;
  readonly kvmLpis: KvmLpiStore<ItsMachine<MachineState>> = GIC_KVM_LPIS;
  readonly itsUnit = itsUnit;
  readonly history: History<MachineState, Input>;
  /** Task handlers: the platform's and its extensions'. */
  private readonly handlers = handlers();
  /**
   * Model time let pass after the history's last event with no event of its own (a trailing
   * `wait`): replay restores the time of events, so seeking back to the end restores this too.
   */
  private endTime = 0;

  /** `snapshots`: the snapshot policy, or a fixed interval (tests use small ones to exercise replay). */
  constructor(state: MachineState, snapshots: SnapshotPolicy | number = DEFAULT_SNAPSHOTS) {
    this.s = state;
    this.log = new EventLog(state.core.seq);
    const r = state.machine;
    this.profile = r.profile;
    this.gicRules = GIC_RULES[r.profile];
    this.itsRules = itsRulesFor(r.profile, r.gic.version);
    this.gicTiming = timingFrom('gic', DEFAULT_GIC_TIMING, r.timing);
    this.itsTiming = timingFrom('its', DEFAULT_ITS_TIMING, r.timing);
    this.swTiming = timingFrom('sw', DEFAULT_SOFTWARE_TIMING, r.timing);
    const policy =
      typeof snapshots === 'number'
        ? { perWeight: 0, minInterval: snapshots, maxInterval: snapshots }
        : snapshots;
    this.history = new History<MachineState, Input>({ clone: cloneState, weigh: stateWeight }, state, policy);
  }

  static create(r: ResolvedMachine, snapshots?: SnapshotPolicy | number): Machine {
    return new Machine(initialState(r), snapshots);
  }

  /**
   * Restores a snapshot (from `snapshot()`) into a fresh machine. Its history starts there: event
   * numbers go on from the snapshot's, and the events before it are not in the new log.
   */
  static fromSnapshot(text: string): Machine {
    let s: MachineState;
    try {
      s = deserialiseState(text);
    } catch (e) {
      throw new Error(`not a GIC Lab machine snapshot: ${(e as Error).message}`, { cause: e });
    }
    if (!s || s.version !== 1 || !s.machine || !s.core)
      throw new Error('not a GIC Lab machine snapshot (version 1)');
    return new Machine(s);
  }

  get seq(): number {
    return this.s.core.seq;
  }

  get time(): number {
    return this.s.core.time;
  }

  snapshot(): string {
    return serialiseState(this.s);
  }

  /**
   * Applies an outside input now (a new branch of history if we had stepped back). Returns the
   * seq of its event (`log.get(seq)` reads it; MSI storms never need to).
   */
  input(i: Input): number {
    const seq = this.s.core.seq;
    if (seq < this.log.length) {
      this.log.truncate(seq);
      this.history.branch(seq);
      this.endTime = 0;
    }
    this.history.record(seq, this.s.core.tasks, this.s.core.time, i);
    applyInput(this, applyInputTo, i);
    this.history.afterEvent(this.s);
    return seq;
  }

  /** One event; undefined when nothing is left to do (or the next task is after `until`). */
  step(until = Infinity): SimEvent | undefined {
    const seq = this.stepSeq(until);
    return seq < 0 ? undefined : this.log.get(seq);
  }

  /** One event, returning its seq (-1: nothing to do); no event object is built. */
  private stepSeq(until: number): number {
    if (this.s.core.seq < this.log.length && this.s.core.seq === this.nextJournalSeq()) {
      // Stepping forward over history we already have: an input was applied here.
      return this.replayForward();
    }
    const seq = step(this, this.handlers, until);
    if (seq >= 0) this.history.afterEvent(this.s);
    return seq;
  }

  private nextJournalSeq(): number {
    const j = this.history.journal;
    const k = this.history.firstInputAtOrAfter(this.s.core.seq);
    return k < j.length ? j[k]!.seq : -1;
  }

  private replayForward(): number {
    const j = this.history.journal[this.history.firstInputAtOrAfter(this.s.core.seq)]!;
    const seq = this.s.core.seq;
    if (!runSilentTasks(this, this.handlers, j.tasks))
      throw new InternalError(`replay diverged before the input at ${seq}`);
    this.s.core.time = j.time;
    applyInput(this, applyInputTo, j.input);
    this.history.afterEvent(this.s);
    return seq;
  }

  /**
   * Runs until `stop` says so for an event, nothing is left to do, `maxEvents` have been emitted,
   * or model time would pass `until`.
   */
  run(opts: { stop?: (seq: number) => boolean; maxEvents?: number; until?: number } = {}): RunResult {
    const max = opts.maxEvents ?? 1_000_000;
    const until = opts.until ?? Infinity;
    let n = 0;
    while (n < max) {
      const next = queuePeek(this.s.core.queue);
      const replaying = this.s.core.seq < this.log.length && this.s.core.seq === this.nextJournalSeq();
      if (!replaying) {
        if (!next) return { reason: 'idle', events: n };
        if (next.t > until) {
          this.s.core.time = Math.max(this.s.core.time, until);
          this.noteEndTime();
          return { reason: 'time', events: n };
        }
      }
      const seq = this.stepSeq(until);
      if (seq < 0) {
        if (!queuePeek(this.s.core.queue)) return { reason: 'idle', events: n };
        continue;
      }
      n++;
      if (opts.stop?.(seq)) return { reason: 'stop', events: n };
    }
    return { reason: 'budget', events: n };
  }

  /** Lets model time pass to `time` even if nothing happens (pending work due before it runs). */
  advanceTo(time: number, maxEvents?: number): RunResult {
    const r = this.run({ until: time, ...(maxEvents !== undefined ? { maxEvents } : {}) });
    if (r.reason === 'idle' && this.s.core.time < time) {
      this.s.core.time = time;
      this.noteEndTime();
    }
    return r;
  }

  private noteEndTime(): void {
    if (this.s.core.seq === this.log.length) this.endTime = this.s.core.time;
  }

  /** Puts the machine in the exact state it had after `seq` events. */
  seek(seq: number): void {
    replayTo(this, this.history, seq, this.handlers, (m, i) => applyInput(m, applyInputTo, i));
    if (this.s.core.seq === this.log.length && this.endTime > this.s.core.time)
      this.s.core.time = this.endTime;
  }

  /** Whether anything is left to do. */
  get idle(): boolean {
    return this.s.core.queue.heap.length === 0;
  }
}
