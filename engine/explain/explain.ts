/**
 * One plain sentence per event, for the narrated log, the transcript and the step captions. The
 * sentence says what happened and, where it matters, why: "MAPTI dropped: E_ITS_MAPTI_UNMAPPED_DEVICE
 * (0x010a04): DeviceID 2 is not mapped". It reads only the event, never the machine, so the log of
 * a run that is over can still be narrated.
 */

import { describeOutcome, type CommandEventData } from '../its/command-queue';
import { formatItsError, type ItsError } from '../its/errors';
import type { SimEvent } from '../sim/event-log';
import { formatBdf } from '../platform/pci';

type Data = Record<string, unknown>;

/** Text of a data field: strings as they are, numbers in decimal, anything else as JSON. */
const str = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean'
      ? String(v)
      : v === undefined
        ? ''
        : JSON.stringify(v);

const cpuName = (e: SimEvent): string => `CPU ${e.cpu ?? '?'}`;
const intidName = (intid: number): string =>
  intid === 1023
    ? 'nothing (1023, spurious)'
    : intid < 16
      ? `SGI ${intid}`
      : intid < 32
        ? `PPI ${intid}`
        : intid < 1020
          ? `SPI ${intid}`
          : `LPI ${intid}`;
const notes = (d: Data): string =>
  Array.isArray(d.notes) && d.notes.length ? ` (${(d.notes as string[]).join('; ')})` : '';

