/**
 * Anything that can change which interrupt a CPU interface should signal (a pending bit, an
 * enable, a priority, PMR, an active priority) marks that CPU interface dirty. One 'gic.update'
 * task per CPU interface is then queued, after the signalling latency; it recomputes the highest
 * priority pending interrupt and the IRQ/FIQ outputs and emits an event only if they changed.
 * Several changes in a row therefore cost one recomputation, as a real GIC's pipelined update does.
 */

import { schedule } from '../sim/kernel';
import type { GicMachine } from './gic-machine';

export function markDirty(m: GicMachine, cpu: number): void {
  const c = m.s.gic.cpu[cpu];
  if (!c || c.updateQueued) return;
  c.updateQueued = true;
  schedule(m, m.gicTiming.signal, 'gic.update', cpu);
}

export function markAllDirty(m: GicMachine): void {
  for (let i = 0; i < m.s.gic.cpu.length; i++) markDirty(m, i);
}
