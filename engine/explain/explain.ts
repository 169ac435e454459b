/**
 * One plain sentence per event, for the narrated log, the transcript and the step captions. The
 * sentence says what happened and, where it matters, why: "MAPTI dropped: E_ITS_MAPTI_UNMAPPED_DEVICE
 * (0x010a04): DeviceID 2 is not mapped". It reads only the event, never the machine, so the log of
 * a run that is over can still be narrated.
 *
 * A VM's events (engine/kvm) say which VM and vCPU, on which pCPU, in KVM's and the architecture's
 * names: "vm0's vCPU 1 exits to KVM on pCPU 1: the vgic maintenance interrupt (PPI 25) is taken at
 * EL2, ICH_MISR_EL2 = 0x2 (U: ...)". A VM's virtual ITS speaks of vCPUs where the host's speaks of
 * CPUs.
 */

import { describeOutcome, type CommandEventData } from '../its/command-queue';
import { formatItsError, type ItsError } from '../its/errors';
import type { VteData } from '../its/translation';
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
/**
 * The ITS an event comes from: 'ITS0' for the host's, "vm0's vITS 0" for a VM's virtual ITS (unit
 * 'vm0.its0').
 */
const vitsUnit = (e: SimEvent): RegExpExecArray | null => /^(.+)\.its(\d+)$/.exec(e.unit);
const itsName = (e: SimEvent): string => {
  const v = vitsUnit(e);
  return v ? `${v[1]}'s vITS ${v[2]}` : e.unit.toUpperCase();
};
/** A collection's target: a PE of the host, or a vCPU when the ITS is a VM's virtual ITS. */
const targetName = (e: SimEvent, n: unknown): string => `${vitsUnit(e) ? 'vCPU' : 'CPU'} ${str(n)}`;
const notes = (d: Data): string =>
  Array.isArray(d.notes) && d.notes.length ? ` (${(d.notes as string[]).join('; ')})` : '';

// ---- VMs (engine/kvm) ------------------------------------------------------------------------------
//
// Every VM event's data has `vm` (and `vcpu` when it is about one); the event's cpu identifier is the
// pCPU and, for icv.*, its intid the vINTID. The unit is the VM ('vm0') or the vCPU ('vm0.vcpu1').

const hex = (v: unknown): string => (typeof v === 'string' ? v : `0x${Number(v).toString(16)}`);
const list = <T>(xs: readonly T[], f: (x: T) => string, max = 6): string =>
  xs.slice(0, max).map(f).join(', ') + (xs.length > max ? `, ... (${xs.length} in all)` : '');
const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The VM's name: the unit of a VM event ('vm0'), or the unit's prefix ('vm0.vcpu1', 'vm0.its0'). */
/** A `text` field as a clause inside a sentence (no final full stop). */
const sentence = (t: unknown): string => str(t).replace(/[.]$/, '');

const vmName = (e: SimEvent): string => /^(.+)\.(vcpu|its)\d+$/.exec(e.unit)?.[1] ?? e.unit;
/** "vm0's vCPU 1". */
const vcpuName = (e: SimEvent, d: Data): string => `${vmName(e)}'s vCPU ${str(d.vcpu)}`;
const vintidName = (intid: number): string => `virtual ${intidName(intid)}`;

/** A refused ioctl's return: "-EINVAL (-22)", or the bare value KVM returns (-1). */
const errnoText = (d: Data): string => (d.errno ? `-${str(d.errno)} (${str(d.ret)})` : str(d.ret));
/** The reason part of a 'KVM_IRQFD = -EBADF: fd 42 is not an open file' text. */
const reasonOf = (d: Data): string => str(d.text).replace(/^(KVM|VFIO)_[A-Z_]+( = [^:]*)?: /, '');

const LR_STATES = ['invalid', 'pending', 'active', 'pending and active'];
interface LrView {
  lr: number;
  vintid: number;
  state: number;
  priority: number;
  group?: number;
  hw?: boolean;
  pintid?: number;
  eoi?: boolean;
}
const lrText = (l: LrView): string =>
  `LR${l.lr}: vINTID ${l.vintid} ${LR_STATES[l.state] ?? `state ${l.state}`}, priority ${hex(l.priority)}${
    l.hw ? `, HW (pINTID ${l.pintid})` : l.eoi ? ', EOI maintenance asked' : ''
  }`;

/** ICH_HCR_EL2 for a run, its set fields named; the ones KVM sets to be told something, explained. */
function hcrText(v: unknown): string {
  const hcr = Number(v);
  const f: string[] = [];
  if (hcr & 1) f.push('En');
  if (hcr & 2)
    f.push(
      'UIE: the LRs are full and more is listed, so an underflow maintenance interrupt will let KVM load the rest',
    );
  if (hcr & 4) f.push('LRENPIE: a maintenance interrupt once EOIcount is not 0');
  if (hcr & 8) f.push('NPIE: a maintenance interrupt when no LR is pending');
  const grp = ['VGrp0EIE', 'VGrp0DIE', 'VGrp1EIE', 'VGrp1DIE'].filter((_, i) => hcr & (16 << i));
  f.push(...grp);
  if (hcr & (1 << 8)) f.push('vSGIEOICount');
  f.push(...['TC', 'TALL0', 'TALL1', 'TSEI'].filter((_, i) => hcr & (1 << (10 + i))));
  if (hcr & (1 << 14)) f.push('TDIR: ICV_DIR_EL1 traps');
  if (hcr >>> 27) f.push(`EOIcount ${hcr >>> 27}`);
  return `ICH_HCR_EL2 = ${hex(v)}${f.length ? ` (${f.join('; ')})` : ''}`;
}

