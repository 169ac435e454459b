/**
 * One line of a QEMU 7.2 GICv3/GICv4 trace (the `log` backend with `-msg timestamp=on`), parsed into
 * a typed record: `TID@SECONDS.MICROS:EVENT_NAME TEXT`, TEXT printed from the event's format string.
 *
 * The importer replays these traces on the model and compares, so the parser must be exact (every
 * field, or an error naming what is wrong) and fast enough for millions of lines. Each event's
 * format string is kept verbatim from QEMU's trace-events (public/traces/qemu-7.2-gicv3-trace-
 * event-formats.txt, which the tests check it against) and compiled once into literal/field
 * segments; a line is then matched by char codes with hand-written digit scanners, no regex.
 *
 * Values are raw, as QEMU printed them. Units differ between events that look alike (ITT addresses
 * in particular); each field's comment says which unit it carries. Fields are `number` except
 * register data that may use all 64 bits, which is `bigint`.
 */

// ---------------------------------------------------------------------------------------------
// Record types

interface TraceBase<E extends string> {
  /** The line number the caller passed in. */
  line: number;
  /** Host thread that emitted the line: one per vCPU, plus the main loop running device models. */
  tid: number;
  /** Host wall-clock seconds, microsecond resolution: the double nearest to the printed decimal. */
  time: number;
  event: E;
}

// --- CPU interface (arm_gicv3_cpuif.c) ---

/** The CPU interface recomputed its highest-priority pending interrupt (HPPI). */
export interface CpuifUpdate extends TraceBase<'gicv3_cpuif_update'> {
  /** CPU interface index (QEMU's cpu_index). */
  cpuid: number;
  /** INTID of the HPPI; 1023 when none is pending. */
  irq: number;
  /** QEMU's GICV3_G0 / G1 / G1NS (0, 1, 2) of the HPPI. */
  grp: number;
  /** Priority of the HPPI; 0xff when none. */
  prio: number;
}

/** The levels QEMU drives on the PE's physical (or, for `_virt_`, virtual) FIQ and IRQ lines. */
export interface CpuifSetIrqs<
  E extends 'gicv3_cpuif_set_irqs' | 'gicv3_cpuif_virt_set_irqs',
> extends TraceBase<E> {
  cpuid: number;
  fiqlevel: number;
  irqlevel: number;
}

export interface CpuifVirtUpdate extends TraceBase<'gicv3_cpuif_virt_update'> {
  cpuid: number;
  /** List register index of the highest-priority pending virtual interrupt; -1 when none. */
  idx: number;
  /** 1 when a directly injected vLPI (GICv4) is the HPPI rather than a list register. */
  hppvlpi: number;
  grp: number;
  prio: number;
}

export interface CpuifVirtSetMaintIrq extends TraceBase<'gicv3_cpuif_virt_set_maint_irq'> {
  cpuid: number;
  maintlevel: number;
}

export interface IccGenerateSgi extends TraceBase<'gicv3_icc_generate_sgi'> {
  /** The sending CPU interface. */
  cpuid: number;
  /** SGI INTID. */
  irq: number;
  /** ICC_SGI1R.IRM: 1 = all PEs but self. */
  irm: number;
  /** Aff3.Aff2.Aff1 of the targets packed as QEMU printed them (the format appends a literal "xx"). */
  aff: number;
  /** ICC_SGI1R.TargetList: a bit per Aff0. */
  targetlist: number;
}

type CpuRegName =
  | 'gicv3_icc_ctlr_el3_read'
  | 'gicv3_icc_ctlr_el3_write'
  | 'gicv3_icc_ctlr_read'
  | 'gicv3_icc_ctlr_write'
  | 'gicv3_icc_dir_write'
  | 'gicv3_icc_hppir0_read'
  | 'gicv3_icc_hppir1_read'
  | 'gicv3_icc_iar0_read'
  | 'gicv3_icc_iar1_read'
  | 'gicv3_icc_igrpen1_el3_read'
  | 'gicv3_icc_igrpen1_el3_write'
  | 'gicv3_icc_pmr_read'
  | 'gicv3_icc_pmr_write'
  | 'gicv3_icc_rpr_read'
  | 'gicv3_ich_eisr_read'
  | 'gicv3_ich_elrsr_read'
  | 'gicv3_ich_hcr_read'
  | 'gicv3_ich_hcr_write'
  | 'gicv3_ich_misr_read'
  | 'gicv3_ich_vmcr_read'
  | 'gicv3_ich_vmcr_write'
  | 'gicv3_ich_vtr_read'
  | 'gicv3_icv_ctlr_read'
  | 'gicv3_icv_ctlr_write'
  | 'gicv3_icv_dir_write'
  | 'gicv3_icv_pmr_read'
  | 'gicv3_icv_pmr_write'
  | 'gicv3_icv_rpr_read';

/**
 * An ICC_/ICH_/ICV_ system register access. `val` is what was read or written; these registers keep
 * bits [63:32] RES0, so it is a number (e.g. the INTID an IAR read acknowledged, 1023 if spurious).
 */
export interface CpuRegAccess<E extends CpuRegName> extends TraceBase<E> {
  cpu: number;
  val: number;
}

type GroupRegName =
  | 'gicv3_icc_bpr_read'
  | 'gicv3_icc_bpr_write'
  | 'gicv3_icc_eoir_write'
  | 'gicv3_icc_igrpen_read'
  | 'gicv3_icc_igrpen_write'
  | 'gicv3_icv_bpr_read'
  | 'gicv3_icv_bpr_write'
  | 'gicv3_icv_eoir_write'
  | 'gicv3_icv_hppir_read'
  | 'gicv3_icv_iar_read'
  | 'gicv3_icv_igrpen_read'
  | 'gicv3_icv_igrpen_write';

/** A banked-by-group register access: `grp` is the N of ICC_EOIRN, ICV_IARN, ICC_BPRN... */
export interface GroupRegAccess<E extends GroupRegName> extends TraceBase<E> {
  grp: number;
  cpu: number;
  val: number;
}

