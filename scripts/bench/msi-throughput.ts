/**
 * MSIs per second through the whole path (device write -> ITS translation -> redistributor
 * pending -> CPU interface -> the PE acknowledges and EOIs), event recording on, with 64 devices
 * x 32 events on 16 CPUs; against a minimal loop, on the same machine, that does only the table
 * lookups (DTE, ITE, CTE, with the engine's own lookup functions) and sets and clears the pending
 * bit at the target redistributor. Budget: at most 5x. The machine keeps its default snapshot
 * policy, so the cost of keeping history for time travel is included.
 *
 * A third figure says where the floor is: the discrete-event kernel alone, running as many tasks
 * and recording as many events (packed, four numbers each) per MSI as the real path does, with no
 * model behind them. No model can be faster than its kernel; docs/performance.md reads the three.
 */

import type { ProfileName } from '../../engine/gic/gic-rules';
import { lookupCollection, lookupDevice, lookupEvent } from '../../engine/its/lookup';
import { deviceIdOf } from '../../engine/platform/pci';
import { EventLog } from '../../engine/sim/event-log';
import { payloadKind } from '../../engine/sim/event-payload';
import {
  applyInput,
  emitPacked,
  schedule,
  step,
  type HandlerTable,
  type SimContext,
} from '../../engine/sim/kernel';
import { rngSeed } from '../../engine/sim/rng';
import { createTaskQueue } from '../../engine/sim/task-queue';
import { unitId } from '../../engine/sim/unit-names';
import { buildRig } from './setup';

export interface MsiFigures {
  profile: ProfileName;
  msis: number;
  seconds: number;
  perSecond: number;
  eventsPerMsi: number;
  minimalPerSecond: number;
  ratio: number;
  /** The kernel alone, same number of tasks and recorded events per MSI, no model. */
  kernelFloorPerSecond: number;
}

const FLOOR_EVENT = payloadKind('bench.floor', [
  ['a', 'num'],
  ['b', 'num'],
  ['c', 'num'],
  ['d', 'num'],
] as const);

/** Inputs per second when each input makes the kernel run `events` tasks, each recording one event. */
function kernelFloor(events: number, n: number): number {
  const m: SimContext = {
    s: { core: { time: 0, seq: 0, tasks: 0, rng: rngSeed(1), queue: createTaskQueue() } },
    log: new EventLog(),
    cur: 0,
    cause: -1,
    emitted: false,
    scheduled: false,
  };
  const unit = unitId('bench');
  const hop = (c: SimContext, left: number): void => {
    emitPacked(c, FLOOR_EVENT, unit, left & 15, -1, 8192 + left, -1, -1, left, 160, 1, 0);
    if (left > 1) schedule(c, 10, 'hop', left - 1);
  };
  const handlers: HandlerTable<SimContext> = { hop: hop };
  const fire = (): void => {
    applyInput(m, hop, events);
    while (step(m, handlers) >= 0);
  };
  for (let i = 0; i < 20_000; i++) fire();
  const t = performance.now();
  for (let i = 0; i < n; i++) fire();
  return n / ((performance.now() - t) / 1000);
}

export function msiThroughput(
  profile: ProfileName,
  msis = 100_000,
  cpus = 16,
  devices = 64,
  events = 32,
): MsiFigures {
  const rig = buildRig(profile, cpus, devices, events);
  const m = rig.machine;
  const devs = m.s.machine.devices;
  // Warm up the JIT and, where there is one, the translation cache.
  const fire = (i: number): void => {
    const d = devs[i % devices]!;
    m.input({
      kind: 'msi',
      device: d.name,
      rid: d.rid,
      devid: deviceIdOf(d),
      its: 0,
      eventid: Math.floor(i / devices) % events,
    });
    m.run({ maxEvents: 1000 });
  };
  for (let i = 0; i < devices * events; i++) fire(i);
  const seq0 = m.seq;
  const t0 = performance.now();
  for (let i = 0; i < msis; i++) fire(i);
  const seconds = (performance.now() - t0) / 1000;
  const eventsPerMsi = (m.seq - seq0) / msis;

  // The minimal loop: the engine's own lookups (DTE, ITE, CTE; lists under kvm, tables in memory
  // otherwise) and the pending bit at the target redistributor, set and cleared again (the
  // acknowledge); no tasks, no events, no CPU interface, no software.
  const its = m.s.its[0]!;
  let sink = 0;
  const lookup = (i: number): void => {
    const devid = (i % devices) + 1;
    const eventid = Math.floor(i / devices) % events;
    const d = lookupDevice(m, its, devid, null);
    if (!d.ok) throw new Error(d.reason);
    const e = lookupEvent(m, its, devid, d.value, eventid, null);
    if (!e.ok) throw new Error(e.reason);
    const c = lookupCollection(m, its, e.value.icid, null);
    if (!c.ok) throw new Error(c.reason);
    const rd = m.s.gic.rd[c.value.cpu]!;
    rd.lpiPending.add(e.value.intid);
    rd.lpiPending.delete(e.value.intid);
    sink += c.value.cpu;
  };
  for (let i = 0; i < 100_000; i++) lookup(i);
  const n = 1_000_000;
  const t1 = performance.now();
  for (let i = 0; i < n; i++) lookup(i);
  const minimalSeconds = (performance.now() - t1) / 1000;
  if (sink === -1) console.log(sink);
  const perSecond = msis / seconds;
  const minimalPerSecond = n / minimalSeconds;
  const kernelFloorPerSecond = kernelFloor(Math.round(eventsPerMsi), msis);
  return {
    profile,
    msis,
    seconds,
    perSecond,
    eventsPerMsi,
    minimalPerSecond,
    ratio: minimalPerSecond / perSecond,
    kernelFloorPerSecond,
  };
}
