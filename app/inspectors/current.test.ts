import { describe, expect, it } from 'vitest';
import type { EventRow, Focus } from '../worker/api';
import { currentOf, followed } from './current';

const row = (over: Partial<EventRow>): EventRow => ({
  seq: 45,
  time: 0,
  kind: 'its.cte',
  unit: 'its0',
  text: '',
  cause: null,
  step: 7,
  ...over,
});

describe('current', () => {
  it('takes the ids from the event, and the collection or slot from the focus', () => {
    const cte: Focus = { seq: 45, kind: 'its.cte', places: [], entry: { table: 'ct', id: 1 } };
    expect(currentOf(row({ its: 0, devid: 16, eventid: 3, intid: 8195, cpu: 1 }), cte)).toEqual({
      seq: 45,
      kind: 'its.cte',
      its: 0,
      devid: 16,
      eventid: 3,
      intid: 8195,
      cpu: 1,
      icid: 1,
    });
    const cmd: Focus = { seq: 30, kind: 'its.cmd', places: [], entry: { table: 'queue', id: 0 } };
    expect(currentOf(row({ seq: 30, kind: 'its.cmd', its: 0, devid: 16 }), cmd).slot).toBe(0);
  });

  it('ignores a focus of another event, and names the ITS from the unit', () => {
    const stale: Focus = { seq: 44, kind: 'its.cte', places: [], entry: { table: 'ct', id: 1 } };
    const c = currentOf(row({ unit: 'its2' }), stale);
    expect(c.icid).toBeUndefined();
    expect(c.its).toBe(2);
    expect(currentOf(undefined, undefined)).toEqual({});
  });

  it("tells a VM's events from the host's by their unit: vm0's vITS 0 is not the host's ITS 0", () => {
    const host = currentOf(row({ its: 0, devid: 16 }), undefined, ['vm0']);
    expect(host.vm).toBeUndefined();
    expect(host.its).toBe(0);
    const cmd: Focus = { seq: 88, kind: 'its.cmd', places: [], entry: { table: 'queue', id: 2 } };
    const v = currentOf(row({ seq: 88, kind: 'its.cmd', unit: 'vm0.its0', its: 0, devid: 16 }), cmd, ['vm0']);
    expect(v).toMatchObject({ vm: 0, its: 0, devid: 16, slot: 2 });
    // A vITS event without an `its` id is named by its unit; the VM's other units name no ITS.
    expect(
      currentOf(row({ unit: 'guest.its1', kind: 'its.drop' }), undefined, ['vm0', 'guest']),
    ).toMatchObject({
      vm: 1,
      its: 1,
    });
    expect(currentOf(row({ unit: 'vm0.vcpu1', kind: 'vcpu.entry' }), undefined, ['vm0']).its).toBeUndefined();
    expect(currentOf(row({ unit: 'vm0', kind: 'kvm.signal-msi' }), undefined, ['vm0']).vm).toBe(0);
    // Without the VM names (a machine without VMs) nothing is a VM's.
    expect(currentOf(row({ unit: 'vm0.its0', its: 0 }), undefined).vm).toBeUndefined();
  });

  it('follows the event unless the user picked, and stays in range', () => {
    expect(followed('auto', 1, 0, 0, 2)).toBe(1);
    expect(followed('auto', undefined, 1, 0, 2)).toBe(1);
    expect(followed('auto', undefined, undefined, 0, 2)).toBe(0);
    expect(followed(0, 1, 1, 0, 2)).toBe(0);
    expect(followed('auto', 5, undefined, 0, 2)).toBe(0);
  });
});