/** ICH_MISR_EL2 when the maintenance interrupt fired, its conditions named. */
function misrText(v: unknown): string {
  const misr = Number(v);
  const names = [
    'EOI: an LR that asked for EOI maintenance was deactivated',
    'U: underflow, at most one LR still valid',
    'LRENP: EOIcount is not 0',
    'NP: no LR is pending',
    'VGrp0E',
    'VGrp0D',
    'VGrp1E',
    'VGrp1D',
  ].filter((_, i) => misr & (1 << i));
  return `ICH_MISR_EL2 = ${hex(v)}${names.length ? ` (${names.join('; ')})` : ''}`;
}

/** What made the vCPU exit, and why that traps. */
function exitCause(e: SimEvent, d: Data): string {
  const intid = e.intid ?? -1;
  switch (d.reason) {
    case 'irq':
      return d.source === 'kick'
        ? `the kick's reschedule IPI (${intid >= 0 ? intidName(intid) : 'an SGI'}) is taken at EL2, an IRQ exit`
        : d.source === 'maintenance'
          ? `the vgic maintenance interrupt (${intid >= 0 ? intidName(intid) : 'PPI 25'}) is taken at EL2${d.misr !== undefined ? `, ${misrText(d.misr)}` : ''}`
          : `host interrupt ${intid >= 0 ? intidName(intid) : '?'} is taken at EL2, where every physical IRQ goes while a guest runs`;
    case 'wfi':
      return 'the guest has nothing to do and executes WFI, which traps (HCR_EL2.TWI)';
    case 'mmio':
      return `its ${d.width ? `${str(d.width)}-bit ` : ''}${d.write ? 'store to' : 'load from'} ${str(d.addr)} hits a GIC frame KVM emulates (a stage-2 data abort, an MMIO exit)`;
    case 'sysreg':
      return `its ${str(d.reg)} write traps (a system-register exit)`;
    case 'preempt':
      return 'the host scheduler takes the pCPU away (preempted)';
    default:
      return `reason ${str(d.reason)}`;
  }
}

function exitSentence(e: SimEvent, d: Data): string {
  const folded = arr<{ lr: number; intid: number }>(d.folded);
  const pruned = arr<number>(d.pruned);
  const migrated = arr<{ intid: number; to: number }>(d.migrated);
  const prune = [
    ...(pruned.length ? [`takes vINTID ${list(pruned, String)} off the ap_list`] : []),
    ...(migrated.length
      ? [
          `moves ${list(migrated, (m) => `vINTID ${m.intid} to vCPU ${m.to}'s ap_list`)} (a kick tells that vCPU)`,
        ]
      : []),
  ];
  const sync = `${
    folded.length
      ? `kvm_vgic_sync_hwstate folds ${list(folded, (l) => `LR${l.lr} (vINTID ${l.intid})`)} back into the vgic`
      : 'no list register to fold'
  }${prune.length ? `, and the prune ${prune.join(' and ')}` : ''}`;
  const acked = arr<string>(d.acked);
  let then: string;
  if (d.wfiPending === true) then = 'an interrupt is pending for it, so it does not block and enters again';
  else if (d.wfiPending === false || d.put === 'blocked')
    then = 'nothing is pending, so the thread blocks (vcpu_put) and gives up the pCPU until a kick';
  else if (d.put === 'runnable') then = 'the thread is put and waits for a pCPU';
  else if (d.put === 'stopped') then = 'the vCPU is stopped';
  else if (d.reason === 'mmio') then = 'KVM emulates the access';
  else if (d.reason === 'sysreg') then = 'KVM emulates the write';
  else if (d.source === 'kick') then = "it enters again, and that entry's flush loads what the kick was for";
  else if (d.source === 'maintenance')
    then = "KVM's maintenance handler does nothing more (the fold did the work) and the vCPU enters again";
  else if (d.source === 'host') then = 'the host handles its interrupt, then the vCPU enters again';
  else then = 'KVM handles the exit and enters again';
  return `${vcpuName(e, d)} exits to KVM on pCPU ${str(d.pcpu ?? e.cpu)}: ${exitCause(e, d)}; ${sync}${
    acked.length ? `; irqfd resampling: ${acked.join('; ')}` : ''
  }; ${then}.`;
}

/** What kvm_vcpu_kick did, by its action; `to` is the pCPU an IPI goes to. */
const kickText = (action: unknown, to: unknown): string => {
  switch (action) {
    case 'ipi':
      return `it is running the guest, so a reschedule IPI goes to pCPU ${str(to)} to make it exit`;
    case 'already-exiting':
      return 'it was kicked already and its IPI is on the way (vcpu->mode is EXITING_GUEST_MODE), so no second IPI';
    case 'same-cpu':
      return 'the kick comes from its own pCPU, where it cannot be in the guest; no IPI';
    case 'wake':
      return 'it was blocked in WFI and now has an interrupt to take, so it wakes and becomes runnable';
    case 'spurious-wake':
      return 'it was blocked in WFI but nothing is pending for it, so kvm_vcpu_block sleeps again';
    case 'request':
      return 'it is not in the guest, so the request is enough: its next entry flushes the interrupt into the list registers';
    case 'none':
      return 'it is stopped: nothing to do';
    default:
      return str(action);
  }
};

