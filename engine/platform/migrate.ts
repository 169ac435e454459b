/**
 * Save and restore of the whole machine ("migration"), the way a hypervisor moves a VM: quiesce,
 * flush the state that lives inside the interrupt controller into guest memory, serialise the
 * machine to JSON, and rebuild a fresh machine from that JSON and from memory.
 *
 * What is flushed and rebuilt depends on the profile, and that is the point of the exercise:
 *  - kvm: the ITS's kernel lists are written into the guest's tables (KVM_DEV_ARM_ITS_SAVE_TABLES)
 *    and every LPI's pending latch into its pending table (KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES);
 *    the new machine reads them back (KVM_DEV_ARM_ITS_RESTORE_TABLES), which recreates the LPIs
 *    and takes their pending bits from the tables.
 *  - spec: each redistributor writes its pending LPIs back to its table; the new one reads them
 *    when it comes up; configuration and translation caches start empty.
 *  - qemu: everything already lives in memory; the new machine rescans its pending tables.
 */

import { lpiLoadPendingTable, lpiWriteBackPending, lpisEnabled, rescanPendingTable } from '../gic/lpi';
import { markAllDirty } from '../gic/dirty';
import {
  restoreItsTables,
  saveItsTables,
  type RestoreReport,
  type SaveReport,
} from '../its/its-save-restore';
import { emit } from '../sim/kernel';
import { UNIT } from '../sim/unit-names';
import { decodePlain, encodePlain } from '../sim/plain-codec';
import { machineExtensions } from './machine-extension';
import type { MachineState, PlatformMachine } from './platform-machine';

/**
 * The state as canonical JSON: fixed key order, memory pages in address order with all-zero
 * pages left out, and none of the copy-on-write bookkeeping, so two equal states always give the
 * same text whatever history led to them.
 */
export function serialiseState(s: MachineState): string {
  const pages = [...s.mem.pages].filter(([, p]) => p.some((b) => b !== 0)).sort((a, b) => a[0] - b[0]);
  const canonical = {
    version: s.version,
    machine: s.machine,
    core: s.core,
    mem: { regions: s.mem.regions, pages: new Map(pages) },
    gic: s.gic,
    its: s.its,
    sw: s.sw,
  };
  for (const e of machineExtensions()) e.serialise?.(s, canonical);
  return JSON.stringify(encodePlain(canonical));
}

export function deserialiseState(text: string): MachineState {
  const s = decodePlain(JSON.parse(text)) as MachineState;
  if (s && typeof s === 'object' && s.mem) s.mem.owned = new Set();
  if (s && typeof s === 'object') for (const e of machineExtensions()) e.deserialised?.(s);
  return s;
}

export interface MigrationReport {
  bytes: number;
  saved: SaveReport[];
  pendingSaved: number;
  restored: RestoreReport[];
  pendingRestored: number;
}

export function migrate(m: PlatformMachine): MigrationReport {
  const cpus = m.s.gic.cfg.affinity.length;
  const saved: SaveReport[] = [];
  let pendingSaved = 0;
  if (m.profile === 'kvm') for (const its of m.s.its) saved.push(saveItsTables(m, its));
  if (m.profile !== 'qemu')
    for (let c = 0; c < cpus; c++)
      if (m.profile === 'kvm' || lpisEnabled(m, c)) pendingSaved += lpiWriteBackPending(m, c);

  const text = serialiseState(m.s);
  const fresh = deserialiseState(text);
  m.s = fresh;

  // The new machine's interrupt controller starts with nothing cached inside it.
  const restored: RestoreReport[] = [];
  let pendingRestored = 0;
  for (const its of m.s.its) its.cache.clear();
  for (const rd of m.s.gic.rd) {
    rd.lpiPending.clear();
    rd.lpiConfig.clear();
    rd.hpplpi = { intid: 1023, prio: 0xff };
  }
  for (const c of m.s.gic.cpu) c.updateQueued = false;
  if (m.profile === 'kvm') {
    m.s.gic.lpis.clear();
    for (const its of m.s.its) {
      const r = restoreItsTables(m, its);
      restored.push(r);
      pendingRestored += r.pendingFromTables;
    }
  } else {
    for (let c = 0; c < cpus; c++) {
      if (!lpisEnabled(m, c)) continue;
      if (m.profile === 'qemu') rescanPendingTable(m, c);
      else pendingRestored += lpiLoadPendingTable(m, c, false).length;
    }
  }
  markAllDirty(m);
  const report: MigrationReport = { bytes: text.length, saved, pendingSaved, restored, pendingRestored };
  emit(m, 'machine.migrate', UNIT.machine, -1, -1, -1, -1, -1, report);
  return report;
}