type ApRegName =
  | 'gicv3_icc_ap_read'
  | 'gicv3_icc_ap_write'
  | 'gicv3_ich_ap_read'
  | 'gicv3_ich_ap_write'
  | 'gicv3_icv_ap_read'
  | 'gicv3_icv_ap_write';

/** ICC_AP<grp>R<regno> and friends (active priorities). */
export interface ApRegAccess<E extends ApRegName> extends TraceBase<E> {
  grp: number;
  regno: number;
  cpu: number;
  val: number;
}

/** AArch32 halves of a list register (ICH_LR<n> / ICH_LRC<n>): 32-bit values. */
export interface Lr32Access<
  E extends 'gicv3_ich_lr32_read' | 'gicv3_ich_lr32_write' | 'gicv3_ich_lrc_read' | 'gicv3_ich_lrc_write',
> extends TraceBase<E> {
  regno: number;
  cpu: number;
  val: number;
}

/** ICH_LR<regno>_EL2: State, HW and Group live in bits [63:60], so the value is a bigint. */
export interface LrAccess<E extends 'gicv3_ich_lr_read' | 'gicv3_ich_lr_write'> extends TraceBase<E> {
  regno: number;
  cpu: number;
  val: bigint;
}

// --- Distributor and redistributors ---

/** A distributor MMIO access; `offset` from the GICD frame base, `size` in bytes, `secure` 0/1. */
export interface DistAccess<
  E extends 'gicv3_dist_read' | 'gicv3_dist_write' | 'gicv3_dist_badwrite',
> extends TraceBase<E> {
  offset: number;
  data: bigint;
  size: number;
  secure: number;
}

export interface DistBadRead extends TraceBase<'gicv3_dist_badread'> {
  offset: number;
  size: number;
  secure: number;
}

/** An SPI input line changed level. */
export interface DistSetIrq extends TraceBase<'gicv3_dist_set_irq'> {
  /** INTID. */
  irq: number;
  level: number;
}

/**
 * A redistributor MMIO access. `cpu` is the redistributor index; `offset` is from its RD frame
 * (SGI frame at +0x10000, VLPI frame at +0x20000). `data` is 64-bit (GICR_VPENDBASER has Valid in
 * bit 63).
 */
export interface RedistAccess<
  E extends 'gicv3_redist_read' | 'gicv3_redist_write' | 'gicv3_redist_badwrite',
> extends TraceBase<E> {
  cpu: number;
  offset: number;
  data: bigint;
  size: number;
  secure: number;
}

export interface RedistBadRead extends TraceBase<'gicv3_redist_badread'> {
  cpu: number;
  offset: number;
  size: number;
  secure: number;
}

/** A PPI/SGI input line of redistributor `cpu` changed level. */
export interface RedistSetIrq extends TraceBase<'gicv3_redist_set_irq'> {
  cpu: number;
  irq: number;
  level: number;
}

/** An SGI became pending on redistributor `cpu`. */
export interface RedistSendSgi extends TraceBase<'gicv3_redist_send_sgi'> {
  cpu: number;
  irq: number;
}

// --- ITS (arm_gicv3_its.c) ---

/** A GITS_* register access: offset in the control frame (CWRITER 0x88, BASERn 0x100+8n...). */
export interface ItsAccess<
  E extends 'gicv3_its_read' | 'gicv3_its_write' | 'gicv3_its_badwrite',
> extends TraceBase<E> {
  offset: number;
  data: bigint;
  size: number;
}

export interface ItsBadRead extends TraceBase<'gicv3_its_badread'> {
  offset: number;
  size: number;
}

/** An MSI: a write to GITS_TRANSLATER. */
export interface ItsTranslationWrite extends TraceBase<'gicv3_its_translation_write'> {
  /** Offset in the translation frame (GITS_TRANSLATER is 0x40). */
  offset: number;
  /** The EventID (the MSI payload, at most 32 bits, hence a number). */
  data: number;
  size: number;
  /** The DeviceID. */
  requesterId: number;
}

export interface ItsProcessCommand extends TraceBase<'gicv3_its_process_command'> {
  /** Queue slot index (GITS_CREADR.Offset, in 32-byte commands), not a byte offset. */
  rdOffset: number;
  /** Command code, DW0[7:0]: tells VMAPTI (0x2a) from VMAPI (0x2b), whose decodes both say "VMAPI". */
  cmd: number;
}

/** Commands QEMU decodes with no arguments; take the rest (e.g. SYNC's RDbase) from cmdq.bin. */
export type ItsCmdNoArgs<E extends 'gicv3_its_cmd_sync' | 'gicv3_its_cmd_invall' | 'gicv3_its_cmd_vsync'> =
  TraceBase<E>;

export interface ItsCmdDevEvent<
  E extends 'gicv3_its_cmd_clear' | 'gicv3_its_cmd_discard' | 'gicv3_its_cmd_int' | 'gicv3_its_cmd_inv',
> extends TraceBase<E> {
  devid: number;
  eventid: number;
}

/** MAPI and MOVI. */
export interface ItsCmdDevEventIcid<
  E extends 'gicv3_its_cmd_mapi' | 'gicv3_its_cmd_movi',
> extends TraceBase<E> {
  devid: number;
  eventid: number;
  icid: number;
}

export interface ItsCmdMapti extends TraceBase<'gicv3_its_cmd_mapti'> {
  devid: number;
  eventid: number;
  icid: number;
  /** pINTID. */
  intid: number;
}

export interface ItsCmdMapc extends TraceBase<'gicv3_its_cmd_mapc'> {
  icid: number;
  /** RDbase field (DW2[51:16]): a processor number here, QEMU's ITS having GITS_TYPER.PTA = 0. */
  rdbase: number;
  valid: number;
}

export interface ItsCmdMapd extends TraceBase<'gicv3_its_cmd_mapd'> {
  devid: number;
  /** Size field: EventID bits minus one. */
  size: number;
  /** ITT_addr field: ITT address bits [51:8], i.e. the byte address >> 8 (256-byte units). */
  ittaddr: number;
  valid: number;
}