const ICV_STATE: Record<string, string> = {
  ICV_PMR_EL1: 'ICH_VMCR_EL2.VPMR',
  ICV_BPR0_EL1: 'ICH_VMCR_EL2.VBPR0',
  ICV_BPR1_EL1: 'ICH_VMCR_EL2.VBPR1',
  ICV_CTLR_EL1: 'ICH_VMCR_EL2.VCBPR/VEOIM',
  ICV_IGRPEN0_EL1: 'ICH_VMCR_EL2.VENG0',
  ICV_IGRPEN1_EL1: 'ICH_VMCR_EL2.VENG1',
};
const icvHolder = (reg: string): string => {
  const ap = /^ICV_AP([01])R(\d)_EL1$/.exec(reg);
  return ap ? `ICH_AP${ap[1]}R${ap[2]}_EL2` : (ICV_STATE[reg] ?? 'the virtual CPU interface');
};

const cap = (t: string): string => t.charAt(0).toUpperCase() + t.slice(1);
/** Who signalled an eventfd: 'vmm' or 'vfio nic0'. */
const signaller = (by: unknown): string =>
  by === 'vmm'
    ? 'the VMM'
    : typeof by === 'string' && by.startsWith('vfio ')
      ? `VFIO's handler for ${by.slice(5)}`
      : str(by);

