import { describe, expect, it } from 'vitest';
import { createGicState } from './gic-state';
import { canSignal, dropPriority, groupPriorityMask, runningPriority, setActivePriority } from './priority';

const cpuIf = (bits = 5) =>
  createGicState(
    {
      version: 3,
      affinity: [0],
      spis: 32,
      distBase: 0,
      redistBase: 0x10000,
      lpis: false,
      priorityBits: bits,
    },
    { gicdCtlr: 0, waker: 0, group: 0, sgisEnabled: false, pendbaser: 0n, propbaser: 0n },
  ).cpu[0]!;

describe('CPU interface priorities', () => {
  it('resets the binary points to their minimum for 5 priority bits', () => {
    const c = cpuIf(5);
    expect(c.bpr0).toBe(2);
    expect(c.bpr1).toBe(3);
    expect(groupPriorityMask(c, 1)).toBe(0xf8);
    expect(groupPriorityMask(c, 0)).toBe(0xf8);
  });

  it('tracks active priorities and the running priority through acknowledge and drop', () => {
    const c = cpuIf(5);
    expect(runningPriority(c, 5)).toBe(0xff);
    setActivePriority(c, 5, 1, 0xa0);
    expect(c.apr[4]).toBe(1 << (0xa0 >> 3));
    expect(runningPriority(c, 5)).toBe(0xa0);
    setActivePriority(c, 5, 1, 0x80);
    expect(runningPriority(c, 5)).toBe(0x80);
    expect(dropPriority(c, 5)).toEqual({ group: 1, prio: 0x80 });
    expect(runningPriority(c, 5)).toBe(0xa0);
    expect(dropPriority(c, 5)).toEqual({ group: 1, prio: 0xa0 });
    expect(dropPriority(c, 5)).toBeUndefined();
  });

  it('signals only above the priority mask and above the running priority', () => {
    const c = cpuIf(5);
    c.igrpen1 = 1;
    c.pmr = 0xf0;
    expect(canSignal(c, 5, 1, 0xa0)).toBe(true);
    expect(canSignal(c, 5, 1, 0xf0)).toBe(false);
    setActivePriority(c, 5, 1, 0xa0);
    expect(canSignal(c, 5, 1, 0xa0)).toBe(false);
    expect(canSignal(c, 5, 1, 0x90)).toBe(true);
    c.igrpen1 = 0;
    expect(canSignal(c, 5, 1, 0x90)).toBe(false);
  });

  it('lets a coarser binary point stop preemption between close priorities', () => {
    const c = cpuIf(8);
    c.igrpen1 = 1;
    c.pmr = 0xff;
    setActivePriority(c, 8, 1, 0xa0);
    expect(canSignal(c, 8, 1, 0x98)).toBe(true);
    c.bpr1 = 6; // group priority [7:6]: 0x98 and 0xa0 are both group priority 0x80
    expect(canSignal(c, 8, 1, 0x98)).toBe(false);
    expect(canSignal(c, 8, 1, 0x40)).toBe(true);
  });
});