export interface ItsCmdMovall extends TraceBase<'gicv3_its_cmd_movall'> {
  /** RDbase1 and RDbase2, processor numbers (PTA = 0). */
  rd1: number;
  rd2: number;
}

export interface ItsCmdUnknown extends TraceBase<'gicv3_its_cmd_unknown'> {
  cmd: number;
}

export interface ItsCmdVinvall extends TraceBase<'gicv3_its_cmd_vinvall'> {
  vpeid: number;
}

/** VMAPI (code 0x2b). */
export interface ItsCmdVmapi extends TraceBase<'gicv3_its_cmd_vmapi'> {
  devid: number;
  eventid: number;
  vpeid: number;
  /** Dbell_pINTID: the doorbell physical LPI; 1023 = none. */
  doorbell: number;
}

/** VMAPTI (code 0x2a); QEMU 7.2 prints its name as "VMAPI" too. */
export interface ItsCmdVmapti extends TraceBase<'gicv3_its_cmd_vmapti'> {
  devid: number;
  eventid: number;
  vpeid: number;
  vintid: number;
  /** Dbell_pINTID: 1023 = none. */
  doorbell: number;
}

export interface ItsCmdVmapp extends TraceBase<'gicv3_its_cmd_vmapp'> {
  vpeid: number;
  /** Processor number (PTA = 0). */
  rdbase: number;
  valid: number;
  /** VPT_addr field: vLPI pending table address bits [51:16], i.e. the byte address >> 16 (64 KiB units). */
  vptaddr: number;
  /** VPT_size field: vINTID bits minus one. */
  vptsize: number;
}

export interface ItsCmdVmovi extends TraceBase<'gicv3_its_cmd_vmovi'> {
  devid: number;
  eventid: number;
  vpeid: number;
  /** The D bit: whether `doorbell` is valid. */
  dbvalid: number;
  doorbell: number;
}

export interface ItsCmdVmovp extends TraceBase<'gicv3_its_cmd_vmovp'> {
  vpeid: number;
  /** Processor number (PTA = 0). */
  rdbase: number;
}

/** A collection table entry as QEMU read or wrote it. */
export interface ItsCte<E extends 'gicv3_its_cte_read' | 'gicv3_its_cte_write'> extends TraceBase<E> {
  icid: number;
  valid: number;
  /** Processor number (PTA = 0). */
  rdbase: number;
}

export interface ItsCteReadFault extends TraceBase<'gicv3_its_cte_read_fault'> {
  icid: number;
}

export interface ItsDteRead extends TraceBase<'gicv3_its_dte_read'> {
  devid: number;
  valid: number;
  /** EventID bits minus one. */
  size: number;
  /** The ITT's byte address (QEMU shifts the stored field back up by 8 when it reads a DTE). */
  ittaddr: number;
}

export interface ItsDteWrite extends TraceBase<'gicv3_its_dte_write'> {
  devid: number;
  valid: number;
  /** EventID bits minus one. */
  size: number;
  /** ITT address >> 8 (256-byte units), as in MAPD: unlike gicv3_its_dte_read, which is in bytes. */
  ittaddr: number;
}

export interface ItsDteReadFault extends TraceBase<'gicv3_its_dte_read_fault'> {
  devid: number;
}

/** An interrupt translation entry as QEMU read or wrote it. */
export interface ItsIte<E extends 'gicv3_its_ite_read' | 'gicv3_its_ite_write'> extends TraceBase<E> {
  /** Byte address of the device's ITT (the table base, not this entry's address). */
  ittaddr: number;
  eventid: number;
  valid: number;
  /** QEMU's ITE INTTYPE: 1 physical, 0 virtual. */
  inttype: number;
  /** pINTID when physical, vINTID when virtual. */
  intid: number;
  /** Meaningful when physical. */
  icid: number;
  /** Meaningful when virtual. */
  vpeid: number;
  /** Doorbell pINTID when virtual; 1023 = none. */
  doorbell: number;
}

export interface ItsIteReadFault extends TraceBase<'gicv3_its_ite_read_fault'> {
  /** Byte address of the device's ITT. */
  ittaddr: number;
  eventid: number;
}

/** A vPE table entry as QEMU read or wrote it. */
export interface ItsVte<E extends 'gicv3_its_vte_read' | 'gicv3_its_vte_write'> extends TraceBase<E> {
  vpeid: number;
  valid: number;
  /** vINTID bits minus one, as in VMAPP. */
  vptsize: number;
  /** VPT address >> 16 (64 KiB units), as in VMAPP. */
  vptaddr: number;
  /** Processor number (PTA = 0). */
  rdbase: number;
}

export interface ItsVteReadFault extends TraceBase<'gicv3_its_vte_read_fault'> {
  vpeid: number;
}