function explainVm(e: SimEvent, d: Data): string | undefined {
  const who = (): string => vcpuName(e, d);
  const intid = e.intid ?? -1;
  const program = d.by === 'program';
  switch (e.kind) {
    case 'kvm.schedule': {
      const loads = arr<{ vcpu: number; pcpu: number; migrated?: boolean }>(d.loads);
      const waiting = arr<number>(d.waiting);
      const placed = loads.length
        ? `The host scheduler loads ${vmName(e)}'s vCPU threads: ${list(loads, (l) => `vCPU ${l.vcpu} on pCPU ${l.pcpu}${l.migrated ? ' (migrated from another pCPU)' : ''}`)} (vcpu_load restores each one's VMCR and active priorities)`
        : `The host scheduler has no free pCPU for ${vmName(e)}`;
      return `${placed}${waiting.length ? `; ${list(waiting, (v) => `vCPU ${v}`)} ${waiting.length === 1 ? 'waits' : 'wait'} for a pCPU until the time slice ends` : ''}.`;
    }
    case 'kvm.tick': {
      const pre = arr<number>(d.preempted);
      const loads = arr<{ vcpu: number; pcpu: number }>(d.loads);
      return `The time slice ends on ${vmName(e)}: ${[
        ...(pre.length
          ? [
              `${list(pre, (v) => `vCPU ${v}`)} ${pre.length === 1 ? 'is' : 'are'} preempted (exit, fold, and back to waiting)`,
            ]
          : []),
        ...(loads.length ? [`${list(loads, (l) => `vCPU ${l.vcpu} is loaded on pCPU ${l.pcpu}`)}`] : []),
      ].join('; ')}.`;
    }
    case 'vcpu.entry': {
      const lrs = arr<LrView>(d.lrs);
      const rest = arr<number>(d.notLoaded);
      return `${who()} enters the guest on pCPU ${str(d.pcpu ?? e.cpu)}${d.requestConsumed ? ' (consuming KVM_REQ_IRQ_PENDING)' : ''}: kvm_vgic_flush_hwstate ${
        lrs.length
          ? `${d.sorted ? 'sorts the ap_list by priority and ' : ''}writes ${plural(lrs.length, 'list register')} (${lrs.map(lrText).join('; ')})`
          : 'finds nothing to load, so no list register is written'
      }${rest.length ? `; vINTID ${list(rest, String)} ${rest.length === 1 ? 'stays' : 'stay'} on the ap_list only` : ''}; ${hcrText(d.hcr)}.`;
    }
    case 'vcpu.exit':
      return exitSentence(e, d);
    case 'vcpu.kick':
      return `KVM kicks ${who()} (KVM_REQ_IRQ_PENDING, kvm_vcpu_kick): ${kickText(d.action, d.to)}.`;
    case 'vcpu.ipi':
      return `The kick's reschedule IPI reaches pCPU ${str(d.pcpu ?? e.cpu)} but makes nothing exit: ${str(d.absorbed)} (the vCPU left on its own after the kick was sent).`;
    case 'vcpu.pin': {
      const where = Number(d.pcpu) < 0 ? 'unpinned' : `pinned to pCPU ${str(d.pcpu)}`;
      if (d.problem || d.ok === false)
        return `${who()} cannot be ${where}: ${str(d.problem ?? 'refused')}; nothing changed.`;
      const pre = arr<{ vcpu: number; pcpu: number; folded: number }>(d.preempted);
      const loads = arr<{ vcpu: number; pcpu: number }>(d.loads);
      const moves = [
        ...pre.map(
          (p) =>
            `vCPU ${p.vcpu} leaves pCPU ${p.pcpu} (a preempt exit${p.folded ? `, ${plural(p.folded, 'LR')} folded` : ''})`,
        ),
        ...loads.map((l) => `vCPU ${l.vcpu} is loaded on pCPU ${l.pcpu}`),
      ];
      return `${who()} is ${where}${
        moves.length
          ? `: ${moves.join('; ')}`
          : Number(d.pcpu) < 0
            ? ': the scheduler may place it on any pCPU'
            : d.mode === 'guest' || d.mode === 'host'
              ? ': it already runs there'
              : ': it goes there when it next runs'
      }.`;
    }
    case 'guest.program':
      return `The guest's code on ${who()} has one more access to make: ${str(d.op)} (${str(d.queued)} queued)${
        d.woke ? '; the vCPU was blocked in WFI, so it becomes runnable to run it' : ''
      }.`;
    case 'guest.take': {
      const source =
        d.direct !== undefined
          ? `that vLPI ${str(d.direct)} raises straight from the redistributor (GICv4: no list register)`
          : `that LR${str(d.lr)} signals`;
      return `${who()} takes the virtual IRQ ${source}${Number(d.depth) > 1 ? ` (nested, depth ${str(d.depth)})` : ''}: the guest enters its handler with IRQs masked, and nothing exits to KVM.`;
    }
    case 'icv.ack': {
      const reg = program ? 'an ICV_IAR register' : 'ICV_IAR1_EL1';
      const by = program ? `${who()}'s code` : who();
      if (d.direct)
        return `${by} reads ${reg} and acknowledges ${vintidName(intid)} straight from the redistributor (GICv4, priority ${hex(d.prio)}), without exiting and with no list register: its bit in the vPE's virtual pending table is cleared and the virtual running priority is now ${hex(d.rpr ?? d.prio)}.`;
      return intid === 1023
        ? `${by} reads ${reg} and gets 1023 (spurious): no list register holds a pending interrupt that may be taken now (none pending, or masked by ICV_PMR_EL1, the running priority or a disabled group).`
        : `${by} reads ${reg} and acknowledges ${vintidName(intid)} from LR${str(d.lr)} (priority ${hex(d.prio)}), without exiting: the LR goes from pending to active and the virtual running priority is now ${hex(d.rpr ?? d.prio)}.`;
    }
    case 'icv.eoi': {
      const by = program ? `${who()}'s code` : who();
      const reg = program ? 'an ICV_EOIR register' : 'ICV_EOIR1_EL1';
      if (d.ignored) return `${by} writes ${intid} to ${reg}: ignored (${str(d.ignored)}).`;
      if (!d.deactivated && !d.counted && d.dropped === undefined)
        return `${by} writes ${intid} to ${reg}, without exiting: no list register is deactivated and EOIcount is unchanged (nothing active to drop, or EOImode 1 leaves the deactivation to ICV_DIR_EL1).`;
      const drop = d.dropped !== undefined ? `priority ${hex(d.dropped)} dropped, ` : '';
      const what = d.deactivated
        ? `LR${str(d.lr)} deactivated; KVM sees it at the next exit's fold`
        : d.counted
          ? 'no list register holds it, so the deactivation is counted in ICH_HCR_EL2.EOIcount for KVM'
          : d.lr === -1 && intid >= 8192
            ? 'no list register holds it and an LPI has no active state, so there is nothing to deactivate (a GICv4 vLPI from the redistributor ends here)'
            : 'no list register deactivated (with EOImode 1, ICV_DIR_EL1 does that)';
      return `${by} ends ${vintidName(intid)} by writing ${reg}, without exiting: ${drop}${what}.`;
    }
    case 'icv.dir': {
      const by = program ? `${who()}'s code` : who();
      if (d.trapped)
        return `${by} writes ${intid} to ICV_DIR_EL1: it traps to KVM (ICH_HCR_EL2.TDIR is set).`;
      if (d.ignored) return `${by} writes ${intid} to ICV_DIR_EL1: ignored (${str(d.ignored)}).`;
      return `${by} deactivates ${vintidName(intid)} with ICV_DIR_EL1 (EOImode 1), without exiting: ${
        d.deactivated
          ? `LR${str(d.lr)} deactivated`
          : d.counted
            ? 'no list register holds it, so the deactivation is counted in ICH_HCR_EL2.EOIcount for KVM'
            : 'no list register holds it active, so nothing changes'
      }.`;
    }
    case 'icv.access':
      return `${who()} ${d.write ? `writes ${str(d.value)} to ${str(d.reg)}` : `reads ${str(d.reg)}: ${str(d.value)}`}, without exiting: the guest's ICC_* accesses reach the virtual CPU interface${d.write ? `, which keeps it in ${icvHolder(str(d.reg))}` : ''}.`;
    case 'guest.eret':
      return `${who()} returns from its interrupt handler (ERET)${Number(d.depth) > 0 ? `, still ${str(d.depth)} deep` : ''}.`;
    case 'guest.unmask':
      return `${who()}'s handler holds the interrupt (no EOI, so the virtual running priority stays raised) and unmasks IRQs: only a higher-priority virtual interrupt can preempt it now.`;
    case 'guest.mem':
      if (d.command)
        return `${who()} writes the ${str(d.command)} command (${str(d.bytes)} bytes) into its ITS command queue at ${str(d.addr)} in guest RAM, without exiting: the vITS reads it once GITS_CWRITER moves.`;
      if (d.what && d.value === undefined)
        return `${who()} writes guest RAM at ${str(d.addr)}, without exiting: ${str(d.what)}.`;
      if (d.what)
        return `${who()} writes ${str(d.value)} to LPI ${intid}'s configuration byte at ${str(d.addr)} (its property table, in guest RAM), without exiting: KVM reads it only when the LPI is mapped and at INV/INVALL.`;
      if (d.bytes !== undefined)
        return `${who()} stores ${plural(Number(d.bytes), 'byte')} to guest RAM at ${str(d.addr)}, without exiting.`;
      return `${who()} ${d.write ? `stores ${str(d.value)} to` : `loads ${str(d.value)} from`} guest RAM at ${str(d.addr)} (${str(d.width)} bits), without exiting.`;
    case 'guest.timer':
      return d.enabled
        ? `${who()} programs its virtual timer without exiting (the timer is the guest's own): CNTV_CVAL_EL0 = ${str(d.cval)} ns, ENABLE = 1, so it fires in ${str(d.in)} ns as PPI 27, which KVM maps to the physical timer PPI (HW = 1).`
        : `${who()} turns its virtual timer off (CNTV_CTL_EL0.ENABLE = 0), without exiting: it will not fire.`;
    case 'vtimer.expire':
      return `${who()}'s virtual timer reaches CNTV_CVAL_EL0 while the vCPU is ${str(d.mode)}: ${str(d.text)}.`;
    case 'guest.bad':
      return `${who()}'s ${
        d.command
          ? `${str(d.command)} command`
          : d.reg
            ? `access to ${str(d.reg)}`
            : d.addr
              ? `access to ${str(d.addr)}`
              : 'access'
      } fails: ${str(d.problem)}.`;
    case 'vgic.mmio': {
      const access = `${who()}'s ${d.write ? `write of ${str(d.value)} to` : 'read of'} ${str(d.reg)}`;
      if (d.ok === false)
        return `KVM finds no register for ${access}${notes(d)}: ${d.write ? 'the write is ignored' : 'the read returns 0'}.`;
      return `KVM emulates ${access}${d.write ? '' : `: ${str(d.value)}`}${notes(d)}.`;
    }
    case 'vgic.sgi': {
      const t = arr<number>(d.targets);
      const acc = arr<boolean>(d.accepted);
      const took = t.filter((_, i) => acc[i]);
      const refused = t.filter((_, i) => !acc[i]);
      return `KVM emulates ${who()}'s ${str(d.reg)} write (${str(d.value)}, vgic_v3_dispatch_sgi): ${
        !t.length
          ? `SGI ${intid} names no vCPU of the VM: nothing happens`
          : [
              ...(took.length ? [`SGI ${intid} is now pending on ${list(took, (v) => `vCPU ${v}`)}`] : []),
              ...(refused.length
                ? [
                    `${list(refused, (v) => `vCPU ${v}`)} ${refused.length === 1 ? 'does' : 'do'} not take it (its group does not allow it)`,
                  ]
                : []),
            ].join('; ')
      }.`;
    }
    case 'vgic.lpi.pending': {
      const from = `${str(d.via)}${d.devid !== undefined && Number(d.devid) >= 0 ? `, DeviceID ${str(d.devid)} EventID ${str(d.eventid)}` : ''}`;
      if (d.found === false)
        return `${vmName(e)}'s vITS cannot make LPI ${intid} pending (${from}): ${str(d.problem)}.`;
      const irq = d.inIrqOf as { pcpu: number; intid: number } | undefined;
      const queued = Number(d.queuedOn);
      return `${vmName(e)}'s vgic: LPI ${intid} is now pending (${from}, vgic_its_trigger_msi)${
        irq
          ? `, injected inside the host's handler of ${intidName(irq.intid)} on pCPU ${irq.pcpu} (the translation was cached)`
          : ''
      }; ${
        !d.enabled
          ? "it is disabled in KVM's copy of its configuration, so it goes on no ap_list (an INV after the guest enables it queues it)"
          : queued >= 0
            ? `enabled at priority ${hex(d.priority)}, it is queued on vCPU ${queued}'s ap_list and that vCPU is kicked`
            : `enabled, but the target oracle sends it to no ap_list (${Number(d.target) < 0 ? 'it has no target vCPU' : 'the distributor is disabled'})`
      }.`;
    }
    case 'vgic.lpi.clear':
      if (d.found === false)
        return `${vmName(e)}'s vITS cannot clear LPI ${intid} (${str(d.via)}): ${str(d.problem)}.`;
      return `${vmName(e)}'s vgic: LPI ${intid}'s pending latch is cleared (${str(d.via)}, DeviceID ${str(d.devid)} EventID ${str(d.eventid)})${
        Number(d.queuedOn) >= 0
          ? `; it stays on vCPU ${str(d.queuedOn)}'s ap_list until a prune finds it no longer deliverable`
          : ''
      }.`;
    case 'vgic.lpi.inv': {
      const up = arr<number>(d.updated);
      const scope = intid >= 0 ? `LPI ${intid}` : `every LPI targeting vCPU ${str(d.vcpu)}`;
      const via = d.via === 'register' ? (intid >= 0 ? 'GICR_INVLPIR' : 'GICR_INVALLR') : str(d.via);
      return `${vmName(e)}'s vgic re-reads the configuration of ${scope} from the guest's property table (${via}, update_lpi_config): ${
        up.length
          ? `${up.length === 1 && intid >= 0 ? 'it changed' : `LPI ${list(up, String)} changed`}`
          : 'nothing changed'
      }.`;
    }
    case 'kvm.irq-line': {
      const dec = (d.decoded ?? {}) as { irqType?: number; irqId?: number; vcpuIndex?: number };
      const type = ['CPU', 'SPI', 'PPI'][dec.irqType ?? -1] ?? `type ${str(dec.irqType)}`;
      const args = `irq ${str(d.irq)}: irq_type ${type}${dec.irqType === 2 || dec.irqType === 0 ? `, vcpu_index ${str(dec.vcpuIndex)}` : ''}, irq_id ${str(dec.irqId)}; level ${str(d.level)}`;
      return Number(d.ret) < 0
        ? `The VMM's KVM_IRQ_LINE on ${vmName(e)} (${args}) is refused with ${errnoText(d)}: ${reasonOf(d)}; nothing changed.`
        : `The VMM calls KVM_IRQ_LINE on ${vmName(e)} (${args}), which returns ${str(d.ret)}: ${reasonOf(d)}.`;
    }
    case 'kvm.signal-msi':
      return typeof d.ret === 'number'
        ? `The VMM's KVM_SIGNAL_MSI on ${vmName(e)} is refused with ${errnoText(d)}: ${reasonOf(d)}.`
        : `The VMM calls KVM_SIGNAL_MSI on ${vmName(e)}: ${reasonOf(d)}; the vITS translates it next (the ioctl returns 1 if it is delivered, 0 if the guest's tables block it).`;
    case 'kvm.set-gsi-routing':
      return Number(d.ret) < 0
        ? `The VMM's KVM_SET_GSI_ROUTING on ${vmName(e)} (${plural(Number(d.entries), 'entry', 'entries')}) is refused with ${errnoText(d)}: ${reasonOf(d)}; the old table stays.`
        : `The VMM calls KVM_SET_GSI_ROUTING on ${vmName(e)}, which returns ${str(d.ret)}: ${reasonOf(d)}, replacing the whole GSI routing table.`;
    case 'kvm.irqfd':
      return Number(d.ret) < 0
        ? `The VMM's KVM_IRQFD on ${vmName(e)} (fd ${str(d.fd)}, GSI ${str(d.gsi)}) is refused with ${errnoText(d)}: ${reasonOf(d)}; nothing changed.`
        : `The VMM calls KVM_IRQFD on ${vmName(e)}, which returns ${str(d.ret)}: ${reasonOf(d)}; a write to the eventfd now injects without the VMM calling KVM.`;
    case 'vmm.eventfd':
      return `The VMM creates eventfd ${str(d.fd)} (eventfd(2)).`;
    case 'vmm.eventfd-write':
      return `The VMM writes 1 to eventfd ${str(d.fd)} (write(2)).`;
    case 'eventfd.signal':
      return Number(d.ret) < 0
        ? `${cap(signaller(d.by))} cannot signal fd ${str(d.fd)}: ${errnoText(d)}, ${reasonOf(d)}.`
        : `${cap(signaller(d.by))} signals eventfd ${str(d.fd)}${d.count !== undefined ? ` (its counter is ${str(d.count)})` : ''}${
            d.gsi !== undefined ? ' and the irqfd bound to it fires' : ''
          }: ${reasonOf(d)}.`;
    case 'vfio.set-irqs':
      return d.problem
        ? `The VMM's VFIO_DEVICE_SET_IRQS for ${str(d.device)} vector ${str(d.vector)} is refused: ${str(d.problem)}.`
        : `The VMM calls VFIO_DEVICE_SET_IRQS: ${str(d.device)}'s MSI vector ${str(d.vector)} (host LPI ${intid}) now signals eventfd ${str(d.fd)}, from VFIO's interrupt handler on the host.`;
    case 'vfio.irq':
      return `The host took ${str(d.device)}'s interrupt (host LPI ${intid}) on pCPU ${str(d.pcpu ?? e.cpu)}: VFIO's handler (vfio_msihandler) runs for vector ${str(d.vector)} and signals eventfd ${str(d.fd)}.`;
    case 'its.cache.flush':
      return `${vmName(e)}'s virtual ITS translation caches are flushed (${str(d.entries)} entries): ${str(d.reason)}.`;
    default:
      return undefined;
  }
}