export function explain(e: SimEvent): string {
  const d = (e.data ?? {}) as Data;
  switch (e.kind) {
    case 'mmio.write':
      return `${str(d.by)} writes ${str(d.value)} to ${str(d.reg)}${e.unit === 'gicd' ? '' : ` of ${e.unit}`}${notes(d)}.`;
    case 'mmio.read':
      return `${str(d.by)} reads ${str(d.reg)}${e.unit === 'gicd' ? '' : ` of ${e.unit}`}: ${str(d.value)}.`;
    case 'mmio.bad':
      return `${str(d.by ?? 'someone')} ${d.write ? 'writes' : 'reads'} ${d.reg ? str(d.reg) : `0x${Number(d.addr).toString(16)}`}: refused (${str(d.problem)})${d.treated ? `, ${str(d.treated)}` : ''}.`;
    case 'mem.write':
      return d.fill !== undefined
        ? `Memory 0x${Number(d.addr).toString(16)}..+0x${Number(d.len).toString(16)} filled with 0x${Number(d.fill).toString(16)}.`
        : `${str(d.by ?? 'software')} writes ${str(d.len ?? Number(d.width) / 8)} byte(s) to memory at 0x${Number(d.addr).toString(16)}${d.value ? `: ${str(d.value)}` : ''}.`;
    case 'mem.read':
      return `${str(d.by)} reads memory at 0x${Number(d.addr).toString(16)}: ${str(d.value)}.`;
    case 'icc.ack':
      return Number(d.intid) === 1023
        ? `${cpuName(e)} reads ${str(d.reg)}: 1023, nothing to acknowledge.`
        : `${cpuName(e)} acknowledges ${intidName(Number(d.intid))} (priority 0x${Number(d.prio).toString(16)}): ${
            Number(d.intid) >= 8192
              ? 'it is no longer pending (an LPI has no active state)'
              : 'it is now active'
          } and the running priority rises to 0x${Number(d.rpr ?? d.prio).toString(16)}${
            d.rpr !== undefined && Number(d.rpr) !== Number(d.prio)
              ? ' (its group priority under the binary point)'
              : ''
          }.`;
    case 'icc.eoi':
      return d.ignored
        ? `${cpuName(e)} writes ${str(d.intid)} to ${str(d.reg)}: ignored (${str(d.ignored)}).`
        : `${cpuName(e)} ends ${intidName(Number(d.intid))}: priority 0x${Number(d.dropped).toString(16)} dropped${d.deactivated ? ' and the interrupt deactivated' : ''}.`;
    case 'icc.dir':
      return d.ignored
        ? `${cpuName(e)} writes ICC_DIR_EL1: ignored (${str(d.ignored)}).`
        : `${cpuName(e)} deactivates ${intidName(Number(d.intid))}.`;
    case 'icc.sgi': {
      const t = (d.targets as number[]) ?? [];
      return `${cpuName(e)} writes ${str(d.reg)} = ${str(d.value)}: SGI ${e.intid ?? '?'} goes to ${t.length ? t.map((c) => `CPU ${c}`).join(', ') : 'no PE'}.`;
    }
    case 'icc.read':
      return `${cpuName(e)} reads ${str(d.reg)}: ${str(d.value)}.`;
    case 'icc.write':
      return `${cpuName(e)} writes ${str(d.value)} to ${str(d.reg)}.`;
    case 'icc.bad':
      return `${cpuName(e)} accesses ${str(d.reg)}: refused (${str(d.problem)}).`;
    case 'gic.signal':
      return Number(d.hppi) === 1023
        ? `${cpuName(e)}'s CPU interface has nothing to signal${d.irq ? '' : '; IRQ is deasserted'}.`
        : Number(d.irq) || Number(d.fiq)
          ? `${cpuName(e)}'s CPU interface signals ${d.irq ? 'IRQ' : 'FIQ'}: ${intidName(Number(d.hppi))} at priority 0x${Number(d.prio).toString(16)} is the highest pending interrupt.`
          : `${cpuName(e)}'s highest pending interrupt is ${intidName(Number(d.hppi))} (priority 0x${Number(d.prio).toString(16)}), but it is masked by the priority mask, the running priority or a disabled group.`;
    case 'gicr.sgi':
      return d.accepted
        ? `Redistributor ${e.cpu}: SGI ${e.intid} from CPU ${str(d.from)} is now pending.`
        : `Redistributor ${e.cpu} drops SGI ${e.intid}: ${str(d.why)}.`;
    case 'gicr.lpi.pending':
      return `Redistributor ${e.cpu}: LPI ${e.intid} is now pending (via ${str(d.via)}); its configuration 0x${Number(d.config).toString(16)} (priority 0x${(Number(d.config) & 0xfc).toString(16)}, ${Number(d.config) & 1 ? 'enabled' : 'disabled'}) came from ${d.configFrom === 'cache' ? "the redistributor's cache" : d.configFrom === 'lpi' ? "KVM's copy in the LPI (read from the property table when it was mapped, or at the last INV/INVALL)" : 'the property table in memory'}.`;
    case 'gicr.lpi.already':
      return `Redistributor ${e.cpu}: LPI ${e.intid} was already pending; this ${str(d.via)} merges with it.`;
    case 'gicr.lpi.drop':
      return `Redistributor ${e.cpu} ignores LPI ${e.intid} (via ${str(d.via)}): ${str(d.why)}.`;
    case 'gicr.lpi.clear':
      return `Redistributor ${e.cpu}: LPI ${e.intid} ${d.wasPending ? 'is no longer pending' : 'was not pending'} (${str(d.via)}).`;
    case 'gicr.lpis.enabled': {
      const f = (d.pendingFound as number[]) ?? [];
      return `Redistributor ${e.cpu} enables LPIs${d.ptz ? ' (PTZ: the pending table is known to be zero)' : ''}; ${f.length ? `pending in its table: ${f.slice(0, 6).join(', ')}${f.length > 6 ? ', ...' : ''}` : 'nothing pending in its table'}.`;
    }
    case 'gicr.lpis.disabled':
      return `Redistributor ${e.cpu} disables LPIs${Number(d.writtenBack) ? `; ${str(d.writtenBack)} pending LPI(s) written back to its pending table` : ''}.`;
    case 'gicr.inv':
      return `Redistributor ${e.cpu} (${str(d.via)}): ${str(d.what)}.`;
    case 'gicr.line':
      return `PPI ${e.intid} input of CPU ${e.cpu} goes ${d.level ? 'high' : 'low'}.`;
    case 'gicd.line':
      return d.ignored
        ? `Interrupt line ${e.intid}: ${str(d.ignored)}.`
        : `SPI ${e.intid} input goes ${d.level ? 'high' : 'low'}.`;
    case 'its.cmd': {
      const c = d as unknown as CommandEventData;
      const fields = Object.entries(c.fields)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      const head = `${e.unit.toUpperCase()} reads command ${c.slot} of its queue: ${c.command}${fields ? ' ' + fields : ''}`;
      if (c.outcome === 'ok') return `${head}. ${c.effects.join('; ') || 'Done'}.`;
      return `${head}: ${describeOutcome(c)}.`;
    }
    case 'its.queue':
      return `${e.unit.toUpperCase()}: ${str(d.problem)}.`;
    case 'pci.msi': {
      if (d.problem) return `Device ${str(d.device) || str(d.rid)}: ${str(d.problem)}.`;
      const rid = Number(d.rid);
      const who = d.device ? `Device ${str(d.device)}` : `Requester ${formatBdf(rid)}`;
      return `${who} (Requester ID 0x${rid.toString(16)}, ${formatBdf(rid)}) writes ${str(d.data)} to GITS_TRANSLATER at 0x${Number(d.doorbell).toString(16)}: an MSI with EventID ${e.eventid}; the bus supplies DeviceID ${e.devid}.`;
    }
    case 'its.translater':
      return d.accepted
        ? `${e.unit.toUpperCase()} receives the MSI: DeviceID ${e.devid}, EventID ${e.eventid}.`
        : `${e.unit.toUpperCase()} ignores the MSI from DeviceID ${e.devid}: ${str(d.why)}.`;
    case 'its.cache':
      return d.hit
        ? `${e.unit.toUpperCase()} translation cache hit: DeviceID ${e.devid} EventID ${e.eventid} -> LPI ${str(d.intid)} on CPU ${str(d.cpu)}; no table walk needed.`
        : `${e.unit.toUpperCase()} translation cache miss for DeviceID ${e.devid} EventID ${e.eventid}: walk the tables.`;
    case 'its.dte': {
      const dte = d as { itt: number; size: number };
      return `${e.unit.toUpperCase()} looks up DeviceID ${e.devid} in the Device Table: ITT at 0x${dte.itt.toString(16)}, ${dte.size + 1} EventID bits.`;
    }
    case 'its.ite': {
      const ite = d as { intid: number; icid: number };
      return `${e.unit.toUpperCase()} reads EventID ${e.eventid}'s entry in the ITT: LPI ${ite.intid}, collection ${ite.icid}.`;
    }
    case 'its.cte':
      return `${e.unit.toUpperCase()} looks up collection ${str(d.icid)} in the Collection Table: redistributor of CPU ${str(d.cpu)}${d.cached ? '; the translation is now cached' : ''}.`;
    case 'its.drop':
      return `${e.unit.toUpperCase()} drops the MSI (DeviceID ${e.devid}, EventID ${e.eventid}) at the ${str(d.stage)} step: ${formatItsError(d.error as ItsError)}.`;
    case 'its.cache.flush':
      return `ITS translation caches flushed (${str(d.entries)} entries): ${str(d.reason)}.`;
    case 'pe.take':
      return `${cpuName(e)} takes the IRQ exception (PSTATE.I is now set) and enters its handler.`;
    case 'pe.unmask':
      return `${cpuName(e)}'s handler holds the interrupt (no EOI, so the running priority stays raised) and unmasks IRQs: only a higher priority can preempt it now.`;
    case 'pe.eret':
      return `${cpuName(e)} returns from the handler; IRQs are unmasked again.`;
    case 'sw.policy':
      return `Software on ${(d.cpus as number[]).map((c) => `CPU ${c}`).join(', ')} now handles interrupts with policy '${str(d.policy)}'.`;
    case 'input.bad':
      return `Input refused (${str(d.input)}): ${str(d.problem)}; nothing changed.`;
    case 'machine.migrate':
      return `The machine is saved (${str(d.bytes)} bytes of state, interrupt controller state flushed to memory) and restored into a fresh one.`;
    default:
      return `${e.kind} at ${e.unit}.`;
  }
}