/** Every event that QEMU 7.2's GICv3 code can print, one member per event name. */
export type TraceRecord =
  | CpuifUpdate
  | CpuifSetIrqs<'gicv3_cpuif_set_irqs'>
  | CpuifSetIrqs<'gicv3_cpuif_virt_set_irqs'>
  | CpuifVirtUpdate
  | CpuifVirtSetMaintIrq
  | IccGenerateSgi
  | { [E in CpuRegName]: CpuRegAccess<E> }[CpuRegName]
  | { [E in GroupRegName]: GroupRegAccess<E> }[GroupRegName]
  | { [E in ApRegName]: ApRegAccess<E> }[ApRegName]
  | Lr32Access<'gicv3_ich_lr32_read'>
  | Lr32Access<'gicv3_ich_lr32_write'>
  | Lr32Access<'gicv3_ich_lrc_read'>
  | Lr32Access<'gicv3_ich_lrc_write'>
  | LrAccess<'gicv3_ich_lr_read'>
  | LrAccess<'gicv3_ich_lr_write'>
  | DistAccess<'gicv3_dist_read'>
  | DistAccess<'gicv3_dist_write'>
  | DistAccess<'gicv3_dist_badwrite'>
  | DistBadRead
  | DistSetIrq
  | RedistAccess<'gicv3_redist_read'>
  | RedistAccess<'gicv3_redist_write'>
  | RedistAccess<'gicv3_redist_badwrite'>
  | RedistBadRead
  | RedistSetIrq
  | RedistSendSgi
  | ItsAccess<'gicv3_its_read'>
  | ItsAccess<'gicv3_its_write'>
  | ItsAccess<'gicv3_its_badwrite'>
  | ItsBadRead
  | ItsTranslationWrite
  | ItsProcessCommand
  | ItsCmdNoArgs<'gicv3_its_cmd_sync'>
  | ItsCmdNoArgs<'gicv3_its_cmd_invall'>
  | ItsCmdNoArgs<'gicv3_its_cmd_vsync'>
  | ItsCmdDevEvent<'gicv3_its_cmd_clear'>
  | ItsCmdDevEvent<'gicv3_its_cmd_discard'>
  | ItsCmdDevEvent<'gicv3_its_cmd_int'>
  | ItsCmdDevEvent<'gicv3_its_cmd_inv'>
  | ItsCmdDevEventIcid<'gicv3_its_cmd_mapi'>
  | ItsCmdDevEventIcid<'gicv3_its_cmd_movi'>
  | ItsCmdMapti
  | ItsCmdMapc
  | ItsCmdMapd
  | ItsCmdMovall
  | ItsCmdUnknown
  | ItsCmdVinvall
  | ItsCmdVmapi
  | ItsCmdVmapti
  | ItsCmdVmapp
  | ItsCmdVmovi
  | ItsCmdVmovp
  | ItsCte<'gicv3_its_cte_read'>
  | ItsCte<'gicv3_its_cte_write'>
  | ItsCteReadFault
  | ItsDteRead
  | ItsDteWrite
  | ItsDteReadFault
  | ItsIte<'gicv3_its_ite_read'>
  | ItsIte<'gicv3_its_ite_write'>
  | ItsIteReadFault
  | ItsVte<'gicv3_its_vte_read'>
  | ItsVte<'gicv3_its_vte_write'>
  | ItsVteReadFault;

export type TraceEventName = TraceRecord['event'];
export type TraceRecordOf<E extends TraceEventName> = Extract<TraceRecord, { event: E }>;

/** A line that does not parse. `kind` lets an importer skip other subsystems' events deliberately. */
export interface TraceLineError {
  line: number;
  /**
   * 'prefix': not `TID@SECONDS.MICROS:NAME `; 'event': a name this parser does not know (another
   * subsystem's event, say); 'fields': the text does not match the event's format.
   */
  kind: 'prefix' | 'event' | 'fields';
  message: string;
}

export function isTraceLineError(r: TraceRecord | TraceLineError): r is TraceLineError {
  return !('event' in r);
}

// ---------------------------------------------------------------------------------------------
// Format table: QEMU 7.2's format strings verbatim, and the record field each conversion fills
// (QEMU's argument names in camelCase; `:big` marks a %lx kept as bigint).

