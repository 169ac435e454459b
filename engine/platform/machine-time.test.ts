import { describe, expect, it } from 'vitest';
import { Machine } from './machine';
import { resolveMachine } from './machine-config';

function machine(): Machine {
  const r = resolveMachine({ cpus: 2 });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return Machine.create(r.machine);
}

const write = (addr: number): Parameters<Machine['input']>[0] => ({
  kind: 'mem-write',
  addr,
  bytes: [1],
});

describe('model time across seeks', () => {
  it('a seek back to the end restores time that passed after the last event', () => {
    const m = machine();
    m.input(write(0x4000_0000));
    m.run();
    const last = m.time;
    m.advanceTo(last + 5_000);
    expect(m.time).toBe(last + 5_000);
    m.seek(0);
    m.seek(m.log.length);
    expect(m.time).toBe(last + 5_000);
  });

  it('a new branch forgets the time the old end had', () => {
    const m = machine();
    m.input(write(0x4000_0000));
    m.run();
    m.input(write(0x4000_0010));
    m.run();
    m.advanceTo(m.time + 1_000_000);
    m.seek(1);
    m.input(write(0x4000_0020)); // the history after event 1 is replaced
    m.run();
    const end = m.time;
    m.seek(0);
    m.seek(m.log.length);
    expect(m.time).toBe(end);
    expect(end).toBeLessThan(1_000_000);
  });
});
