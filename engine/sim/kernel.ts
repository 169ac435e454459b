/**
 * The discrete-event kernel: model clock, task dispatch, event emission with cause links.
 *
 * One step runs tasks from the queue until one of them emits an event; a task emits at most one
 * event, so the state after step n is exactly the state after event n, and stepping back with
 * `seek` can land on any event. A handler that has more to say schedules a follow-up task (delay
 * 0 keeps the order: same-time tasks run in the order they were scheduled).
 *
 * Every task carries the seq of the event that scheduled it; the event it emits records that seq as
 * its cause, which is how the UI walks an MSI back to the device write that started it.
 *
 * Outside inputs (a register write from the scenario, a device's MSI) are applied between steps by
 * `applyInput`; each emits one event with no cause and is journalled by the history for replay.
 */

import type { EventLog } from './event-log';
import type { PayloadKind } from './event-payload';
import type { Unit } from './unit-names';
import type { RngState } from './rng';
import { queuePeek, queuePop, queuePush, type Task, type TaskQueueState } from './task-queue';

export interface CoreState {
  /** Model time, ns. */
  time: number;
  /** Number of events emitted so far: the seq the next event gets. */
  seq: number;
  /**
   * Number of tasks run so far. Some tasks find nothing to do and emit nothing (a recomputation
   * that changes nothing), yet clear a flag; the history records this count with each input so a
   * replay applies the input after exactly the same tasks as the original run.
   */
  tasks: number;
  rng: RngState;
  queue: TaskQueueState;
}

/** The part of a machine the kernel works on. `s` is replaced wholesale on restore. */
export interface SimContext<S extends { core: CoreState } = { core: CoreState }> {
  s: S;
  log: EventLog;
  /** seq that the running task's event gets; causes for tasks it schedules. */
  cur: number;
  /** cause of the running task (-1 for an input). */
  cause: number;
  emitted: boolean;
  scheduled: boolean;
  /**
   * Set on a context that runs shared code for one part of a larger machine (a VM's virtual ITS
   * runs engine/its on the VM's state): the tasks it schedules are wrapped as a SCOPED_TASK
   * carrying this scope, and the machine's handler for it unwraps them onto the same context.
   */
  scope?: number;
}

/** The task kind a scoped context's tasks travel under (see SimContext.scope). */
export const SCOPED_TASK = 'scoped';

/** The arguments of a SCOPED_TASK. */
export interface ScopedTask {
  scope: number;
  k: string;
  a: unknown;
}

export class InternalError extends Error {}

export type Handler<M, A = never> = (m: M, a: A) => void;
export type HandlerTable<M> = Record<string, Handler<M, never>>;

/**
 * Records one event for the running task. Positional ids keep the hot path allocation-free;
 * -1 means "none". `asText`: keep the data as JSON text (for large, JSON-only data such as an
 * ITS command's; see EventLog.put).
 */
export function emit(
  m: SimContext,
  kind: string,
  unit: Unit,
  cpu: number,
  its: number,
  intid: number,
  devid: number,
  eventid: number,
  data?: unknown,
  asText = false,
): number {
  if (m.emitted) throw new InternalError(`a task emitted a second event (${kind})`);
  const core = m.s.core;
  const seq = core.seq;
  m.log.put(seq, core.time, kind, unit, m.cause, cpu, its, intid, devid, eventid, data, asText);
  core.seq = seq + 1;
  m.emitted = true;
  return seq;
}

/**
 * emit() for a kind with a packed payload (event-payload.ts): the payload's field values follow
 * the identifiers, in the declared order. Typed through the payload's value tuple; the values
 * travel as plain positional arguments, so nothing is allocated per event.
 */
export const emitPacked = emitPackedImpl as unknown as <V extends readonly unknown[]>(
  m: SimContext,
  p: PayloadKind<V>,
  unit: Unit,
  cpu: number,
  its: number,
  intid: number,
  devid: number,
  eventid: number,
  ...values: V
) => number;

function emitPackedImpl(
  m: SimContext,
  p: PayloadKind,
  unit: Unit,
  cpu: number,
  its: number,
  intid: number,
  devid: number,
  eventid: number,
  a?: unknown,
  b?: unknown,
  c?: unknown,
  d?: unknown,
  e?: unknown,
  f?: unknown,
  g?: unknown,
  h?: unknown,
): number {
  if (m.emitted) throw new InternalError(`a task emitted a second event (${p.kind})`);
  const core = m.s.core;
  const seq = core.seq;
  m.log.putPacked(seq, core.time, p, unit, m.cause, cpu, its, intid, devid, eventid, a, b, c, d, e, f, g, h);
  core.seq = seq + 1;
  m.emitted = true;
  return seq;
}

/** Schedules a task `delay` ns from now, caused by the event the running task emits. */
export function schedule<A>(m: SimContext, delay: number, kind: string, args: A): void {
  m.scheduled = true;
  const core = m.s.core;
  if (m.scope === undefined) queuePush(core.queue, core.time + delay, m.cur, kind, args);
  else
    queuePush<ScopedTask>(core.queue, core.time + delay, m.cur, SCOPED_TASK, {
      scope: m.scope,
      k: kind,
      a: args,
    });
}

function runTask<M extends SimContext>(m: M, handlers: HandlerTable<M>, task: Task): void {
  const core = m.s.core;
  if (task.t > core.time) core.time = task.t;
  core.tasks++;
  const h = handlers[task.k] as Handler<M, unknown> | undefined;
  if (!h) throw new InternalError(`no handler for task '${task.k}'`);
  m.cause = task.cause;
  m.cur = core.seq;
  m.emitted = false;
  m.scheduled = false;
  h(m, task.a);
  if (m.scheduled && !m.emitted)
    throw new InternalError(`task '${task.k}' scheduled work but emitted no event`);
}

/**
 * Runs tasks until one emits an event (returns its seq) or the queue is empty (returns -1).
 * `until` bounds model time: tasks due later stay queued.
 */
export function step<M extends SimContext>(m: M, handlers: HandlerTable<M>, until = Infinity): number {
  const core = m.s.core;
  for (;;) {
    const next = queuePeek(core.queue);
    if (!next || next.t > until) return -1;
    queuePop(core.queue);
    runTask(m, handlers, next);
    if (m.emitted) return core.seq - 1;
  }
}

/** Applies an outside input now; it must emit exactly one event (its seq is returned). */
export function applyInput<M extends SimContext, A>(m: M, handler: Handler<M, A>, args: A): number {
  const core = m.s.core;
  m.cause = -1;
  m.cur = core.seq;
  m.emitted = false;
  m.scheduled = false;
  handler(m, args);
  if (!m.emitted) throw new InternalError('an input emitted no event');
  return core.seq - 1;
}

/**
 * Runs queued tasks until `tasks` tasks have run in all; they must emit nothing (they are the
 * silent tasks that ran before an input in the original run). Returns false if one emitted.
 */
export function runSilentTasks<M extends SimContext>(
  m: M,
  handlers: HandlerTable<M>,
  tasks: number,
): boolean {
  const core = m.s.core;
  while (core.tasks < tasks) {
    const next = queuePop(core.queue);
    if (!next) return false;
    runTask(m, handlers, next);
    if (m.emitted) return false;
  }
  return true;
}

export function pendingTasks(m: SimContext): number {
  return m.s.core.queue.heap.length;
}

export function nextTaskTime(m: SimContext): number | undefined {
  return queuePeek(m.s.core.queue)?.t;
}