// ---- GICv4 at the redistributor --------------------------------------------------------------------

/** vPE `vpeid`; a GICv4.0 redistributor knows a vPE only by its VPT (vpeid -1). */
const vpeName = (d: Data): string =>
  Number(d.vpeid) >= 0 ? `vPE ${str(d.vpeid)}` : `the vPE whose VPT is at ${hex(d.vpt)}`;

/** 'gicr.vlpi': what the redistributor did with a vLPI an ITS sent it. */
function explainVlpi(e: SimEvent, d: Data): string {
  const rd = `Redistributor ${e.cpu}`;
  const vlpi = `vLPI ${e.intid} for ${vpeName(d)}`;
  const via = str(d.via);
  const bell =
    d.doorbell !== undefined
      ? `, so its doorbell LPI ${str(d.doorbell)} rings there`
      : d.noDoorbell
        ? `; no doorbell rings: ${str(d.noDoorbell)}`
        : '';
  switch (d.done) {
    case 'pending': {
      const cfg = Number(d.config);
      const shown =
        cfg & 1
          ? `presented to the virtual CPU interface at once (priority 0x${(cfg & 0xfc).toString(16)})`
          : `it stays pending in the VPT without being presented: its configuration 0x${cfg.toString(16)} has it disabled`;
      return `${rd}: ${vlpi} is now pending (via ${via}); the vPE is resident here, so it is ${shown}.`;
    }
    case 'recorded':
      return `${rd}: ${vlpi} recorded in its virtual pending table at ${hex(d.vpt)} (via ${via}): the vPE is not resident on redistributor ${e.cpu}${bell}.`;
    case 'already-pending':
      return `${rd}: ${vlpi} was already pending in its VPT; this ${via} merges with it${d.resident ? '' : bell}.`;
    case 'cleared':
      return `${rd}: ${vlpi} is no longer pending in its VPT at ${hex(d.vpt)} (${via}).`;
    case 'not-pending':
      return `${rd}: ${vlpi} was not pending in its VPT at ${hex(d.vpt)} (${via}): nothing to clear.`;
    default:
      return `${rd} ignores ${vlpi} (via ${via}): ${str(d.why)}.`;
  }
}