const SPECS = {
  gicv3_cpuif_set_irqs: ['GICv3 CPU i/f 0x%x HPPI update: setting FIQ %d IRQ %d', 'cpuid fiqlevel irqlevel'],
  gicv3_cpuif_update: ['GICv3 CPU i/f 0x%x HPPI update: irq %d group %d prio %d', 'cpuid irq grp prio'],
  gicv3_cpuif_virt_set_irqs: [
    'GICv3 CPU i/f 0x%x virt HPPI update: setting FIQ %d IRQ %d',
    'cpuid fiqlevel irqlevel',
  ],
  gicv3_cpuif_virt_set_maint_irq: [
    'GICv3 CPU i/f 0x%x virt HPPI update: setting maintenance-irq %d',
    'cpuid maintlevel',
  ],
  gicv3_cpuif_virt_update: [
    'GICv3 CPU i/f 0x%x virt HPPI update LR index %d HPPVLPI %d grp %d prio %d',
    'cpuid idx hppvlpi grp prio',
  ],
  gicv3_dist_badread: ['GICv3 distributor read: offset 0x%lx size %u secure %d: error', 'offset size secure'],
  gicv3_dist_badwrite: [
    'GICv3 distributor write: offset 0x%lx data 0x%lx size %u secure %d: error',
    'offset data:big size secure',
  ],
  gicv3_dist_read: [
    'GICv3 distributor read: offset 0x%lx data 0x%lx size %u secure %d',
    'offset data:big size secure',
  ],
  gicv3_dist_set_irq: ['GICv3 distributor interrupt %d level changed to %d', 'irq level'],
  gicv3_dist_write: [
    'GICv3 distributor write: offset 0x%lx data 0x%lx size %u secure %d',
    'offset data:big size secure',
  ],
  gicv3_icc_ap_read: ['GICv3 ICC_AP%dR%d read cpu 0x%x value 0x%lx', 'grp regno cpu val'],
  gicv3_icc_ap_write: ['GICv3 ICC_AP%dR%d write cpu 0x%x value 0x%lx', 'grp regno cpu val'],
  gicv3_icc_bpr_read: ['GICv3 ICC_BPR%d read cpu 0x%x value 0x%lx', 'grp cpu val'],
  gicv3_icc_bpr_write: ['GICv3 ICC_BPR%d write cpu 0x%x value 0x%lx', 'grp cpu val'],
  gicv3_icc_ctlr_el3_read: ['GICv3 ICC_CTLR_EL3 read cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_icc_ctlr_el3_write: ['GICv3 ICC_CTLR_EL3 write cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_icc_ctlr_read: ['GICv3 ICC_CTLR read cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_icc_ctlr_write: ['GICv3 ICC_CTLR write cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_icc_dir_write: ['GICv3 ICC_DIR write cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_icc_eoir_write: ['GICv3 ICC_EOIR%d write cpu 0x%x value 0x%lx', 'grp cpu val'],
  gicv3_icc_generate_sgi: [
    'GICv3 CPU i/f 0x%x generating SGI %d IRM %d target affinity 0x%xxx targetlist 0x%x',
    'cpuid irq irm aff targetlist',
  ],
  gicv3_icc_hppir0_read: ['GICv3 ICC_HPPIR0 read cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_icc_hppir1_read: ['GICv3 ICC_HPPIR1 read cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_icc_iar0_read: ['GICv3 ICC_IAR0 read cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_icc_iar1_read: ['GICv3 ICC_IAR1 read cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_icc_igrpen1_el3_read: ['GICv3 ICC_IGRPEN1_EL3 read cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_icc_igrpen1_el3_write: ['GICv3 ICC_IGRPEN1_EL3 write cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_icc_igrpen_read: ['GICv3 ICC_IGRPEN%d read cpu 0x%x value 0x%lx', 'grp cpu val'],
  gicv3_icc_igrpen_write: ['GICv3 ICC_IGRPEN%d write cpu 0x%x value 0x%lx', 'grp cpu val'],
  gicv3_icc_pmr_read: ['GICv3 ICC_PMR read cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_icc_pmr_write: ['GICv3 ICC_PMR write cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_icc_rpr_read: ['GICv3 ICC_RPR read cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_ich_ap_read: ['GICv3 ICH_AP%dR%d read cpu 0x%x value 0x%lx', 'grp regno cpu val'],
  gicv3_ich_ap_write: ['GICv3 ICH_AP%dR%d write cpu 0x%x value 0x%lx', 'grp regno cpu val'],
  gicv3_ich_eisr_read: ['GICv3 ICH_EISR read cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_ich_elrsr_read: ['GICv3 ICH_ELRSR read cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_ich_hcr_read: ['GICv3 ICH_HCR_EL2 read cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_ich_hcr_write: ['GICv3 ICH_HCR_EL2 write cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_ich_lr32_read: ['GICv3 ICH_LR%d read cpu 0x%x value 0x%x', 'regno cpu val'],
  gicv3_ich_lr32_write: ['GICv3 ICH_LR%d write cpu 0x%x value 0x%x', 'regno cpu val'],
  gicv3_ich_lr_read: ['GICv3 ICH_LR%d_EL2 read cpu 0x%x value 0x%lx', 'regno cpu val:big'],
  gicv3_ich_lr_write: ['GICv3 ICH_LR%d_EL2 write cpu 0x%x value 0x%lx', 'regno cpu val:big'],
  gicv3_ich_lrc_read: ['GICv3 ICH_LRC%d read cpu 0x%x value 0x%x', 'regno cpu val'],
  gicv3_ich_lrc_write: ['GICv3 ICH_LRC%d write cpu 0x%x value 0x%x', 'regno cpu val'],
  gicv3_ich_misr_read: ['GICv3 ICH_MISR read cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_ich_vmcr_read: ['GICv3 ICH_VMCR_EL2 read cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_ich_vmcr_write: ['GICv3 ICH_VMCR_EL2 write cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_ich_vtr_read: ['GICv3 ICH_VTR read cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_icv_ap_read: ['GICv3 ICV_AP%dR%d read cpu 0x%x value 0x%lx', 'grp regno cpu val'],
  gicv3_icv_ap_write: ['GICv3 ICV_AP%dR%d write cpu 0x%x value 0x%lx', 'grp regno cpu val'],
  gicv3_icv_bpr_read: ['GICv3 ICV_BPR%d read cpu 0x%x value 0x%lx', 'grp cpu val'],
  gicv3_icv_bpr_write: ['GICv3 ICV_BPR%d write cpu 0x%x value 0x%lx', 'grp cpu val'],
  gicv3_icv_ctlr_read: ['GICv3 ICV_CTLR read cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_icv_ctlr_write: ['GICv3 ICV_CTLR write cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_icv_dir_write: ['GICv3 ICV_DIR write cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_icv_eoir_write: ['GICv3 ICV_EOIR%d write cpu 0x%x value 0x%lx', 'grp cpu val'],
  gicv3_icv_hppir_read: ['GICv3 ICV_HPPIR%d read cpu 0x%x value 0x%lx', 'grp cpu val'],
  gicv3_icv_iar_read: ['GICv3 ICV_IAR%d read cpu 0x%x value 0x%lx', 'grp cpu val'],
  gicv3_icv_igrpen_read: ['GICv3 ICV_IGRPEN%d read cpu 0x%x value 0x%lx', 'grp cpu val'],
  gicv3_icv_igrpen_write: ['GICv3 ICV_IGRPEN%d write cpu 0x%x value 0x%lx', 'grp cpu val'],
  gicv3_icv_pmr_read: ['GICv3 ICV_PMR read cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_icv_pmr_write: ['GICv3 ICV_PMR write cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_icv_rpr_read: ['GICv3 ICV_RPR read cpu 0x%x value 0x%lx', 'cpu val'],
  gicv3_its_badread: ['GICv3 ITS read: offset 0x%lx size %u: error', 'offset size'],
  gicv3_its_badwrite: ['GICv3 ITS write: offset 0x%lx data 0x%lx size %u: error', 'offset data:big size'],
  gicv3_its_cmd_clear: ['GICv3 ITS: command CLEAR DeviceID 0x%x EventID 0x%x', 'devid eventid'],
  gicv3_its_cmd_discard: ['GICv3 ITS: command DISCARD DeviceID 0x%x EventID 0x%x', 'devid eventid'],
  gicv3_its_cmd_int: ['GICv3 ITS: command INT DeviceID 0x%x EventID 0x%x', 'devid eventid'],
  gicv3_its_cmd_inv: ['GICv3 ITS: command INV DeviceID 0x%x EventID 0x%x', 'devid eventid'],
  gicv3_its_cmd_invall: ['GICv3 ITS: command INVALL', ''],
  gicv3_its_cmd_mapc: ['GICv3 ITS: command MAPC ICID 0x%x RDbase 0x%lx V %d', 'icid rdbase valid'],
  gicv3_its_cmd_mapd: [
    'GICv3 ITS: command MAPD DeviceID 0x%x Size 0x%x ITT_addr 0x%lx V %d',
    'devid size ittaddr valid',
  ],
  gicv3_its_cmd_mapi: ['GICv3 ITS: command MAPI DeviceID 0x%x EventID 0x%x ICID 0x%x', 'devid eventid icid'],
  gicv3_its_cmd_mapti: [
    'GICv3 ITS: command MAPTI DeviceID 0x%x EventID 0x%x ICID 0x%x pINTID 0x%x',
    'devid eventid icid intid',
  ],
  gicv3_its_cmd_movall: ['GICv3 ITS: command MOVALL RDbase1 0x%lx RDbase2 0x%lx', 'rd1 rd2'],
  gicv3_its_cmd_movi: ['GICv3 ITS: command MOVI DeviceID 0x%x EventID 0x%x ICID 0x%x', 'devid eventid icid'],
  gicv3_its_cmd_sync: ['GICv3 ITS: command SYNC', ''],
  gicv3_its_cmd_unknown: ['GICv3 ITS: unknown command 0x%x', 'cmd'],
  gicv3_its_cmd_vinvall: ['GICv3 ITS: command VINVALL vPEID 0x%x', 'vpeid'],
  gicv3_its_cmd_vmapi: [
    'GICv3 ITS: command VMAPI DeviceID 0x%x EventID 0x%x vPEID 0x%x Dbell_pINTID 0x%x',
    'devid eventid vpeid doorbell',
  ],
  gicv3_its_cmd_vmapp: [
    'GICv3 ITS: command VMAPP vPEID 0x%x RDbase 0x%lx V %d VPT_addr 0x%lx VPT_size 0x%x',
    'vpeid rdbase valid vptaddr vptsize',
  ],
  gicv3_its_cmd_vmapti: [
    'GICv3 ITS: command VMAPI DeviceID 0x%x EventID 0x%x vPEID 0x%x vINTID 0x%x Dbell_pINTID 0x%x',
    'devid eventid vpeid vintid doorbell',
  ],
  gicv3_its_cmd_vmovi: [
    'GICv3 ITS: command VMOVI DeviceID 0x%x EventID 0x%x vPEID 0x%x D %d Dbell_pINTID 0x%x',
    'devid eventid vpeid dbvalid doorbell',
  ],
  gicv3_its_cmd_vmovp: ['GICv3 ITS: command VMOVP vPEID 0x%x RDbase 0x%lx', 'vpeid rdbase'],
  gicv3_its_cmd_vsync: ['GICv3 ITS: command VSYNC', ''],
  gicv3_its_cte_read: [
    'GICv3 ITS: Collection Table read for ICID 0x%x: valid %d RDBase 0x%x',
    'icid valid rdbase',
  ],
  gicv3_its_cte_read_fault: ['GICv3 ITS: Collection Table read for ICID 0x%x: faulted', 'icid'],
  gicv3_its_cte_write: [
    'GICv3 ITS: Collection Table write for ICID 0x%x: valid %d RDBase 0x%x',
    'icid valid rdbase',
  ],
  gicv3_its_dte_read: [
    'GICv3 ITS: Device Table read for DeviceID 0x%x: valid %d size 0x%x ITTaddr 0x%lx',
    'devid valid size ittaddr',
  ],
  gicv3_its_dte_read_fault: ['GICv3 ITS: Device Table read for DeviceID 0x%x: faulted', 'devid'],
  gicv3_its_dte_write: [
    'GICv3 ITS: Device Table write for DeviceID 0x%x: valid %d size 0x%x ITTaddr 0x%lx',
    'devid valid size ittaddr',
  ],
  gicv3_its_ite_read: [
    'GICv3 ITS: Interrupt Table read for ITTaddr 0x%lx EventID 0x%x: valid %d inttype %d intid 0x%x ICID 0x%x vPEID 0x%x doorbell 0x%x',
    'ittaddr eventid valid inttype intid icid vpeid doorbell',
  ],
  gicv3_its_ite_read_fault: [
    'GICv3 ITS: Interrupt Table read for ITTaddr 0x%lx EventID 0x%x: faulted',
    'ittaddr eventid',
  ],
  gicv3_its_ite_write: [
    'GICv3 ITS: Interrupt Table write for ITTaddr 0x%lx EventID 0x%x: valid %d inttype %d intid 0x%x ICID 0x%x vPEID 0x%x doorbell 0x%x',
    'ittaddr eventid valid inttype intid icid vpeid doorbell',
  ],
  gicv3_its_process_command: ['GICv3 ITS: processing command at offset 0x%x: 0x%x', 'rdOffset cmd'],
  gicv3_its_read: ['GICv3 ITS read: offset 0x%lx data 0x%lx size %u', 'offset data:big size'],
  gicv3_its_translation_write: [
    'GICv3 ITS TRANSLATER write: offset 0x%lx data 0x%lx size %u requester_id 0x%x',
    'offset data size requesterId',
  ],
  gicv3_its_vte_read: [
    'GICv3 ITS: vPE Table read for vPEID 0x%x: valid %d VPTsize 0x%x VPTaddr 0x%lx RDbase 0x%x',
    'vpeid valid vptsize vptaddr rdbase',
  ],
  gicv3_its_vte_read_fault: ['GICv3 ITS: vPE Table read for vPEID 0x%x: faulted', 'vpeid'],
  gicv3_its_vte_write: [
    'GICv3 ITS: vPE Table write for vPEID 0x%x: valid %d VPTsize 0x%x VPTaddr 0x%lx RDbase 0x%x',
    'vpeid valid vptsize vptaddr rdbase',
  ],
  gicv3_its_write: ['GICv3 ITS write: offset 0x%lx data 0x%lx size %u', 'offset data:big size'],
  gicv3_redist_badread: [
    'GICv3 redistributor 0x%x read: offset 0x%lx size %u secure %d: error',
    'cpu offset size secure',
  ],
  gicv3_redist_badwrite: [
    'GICv3 redistributor 0x%x write: offset 0x%lx data 0x%lx size %u secure %d: error',
    'cpu offset data:big size secure',
  ],
  gicv3_redist_read: [
    'GICv3 redistributor 0x%x read: offset 0x%lx data 0x%lx size %u secure %d',
    'cpu offset data:big size secure',
  ],
  gicv3_redist_send_sgi: ['GICv3 redistributor 0x%x pending SGI %d', 'cpu irq'],
  gicv3_redist_set_irq: ['GICv3 redistributor 0x%x interrupt %d level changed to %d', 'cpu irq level'],
  gicv3_redist_write: [
    'GICv3 redistributor 0x%x write: offset 0x%lx data 0x%lx size %u secure %d',
    'cpu offset data:big size secure',
  ],
} as const;

// Ties the table to the record types at compile time: an event whose field list disagrees with its
// record interface (a name missing or extra, bigint vs number) makes the SPEC_TABLE line an error.
type Words<S extends string> = S extends `${infer H} ${infer T}` ? H | Words<T> : S extends '' ? never : S;
type FieldsOf<S extends string> = {
  [W in Words<S> as W extends `${infer N}:big` ? N : W]: W extends `${string}:big` ? bigint : number;
};
type PayloadOf<E extends TraceEventName> = Omit<TraceRecordOf<E>, keyof TraceBase<E>>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type SpecMismatches = {
  [
    E in TraceEventName as Same<FieldsOf<(typeof SPECS)[E][1]>, PayloadOf<E>> extends true ? never : E
  ]: 'field list disagrees with the record type';
};
type UnknownEvents = Record<Exclude<keyof typeof SPECS, TraceEventName>, 'not a TraceRecord event'>;
const SPEC_TABLE: typeof SPECS & SpecMismatches & UnknownEvents & Record<TraceEventName, unknown> = SPECS;

/** Every event name the parser knows (QEMU 7.2's GICv3 trace events with a format string). */
export const TRACE_EVENT_NAMES = Object.keys(SPEC_TABLE) as readonly TraceEventName[];

/** An event's format string, verbatim from QEMU 7.2. */
export function traceEventFormat(event: TraceEventName): string {
  return SPEC_TABLE[event][0];
}

// ---------------------------------------------------------------------------------------------
// Compiled form: lits[0] field[0] lits[1] field[1] ... lits[n].

const K_HEX32 = 0; // %x of a 32-bit argument
const K_HEX53 = 1; // %lx of a 64-bit argument that is known to stay below 2^53
const K_HEXBIG = 2; // %lx kept as bigint
const K_INT = 3; // %d
const K_UINT = 4; // %u

interface CompiledSpec {
  event: TraceEventName;
  lits: string[];
  /**
   * The literals' char codes. A charCodeAt loop against these beat `startsWith(lit, pos)` by ~10%
   * of the parse time: startsWith with a non-constant argument is a generic builtin call per literal.
   */
  litCodes: Uint16Array[];
  names: string[];
  kinds: number[];
}

function compile(event: TraceEventName, format: string, fieldList: string): CompiledSpec {
  const lits: string[] = [];
  const names: string[] = [];
  const kinds: number[] = [];
  const words = fieldList === '' ? [] : fieldList.split(' ');
  let litStart = 0;
  for (let i = format.indexOf('%'); i >= 0; i = format.indexOf('%', i)) {
    const conv = format.startsWith('%lx', i) ? 'lx' : format.charAt(i + 1);
    const word = words[names.length];
    if (word === undefined) throw new Error(`${event}: more conversions than fields`);
    const big = word.endsWith(':big');
    let kind: number;
    if (conv === 'lx') kind = big ? K_HEXBIG : K_HEX53;
    else if (big) throw new Error(`${event}: only %lx fields can be bigint`);
    else if (conv === 'x') kind = K_HEX32;
    else if (conv === 'd') kind = K_INT;
    else if (conv === 'u') kind = K_UINT;
    else throw new Error(`${event}: unsupported conversion %${conv}`);
    lits.push(format.slice(litStart, i));
    names.push(big ? word.slice(0, -4) : word);
    kinds.push(kind);
    i += 1 + conv.length;
    litStart = i;
  }
  if (names.length !== words.length) throw new Error(`${event}: more fields than conversions`);
  lits.push(format.slice(litStart));
  const litCodes = lits.map((l) => Uint16Array.from(l, (c) => c.charCodeAt(0)));
  return { event, lits, litCodes, names, kinds };
}

const COMPILED = new Map<string, CompiledSpec>();
for (const event of TRACE_EVENT_NAMES) {
  const [format, fields] = SPEC_TABLE[event];
  COMPILED.set(event, compile(event, format, fields));
}

// ---------------------------------------------------------------------------------------------
// Parser

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function fail(line: number, kind: TraceLineError['kind'], message: string): TraceLineError {
  return { line, kind, message };
}

/** A short, quoted excerpt of the text at `pos` for error messages. */
function found(text: string, pos: number, end: number): string {
  if (pos >= end) return 'end of line';
  const s = text.slice(pos, Math.min(end, pos + 24));
  return `'${s}${pos + 24 < end ? '…' : ''}'`;
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) return false;
  }
  return true;
}

// Digit scanners leave their end position here rather than allocate a result pair per field.
let scanEnd = 0;

/** Decimal digits from `pos`; NaN if there are none or more than 16. */
function scanDecimal(text: string, pos: number, end: number): number {
  let v = 0;
  let i = pos;
  while (i < end) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
    i++;
  }
  scanEnd = i;
  return i === pos || i - pos > 16 ? NaN : v;
}

/** Hex digits from `pos` (the caller has matched the "0x"); NaN if none or more than 16. */
function scanHex(text: string, pos: number, end: number): number {
  let v = 0;
  let i = pos;
  while (i < end) {
    const c = text.charCodeAt(i);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    else break;
    // Beyond 2^53 the sum is inexact, but such values only matter as bigint, parsed from the text.
    v = v * 16 + d;
    i++;
  }
  scanEnd = i;
  return i === pos || i - pos > 16 ? NaN : v;
}

/**
 * Parses one trace line (without its newline; a trailing CR is ignored). Returns null for a blank
 * line, a record, or an error naming what does not match. Never throws.
 */
export function parseTraceLine(text: string, lineNo: number): TraceRecord | TraceLineError | null {
  let end = text.length;
  if (end > 0 && text.charCodeAt(end - 1) === 13) end--;
  if (end === 0 || isBlank(text)) return null;

  // TID@SECONDS.MICROS:
  const tid = scanDecimal(text, 0, end);
  let pos = scanEnd;
  if (Number.isNaN(tid) || pos > 10) {
    return fail(
      lineNo,
      'prefix',
      `bad prefix: expected a decimal thread id at column 1, found ${found(text, 0, end)}`,
    );
  }
  if (text.charCodeAt(pos) !== 64) {
    return fail(
      lineNo,
      'prefix',
      `bad prefix: expected '@' after the thread id at column ${pos + 1}, found ${found(text, pos, end)}`,
    );
  }
  const secs = scanDecimal(text, ++pos, end);
  if (Number.isNaN(secs) || scanEnd - pos > 12) {
    return fail(
      lineNo,
      'prefix',
      `bad prefix: expected decimal seconds at column ${pos + 1}, found ${found(text, pos, end)}`,
    );
  }
  pos = scanEnd;
  if (text.charCodeAt(pos) !== 46) {
    return fail(
      lineNo,
      'prefix',
      `bad prefix: expected '.' after the seconds at column ${pos + 1}, found ${found(text, pos, end)}`,
    );
  }
  const micros = scanDecimal(text, ++pos, end);
  if (Number.isNaN(micros) || scanEnd - pos !== 6) {
    return fail(
      lineNo,
      'prefix',
      `bad prefix: expected 6 digits of microseconds at column ${pos + 1}, found ${found(text, pos, end)}`,
    );
  }
  pos = scanEnd;
  if (text.charCodeAt(pos) !== 58) {
    return fail(
      lineNo,
      'prefix',
      `bad prefix: expected ':' after the timestamp at column ${pos + 1}, found ${found(text, pos, end)}`,
    );
  }
  pos++;
  // One rounding, so `time` is the double nearest the printed decimal while the microsecond count
  // is exact (until the year 2255).
  const us = secs * 1e6 + micros;
  const time = us <= MAX_SAFE ? us / 1e6 : secs + micros / 1e6;

  // EVENT_NAME, then a space and the formatted text.
  let nameEnd = text.indexOf(' ', pos);
  if (nameEnd < 0 || nameEnd > end) nameEnd = end;
  if (nameEnd === pos) {
    return fail(
      lineNo,
      'prefix',
      `bad prefix: expected an event name at column ${pos + 1}, found ${found(text, pos, end)}`,
    );
  }
  const spec = COMPILED.get(text.slice(pos, nameEnd));
  if (spec === undefined) {
    const name = text.slice(pos, Math.min(nameEnd, pos + 64));
    return fail(lineNo, 'event', `unknown event '${name}${nameEnd - pos > 64 ? '…' : ''}'`);
  }
  const event = spec.event;
  if (nameEnd === end) return fail(lineNo, 'fields', `${event}: no text after the event name`);
  pos = nameEnd + 1;

  const { lits, litCodes, names, kinds } = spec;
  const rec: Record<string, unknown> = { line: lineNo, tid, time, event };
  const n = names.length;
  for (let i = 0; i <= n; i++) {
    const codes = litCodes[i] as Uint16Array;
    const litEnd = pos + codes.length;
    let ok = litEnd <= end;
    if (ok) {
      for (let k = 0; k < codes.length; k++) {
        if (text.charCodeAt(pos + k) !== codes[k]) {
          ok = false;
          break;
        }
      }
    }
    if (!ok) {
      const lit = lits[i] as string;
      const where = i < n ? `before ${names[i]}` : 'at the end';
      return fail(
        lineNo,
        'fields',
        `${event}: expected '${lit}' ${where} at column ${pos + 1}, found ${found(text, pos, end)}`,
      );
    }
    pos = litEnd;
    if (i === n) break;

    const name = names[i] as string;
    const kind = kinds[i];
    const start = pos;
    let value: number | bigint;
    if (kind === K_INT || kind === K_UINT) {
      const neg = kind === K_INT && text.charCodeAt(pos) === 45;
      const digits = neg ? pos + 1 : pos;
      const v = scanDecimal(text, digits, end);
      if (Number.isNaN(v)) {
        const why = scanEnd - digits > 16 ? 'too many decimal digits' : 'expected a decimal number';
        return fail(
          lineNo,
          'fields',
          `${event}: field ${name}: ${why} at column ${start + 1}, found ${found(text, start, end)}`,
        );
      }
      const max = kind === K_UINT ? 0xffffffff : neg ? 0x80000000 : 0x7fffffff;
      if (v > max) {
        return fail(
          lineNo,
          'fields',
          `${event}: field ${name}: ${text.slice(start, scanEnd)} does not fit in 32 bits`,
        );
      }
      value = neg ? 0 - v : v; // 0 - v: never -0
    } else {
      const v = scanHex(text, pos, end);
      if (Number.isNaN(v)) {
        const why = scanEnd - pos > 16 ? 'more than 16 hex digits' : 'expected hex digits';
        return fail(
          lineNo,
          'fields',
          `${event}: field ${name}: ${why} at column ${start + 1}, found ${found(text, start, end)}`,
        );
      }
      if (kind === K_HEXBIG) {
        value = scanEnd - pos <= 13 ? BigInt(v) : BigInt('0x' + text.slice(pos, scanEnd));
      } else {
        if (v > (kind === K_HEX32 ? 0xffffffff : MAX_SAFE)) {
          const limit = kind === K_HEX32 ? 'does not fit in 32 bits' : 'exceeds 2^53 - 1';
          return fail(lineNo, 'fields', `${event}: field ${name}: 0x${text.slice(start, scanEnd)} ${limit}`);
        }
        value = v;
      }
    }
    pos = scanEnd;
    rec[name] = value;
  }
  if (pos !== end) {
    return fail(lineNo, 'fields', `${event}: unexpected text at column ${pos + 1}: ${found(text, pos, end)}`);
  }
  return rec as unknown as TraceRecord;
}
