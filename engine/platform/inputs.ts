/**
 * The outside inputs a machine accepts: what software, devices and a scenario can do to it. Each
 * input is plain data, emits exactly one event when applied and is journalled by the history, so
 * that `seek` can replay it. The command language compiles to these (engine/scenario/runner.ts):
 * an ITS command line, for instance, becomes a memory write of 32 bytes and a GITS_CWRITER write.
 */

import type { AccessWidth } from '../gic/registers';
import { iccAccess } from '../gic/icc-registers';
import { setLine } from '../gic/gic-tasks';
import { deliverSgi } from '../gic/sgi';
import { memFill, memVisible, memWriteBytes } from '../mem/memory';
import { emit, schedule } from '../sim/kernel';
import { GITS_TRANSLATER } from '../its/its-config';
import type { TranslateTask } from '../its/translation';
import { busAccess } from './bus';
import { migrate } from './migrate';
import { formatBdf } from './pci';
import type { PlatformMachine } from './platform-machine';
import { setPolicy, type SoftwarePolicy } from './software';

export type Input =
  | { kind: 'mmio'; addr: number; width: AccessWidth; write: boolean; value: bigint; by: string }
  | { kind: 'icc'; cpu: number; reg: string; write: boolean; value: bigint }
  | { kind: 'mem-write'; addr: number; bytes: number[]; by?: string }
  | { kind: 'mem-fill'; addr: number; len: number; byte: number }
  /** A PCI endpoint (or an anonymous requester) writes `eventid` to an ITS's GITS_TRANSLATER. */
  | { kind: 'msi'; device: string; rid: number; devid: number; its: number; eventid: number }
  | { kind: 'line'; intid: number; cpu: number; level: 0 | 1 }
  /** An SGI reaches redistributor `to` (replaying a trace whose sender is not recorded). */
  | { kind: 'sgi'; to: number; intid: number; from: number }
  | { kind: 'software'; cpus: number[]; policy: SoftwarePolicy }
  | { kind: 'migrate' };

export function applyInputTo(m: PlatformMachine, i: Input): void {
  switch (i.kind) {
    case 'mmio':
      busAccess(m, i.addr, i.width, i.write, i.value, i.by);
      return;
    case 'icc':
      iccAccess(m, i.cpu, i.reg, i.write, i.value);
      return;
    case 'mem-write': {
      if (!memVisible(m.s.mem, i.addr, Math.max(1, i.bytes.length))) {
        emit(m, 'mmio.bad', 'mem', -1, -1, -1, -1, -1, {
          addr: i.addr,
          width: i.bytes.length * 8,
          write: true,
          by: 'scenario',
          problem: 'not RAM',
        });
        return;
      }
      memWriteBytes(m.s.mem, i.addr, i.bytes);
      emit(m, 'mem.write', 'mem', -1, -1, -1, -1, -1, {
        addr: i.addr,
        len: i.bytes.length,
        bytes: i.bytes.length <= 32 ? i.bytes : undefined,
        by: i.by ?? 'scenario',
      });
      return;
    }
    case 'mem-fill': {
      if (!memVisible(m.s.mem, i.addr, Math.max(1, i.len))) {
        emit(m, 'mmio.bad', 'mem', -1, -1, -1, -1, -1, {
          addr: i.addr,
          len: i.len,
          write: true,
          by: 'scenario',
          problem: 'not RAM',
        });
        return;
      }
      memFill(m.s.mem, i.addr, i.len, i.byte);
      emit(m, 'mem.write', 'mem', -1, -1, -1, -1, -1, {
        addr: i.addr,
        len: i.len,
        fill: i.byte,
        by: 'scenario',
      });
      return;
    }
    case 'msi': {
      const its = m.s.its[i.its];
      const unit = i.device ? `pci ${i.device}` : `pci ${formatBdf(i.rid)}`;
      if (!its) {
        emit(m, 'pci.msi', unit, -1, -1, -1, i.devid, i.eventid, {
          device: i.device,
          rid: i.rid,
          problem: `there is no ITS ${i.its}`,
        });
        return;
      }
      // Numbers, not text: MSI storms record this event millions of times; explain() formats it.
      emit(m, 'pci.msi', unit, -1, i.its, -1, i.devid, i.eventid, {
        device: i.device,
        rid: i.rid,
        doorbell: its.cfg.base + GITS_TRANSLATER,
        data: i.eventid,
      });
      schedule<TranslateTask>(m, m.itsTiming.msi, 'its.translate', {
        its: i.its,
        devid: i.devid,
        eventid: i.eventid,
        stage: 'arrive',
        from: 'device',
      });
      return;
    }
    case 'line':
      setLine(m, { intid: i.intid, cpu: i.cpu, level: i.level });
      return;
    case 'sgi':
      deliverSgi(m, { from: i.from, to: i.to, intid: i.intid, group: 1, reg: 'ICC_SGI1R_EL1' });
      return;
    case 'software':
      setPolicy(m, i.cpus, i.policy);
      return;
    case 'migrate':
      migrate(m);
      return;
  }
}