/** 'gicr.vpe': a GICR_VPENDBASER write changed (or did not change) which vPE is resident. */
function explainResidency(e: SimEvent, d: Data): string {
  const rd = `Redistributor ${e.cpu}`;
  const odd = d.unpredictable ? ` (${str(d.unpredictable)})` : '';
  switch (d.op) {
    case 'schedule':
      return `${rd} makes ${vpeName(d)} resident (GICR_VPENDBASER.Valid 0 -> 1)${
        d.parsing ? ' and has parsed its VPT (Dirty read 1 until now)' : ''
      }: its pending, enabled vLPIs are presented to the virtual CPU interface, and PendingLast reads 1${odd}.`;
    case 'deschedule':
      return `${rd} deschedules ${vpeName(d)} (Valid 1 -> 0): PendingLast = ${d.pendingLast ? '1, an enabled vLPI was still pending' : '0, nothing enabled was pending'}${
        d.armed ? '; DB = 1 arms its default doorbell, which the next vLPI or vSGI for it rings once' : ''
      }${odd}.`;
    case 'store':
      return `${rd} stores GICR_VPENDBASER with Valid = 0: no vPE is resident, nothing else changes.`;
    default:
      return `${rd} ignores a GICR_VPENDBASER write made while Valid stays 1${odd}.`;
  }
}

