import { describe, expect, it } from 'vitest';
import type { MachineShape } from '../worker/api';
import { currentOf } from './current';
import { chooseIts, isCurrentIts, itsChoices, itsOfCurrent, itsOfPlace } from './its-choice';

const shape = (vms: MachineShape['vms']): MachineShape => ({
  profile: 'kvm',
  cpus: ['0.0.0.0', '0.0.0.1'],
  its: [
    { index: 0, base: 0x0808_0000 },
    { index: 1, base: 0x0810_0000 },
  ],
  devices: [],
  spis: 64,
  itsCommands: [],
  ...(vms ? { vms } : {}),
});

const vm = (index: number, its: number) => ({ index, name: `vm${index}`, vcpus: 2, lrs: 4, its });

describe('which ITS the inspector shows', () => {
  it("lists the host's ITSs, then each VM's virtual ITSs (none for a VM without one)", () => {
    expect(itsChoices(shape(undefined)).map((c) => [c.key, c.label])).toEqual([
      ['its0', 'its0 at 0x8080000'],
      ['its1', 'its1 at 0x8100000'],
    ]);
    const c = itsChoices(shape([vm(0, 1), vm(1, 0), { ...vm(2, 1), name: 'guest' }]));
    expect(c.map((x) => [x.key, x.name, x.label, x.its, x.vm])).toEqual([
      ['its0', 'its0', 'its0 at 0x8080000', 0, undefined],
      ['its1', 'its1', 'its1 at 0x8100000', 1, undefined],
      ['vm0.its0', 'vm0 vITS 0', 'vm0 vITS 0', 0, 0],
      ['vm2.its0', 'guest vITS 0', 'guest vITS 0', 0, 2],
    ]);
  });

  it('follows the event, keeping the host ITS 0 and a VM vITS 0 apart', () => {
    const choices = itsChoices(shape([vm(0, 1)]));
    const hostEvent = currentOf(
      { seq: 1, time: 0, kind: 'its.cmd', unit: 'its0', its: 0, text: '', cause: null, step: 0 },
      undefined,
      ['vm0'],
    );
    const vitsEvent = currentOf(
      { seq: 2, time: 0, kind: 'its.cmd', unit: 'vm0.its0', its: 0, text: '', cause: null, step: 0 },
      undefined,
      ['vm0'],
    );
    expect(itsOfCurrent(hostEvent)).toBe('its0');
    expect(itsOfCurrent(vitsEvent)).toBe('vm0.its0');
    expect(itsOfCurrent({})).toBeUndefined();
    const host = choices[0]!;
    const vits = choices[2]!;
    expect(isCurrentIts(hostEvent, host)).toBe(true);
    expect(isCurrentIts(hostEvent, vits)).toBe(false);
    expect(isCurrentIts(vitsEvent, vits)).toBe(true);
    expect(isCurrentIts(vitsEvent, host)).toBe(false);

    expect(chooseIts(choices, 'auto', 'vm0.its0', 'its1')?.key).toBe('vm0.its0');
    expect(chooseIts(choices, 'auto', undefined, 'its1')?.key).toBe('its1');
    expect(chooseIts(choices, 'auto', undefined, undefined)?.key).toBe('its0');
    expect(chooseIts(choices, 'its1', 'vm0.its0', undefined)?.key).toBe('its1');
    // A key the machine lacks (another session's) falls through.
    expect(chooseIts(choices, 'vm3.its0', 'vm0.its0', undefined)?.key).toBe('vm0.its0');
    expect(chooseIts([], 'auto', undefined, undefined)).toBeUndefined();
  });

  it('knows the ITS a place on the stage is', () => {
    expect(itsOfPlace({ node: 'its', its: 1, part: 'queue' })).toBe('its1');
    expect(itsOfPlace({ node: 'kvm', vm: 0, part: 'its' })).toBe('vm0.its0');
    expect(itsOfPlace({ node: 'kvm', vm: 0, part: 'vgic' })).toBeUndefined();
    expect(itsOfPlace({ node: 'vcpu', vm: 0, vcpu: 1 })).toBeUndefined();
    expect(itsOfPlace(null)).toBeUndefined();
  });
});
