import { describe, expect, it } from 'vitest';
import { inspectorFor } from './selection-slice';
import type { SessionDeps } from './session-slice';
import { createAppStore } from './store';

/** A store whose engine is never called by the selection actions under test. */
const store = () =>
  createAppStore({
    engine: () => {
      throw new Error('the engine is not needed here');
    },
    fetchScenario: () => Promise.reject(new Error('none')),
    fetchCatalog: () => Promise.resolve([]),
  } satisfies SessionDeps);

describe('selecting on the stage', () => {
  it('opens the inspector that details the place', () => {
    expect(inspectorFor({ node: 'its', its: 0, part: 'itt' })).toBe('its');
    expect(inspectorFor({ node: 'its', its: 0, part: 'vt' })).toBe('vpes');
    expect(inspectorFor({ node: 'rd', cpu: 1 })).toBe('redistributors');
    expect(inspectorFor({ node: 'cpuif', cpu: 1 })).toBe('cpus');
    expect(inspectorFor({ node: 'cpu', cpu: 0 })).toBe('cpus');
    expect(inspectorFor({ node: 'memory' })).toBe('memory');
    expect(inspectorFor({ node: 'dist' })).toBe('registers');
    const s = store();
    s.getState().selectPlace({ node: 'rd', cpu: 1 });
    expect(s.getState()).toMatchObject({ tab: 'redistributors', place: { node: 'rd', cpu: 1 } });
  });

  it("opens a VM's virtual ITS in the ITS inspector, and KVM's other objects as the VM's events", () => {
    expect(inspectorFor({ node: 'kvm', vm: 0, part: 'its' })).toBe('its');
    expect(inspectorFor({ node: 'kvm', vm: 0, part: 'routing' })).toBe('events');
    const s = store();
    s.getState().selectPlace({ node: 'kvm', vm: 0, part: 'its' });
    // The place says which vITS; the log's filter is left alone.
    expect(s.getState()).toMatchObject({
      tab: 'its',
      place: { node: 'kvm', vm: 0, part: 'its' },
      filterEpoch: 0,
    });
  });

  it("shows a device's events, and an interrupt's whole life, in the log (its fields refreshed)", () => {
    const s = store();
    s.getState().selectPlace({ node: 'device', name: 'nic0' });
    expect(s.getState()).toMatchObject({ tab: 'events', filter: { unit: 'pci nic0' }, filterEpoch: 1 });
    s.getState().selectToken({
      id: 't4',
      kind: 'lpi',
      label: 'LPI 8195',
      intid: 8195,
      at: { node: 'rd', cpu: 1 },
      state: 'pending',
    });
    expect(s.getState()).toMatchObject({ tab: 'events', filter: { unit: '', intid: 8195 }, filterEpoch: 2 });
    // Typing into the log's own fields does not remount them.
    s.getState().setFilter({ unit: 'its' });
    expect(s.getState().filterEpoch).toBe(2);
    // An MSI not yet translated has no INTID: nothing to filter by.
    s.getState().setTab('its');
    s.getState().selectToken({
      id: 't9',
      kind: 'msi',
      label: 'MSI nic0/3',
      at: { node: 'device', name: 'nic0' },
      state: 'travelling',
    });
    expect(s.getState().tab).toBe('its');
  });
});
