/**
 * Which ITS the ITS inspector shows: one of the host's ITSs, or a virtual ITS KVM emulates for a
 * VM. Both are engine/its and both are inspected with the same views (the worker runs them on the
 * VM's context for a vITS), so the inspector only needs to tell them apart: the host's ITS 0 and
 * vm0's vITS 0 share the index, and an event of either says `its: 0`. A choice's key is 'its<n>'
 * for the host and 'vm<v>.its<n>' for VM v (by index; the label uses the VM's name).
 * Pure, tested in its-choice.test.ts.
 */

import type { ItsRef, MachineShape, Place } from '../worker/api';
import type { Current } from './current';
import { hex } from './format';

export interface ItsChoice extends ItsRef {
  key: string;
  /** What the selector says: 'its0 at 0x8080000', 'vm0 vITS 0'. */
  label: string;
  /** Its name: 'its0', 'vm0 vITS 0'. */
  name: string;
}

export const itsKey = (its: number, vm?: number): string =>
  vm === undefined ? `its${its}` : `vm${vm}.its${its}`;

/** The host's ITSs, then each VM's virtual ITSs. */
export function itsChoices(shape: MachineShape): ItsChoice[] {
  const host = shape.its.map((x): ItsChoice => ({
    key: itsKey(x.index),
    its: x.index,
    name: `its${x.index}`,
    label: `its${x.index} at ${hex(x.base)}`,
  }));
  const virtual = (shape.vms ?? []).flatMap((v) =>
    Array.from({ length: v.its }, (_, i): ItsChoice => ({
      key: itsKey(i, v.index),
      its: i,
      vm: v.index,
      name: `${v.name} vITS ${i}`,
      label: `${v.name} vITS ${i}`,
    })),
  );
  return [...host, ...virtual];
}

/** The ITS the current event is about, if it names one. */
export const itsOfCurrent = (c: Current): string | undefined =>
  c.its === undefined ? undefined : itsKey(c.its, c.vm);

/** The ITS a place on the stage is: an ITS box (or a part of it), or a VM's vITS box in the KVM band. */
export function itsOfPlace(p: Place | null | undefined): string | undefined {
  if (p?.node === 'its') return itsKey(p.its);
  if (p?.node === 'kvm' && p.part === 'its') return itsKey(0, p.vm);
  return undefined;
}

/**
 * The ITS to show: the user's pick ('auto': follow), else the current event's, else the last one
 * an event named, else the first; a key the machine lacks falls through to the next.
 */
export function chooseIts(
  choices: readonly ItsChoice[],
  pick: string,
  fromEvent: string | undefined,
  last: string | undefined,
): ItsChoice | undefined {
  for (const k of [pick === 'auto' ? undefined : pick, fromEvent, last]) {
    const c = k === undefined ? undefined : choices.find((x) => x.key === k);
    if (c) return c;
  }
  return choices[0];
}

/** The event is about this ITS (the host's, or the same VM's vITS): its entries are highlighted. */
export const isCurrentIts = (c: Current, its: ItsRef): boolean => c.its === its.its && c.vm === its.vm;