export function explain(e: SimEvent): string {
  const d = (e.data ?? {}) as Data;
  if (d.vm !== undefined) {
    const v = explainVm(e, d);
    if (v !== undefined) return v;
  }
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
    case 'gicr.vlpi':
      return explainVlpi(e, d);
    case 'gicr.doorbell': {
      const v = Number(d.vintid);
      return `Redistributor ${e.cpu}: doorbell LPI ${e.intid} rings for vPE ${str(d.vpeid)}: virtual ${v < 16 ? 'SGI' : 'LPI'} ${v} became pending while the vPE is not resident here, so the hypervisor is told with a physical LPI (it can then schedule the vPE).`;
    }
    case 'gicr.vinv':
      return `Redistributor ${e.cpu} (${str(d.via)}, vPE ${str(d.vpeid)}): ${str(d.what)}.`;
    case 'gicr.vpe':
      return explainResidency(e, d);
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
      const head = `${itsName(e)} reads command ${c.slot} of its queue: ${c.command}${fields ? ' ' + fields : ''}`;
      if (c.outcome === 'ok') return `${head}. ${c.effects.join('; ') || 'Done'}.`;
      return `${head}: ${describeOutcome(c)}.`;
    }
    case 'its.queue':
      return `${itsName(e)}: ${str(d.problem)}.`;
    case 'pci.msi': {
      if (d.problem) return `Device ${str(d.device) || str(d.rid)}: ${str(d.problem)}.`;
      const rid = Number(d.rid);
      const who = d.device ? `Device ${str(d.device)}` : `Requester ${formatBdf(rid)}`;
      return `${who} (Requester ID 0x${rid.toString(16)}, ${formatBdf(rid)}) writes ${str(d.data)} to GITS_TRANSLATER at 0x${Number(d.doorbell).toString(16)}: an MSI with EventID ${e.eventid}; the bus supplies DeviceID ${e.devid}.`;
    }
    case 'its.translater':
      return d.accepted
        ? `${itsName(e)} receives the MSI: DeviceID ${e.devid}, EventID ${e.eventid}.`
        : `${itsName(e)} ignores the MSI from DeviceID ${e.devid}: ${str(d.why)}.`;
    case 'its.cache':
      return d.hit
        ? `${itsName(e)} translation cache hit: DeviceID ${e.devid} EventID ${e.eventid} -> LPI ${str(d.intid)} on ${targetName(e, d.cpu)}; no table walk needed.`
        : `${itsName(e)} translation cache miss for DeviceID ${e.devid} EventID ${e.eventid}: walk the tables.`;
    case 'its.dte': {
      const dte = d as { itt: number; size: number };
      return `${itsName(e)} looks up DeviceID ${e.devid} in the Device Table: ITT at 0x${dte.itt.toString(16)}, ${dte.size + 1} EventID bits.`;
    }
    case 'its.ite': {
      const ite = d as { intid: number; icid: number; vpeid?: number; doorbell?: number };
      if (ite.vpeid !== undefined)
        return `${itsName(e)} reads EventID ${e.eventid}'s entry in the ITT: a virtual ITE, vLPI ${ite.intid} of vPE ${ite.vpeid} (${
          ite.doorbell === undefined || ite.doorbell === 1023 ? 'no doorbell' : `doorbell LPI ${ite.doorbell}`
        }); next comes the vPE's entry in the vPE table instead of a collection.`;
      return `${itsName(e)} reads EventID ${e.eventid}'s entry in the ITT: LPI ${ite.intid}, collection ${ite.icid}.`;
    }
    case 'its.vte': {
      const v = d as unknown as VteData;
      const db =
        v.doorbell === 1023
          ? ''
          : v.defaultDoorbell
            ? `; if the vPE is not resident there and its doorbell is armed, its default doorbell LPI ${v.doorbell} rings`
            : `; if the vPE is not resident there, doorbell LPI ${v.doorbell} rings`;
      return `${itsName(e)} looks up vPE ${v.vpeid} in the vPE table: its virtual pending table is at ${hex(v.vpt)} (${v.vptBits} vINTID bits) and it is mapped to redistributor ${v.cpu}, which gets vLPI ${e.intid}${db}.`;
    }
    case 'its.sgir': {
      const vsgi = `virtual SGI ${str(d.vintid)} for vPE ${str(d.vpeid)}`;
      if (d.done === 'dropped') return `${itsName(e)} ignores a GITS_SGIR write (${vsgi}): ${str(d.why)}.`;
      if (d.done === 'pending')
        return `${itsName(e)} receives a GITS_SGIR write: ${vsgi} is now pending and, since the vPE is resident, presented to its virtual CPU interface at once.`;
      return `${itsName(e)} receives a GITS_SGIR write: ${vsgi} is recorded as pending; the vPE is not resident${
        d.doorbell !== undefined
          ? `, so its armed default doorbell LPI ${str(d.doorbell)} rings`
          : ', and no doorbell rings (none is armed, or the vSGI is disabled)'
      }.`;
    }
    case 'its.cte':
      return `${itsName(e)} looks up collection ${str(d.icid)} in the Collection Table: redistributor of ${targetName(e, d.cpu)}${d.cached ? '; the translation is now cached' : ''}.`;
    case 'its.drop':
      return `${itsName(e)} drops the MSI (DeviceID ${e.devid}, EventID ${e.eventid}) at the ${str(d.stage)} step: ${formatItsError(d.error as ItsError)}.`;
    case 'its.cache.flush':
      return `ITS translation caches flushed (${str(d.entries)} entries): ${str(d.reason)}.`;
    case 'kvm.v4.init':
      return d.problem
        ? `KVM cannot set up GICv4 for vm${str(d.vm)}: ${str(d.problem)}; its interrupts stay on the software path.`
        : `KVM sets up GICv4 for vm${str(d.vm)} (${sentence(d.text)}).`;
    case 'kvm.v4.forward':
      return d.on
        ? `KVM forwards vm${str(d.vm)}'s LPI ${str(d.vintid)} (${sentence(d.text)}): the device's MSIs now reach the guest without the host taking an interrupt.`
        : `KVM stops forwarding vm${str(d.vm)}'s LPI ${str(d.vintid)} (${sentence(d.text)}).`;
    case 'kvm.v4.vpt':
      return `On pCPU ${e.cpu}, the host's GICv4 driver sees ${sentence(d.text)}.`;
    case 'kvm.v4.config':
      return `On pCPU ${e.cpu}, the host's GICv4 driver writes property byte ${str(d.byte)} at ${str(d.addr)} (lpi_write_config): ${sentence(d.text)}.`;
    case 'kvm.v4.doorbell':
      return `KVM's doorbell handler (vgic_v4_doorbell_handler) runs: ${sentence(d.text)}.`;
    case 'kvm.v4.timeout':
      return `On pCPU ${e.cpu}, ${sentence(d.text)}.`;
    case 'kvm.v4.cmd':
      return `On pCPU ${e.cpu}, the host's GICv4 driver cannot post ${str(d.command)} (${str(d.why)}): ${str(d.problem)}.`;
    case 'icv.vlpi.ack':
      return Number(d.intid) === 1023
        ? `The guest on ${cpuName(e)} reads ICV_IAR1_EL1 and no vLPI of a resident vPE is pending there: the direct path has nothing for it (1023).`
        : `The guest on ${cpuName(e)} reads ICV_IAR1_EL1 and takes vLPI ${str(d.intid)} straight from the redistributor (no list register): its bit in the virtual pending table is cleared.`;
    case 'icv.vlpi.eoi':
      return `The guest on ${cpuName(e)} writes ICV_EOIR1_EL1 for vLPI ${str(d.intid)}: a priority drop only (a vLPI has no active state).`;
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
