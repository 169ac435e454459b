/**
 * Where ITS implementations differ, the model follows the machine's behaviour profile. Each rule
 * is one documented divergence with its source (tags as in ../shared/domain/gic-its-kvm-reference.md
 * §0; "[qemu src]" is QEMU's hw/intc/arm_gicv3_its.c as read for this project). The command
 * handlers switch on these rules at the point where the implementations part ways, so each
 * divergence is coded, and explained, in one place.
 */

import type { GicVersion } from '../gic/gic-config';
import type { ProfileName, RuleDoc } from '../gic/gic-rules';
import type { ItsConfig } from './its-config';

export interface ItsRules {
  /** Where the ITS keeps its mappings between commands. */
  state: 'kvm-lists' | 'tables-in-memory';
  /** Entry formats of the device, collection and interrupt translation tables in memory. */
  tableFormat: 'abi-rev0' | 'qemu';
  /** What a command that fails a check does to the queue. */
  commandError: 'drop' | 'skip' | 'stall';
  /** What a guest-memory fault (command fetch or table access) does. */
  memoryFault: 'skip' | 'stall';
  /** MAPTI/MAPI on an event that is already mapped. */
  maptiOverExisting: 'ignore' | 'overwrite';
  /** Whether DISCARD clears the LPI's pending state. */
  discardClearsPending: boolean;
  /** What MOVALL moves. */
  movall: 'every-lpi' | 'pending-on-rd1';
  /** Whether enabling the ITS needs valid device/collection BASERs and CBASER. */
  enableNeedsValidTables: boolean;
  /** A GITS_CWRITER write whose offset is beyond the queue. */
  cwriterOutOfRange: 'write-ignored' | 'stored-not-processed';
  /** What a GITS_CBASER write resets. */
  cbaserWrite: 'creadr-cwriter-zero-64k' | 'creadr-zero';
  /** GITS_CTLR.Quiescent. */
  quiescent: 'queue-empty' | 'always';
  /** Which GITS_CTLR writes (re)start command processing. */
  processOnCtlr: 'any-write' | 'enable-write';
  /** GITS_BASER<n>.Page_Size. */
  baserPageSize: 'forced-64k' | 'as-written';
  /** The translation cache. */
  translationCache: 'per-its-unbounded' | 'none' | 'bounded-lru';
  /** Guest writes to GITS_CREADR. */
  creadrWrite: 'ignored' | 'allowed-clears-stall';
  /** Whether GITS_CWRITER.Retry restarts a stalled queue. */
  retry: boolean;
  /** GITS_CREADR.Stalled: stops processing until cleared, or is only a sticky flag. */
  stalledBit: 'blocks-processing' | 'sticky-flag';
  /** Whether a CPU's MMIO write to GITS_TRANSLATER reaches the ITS. */
  translaterFromCpu: boolean;
  /** Where the target of INT/MSI is checked for EnableLPIs. */
  lpisDisabledAtTarget: 'its-refuses' | 'redistributor-drops';
  /** Bytes per vPE table entry (GITS_BASER2) when the ITS has virtual LPI support; 0: none. */
  vteBytes: number;
  iidr: number;
  /** PIDR2 is given for a GICv3; a GICv4 reports ArchRev 4 in its bits [7:4] (gic-rules pidrFor). */
  pidr: readonly [number, number, number, number];
  /** GITS_TYPER option defaults of this implementation. */
  defaults: Omit<ItsConfig, 'base'>;
}

const COMMON_DEFAULTS = { devBits: 16, eventIdBits: 16, cidBits: 16, pta: false, hcc: 0 };

export const ITS_RULES: Record<ProfileName, ItsRules> = {
  kvm: {
    state: 'kvm-lists',
    tableFormat: 'abi-rev0',
    commandError: 'drop',
    memoryFault: 'skip',
    maptiOverExisting: 'ignore',
    discardClearsPending: false,
    movall: 'every-lpi',
    enableNeedsValidTables: true,
    cwriterOutOfRange: 'write-ignored',
    cbaserWrite: 'creadr-cwriter-zero-64k',
    quiescent: 'queue-empty',
    processOnCtlr: 'any-write',
    baserPageSize: 'forced-64k',
    translationCache: 'per-its-unbounded',
    creadrWrite: 'ignored',
    retry: false,
    stalledBit: 'blocks-processing',
    translaterFromCpu: false,
    lpisDisabledAtTarget: 'its-refuses',
    vteBytes: 0,
    iidr: 0x4b00043b,
    pidr: [0x92, 0xb4, 0x3b, 0x40],
    defaults: { ...COMMON_DEFAULTS, cil: false, ittEntrySize: 8, cacheEntries: 0, vmovp: false },
  },
  qemu: {
    state: 'tables-in-memory',
    tableFormat: 'qemu',
    commandError: 'skip',
    memoryFault: 'stall',
    maptiOverExisting: 'overwrite',
    discardClearsPending: true,
    movall: 'pending-on-rd1',
    enableNeedsValidTables: false,
    cwriterOutOfRange: 'stored-not-processed',
    cbaserWrite: 'creadr-zero',
    quiescent: 'always',
    processOnCtlr: 'enable-write',
    baserPageSize: 'as-written',
    translationCache: 'none',
    creadrWrite: 'allowed-clears-stall',
    retry: false,
    stalledBit: 'sticky-flag',
    translaterFromCpu: true,
    lpisDisabledAtTarget: 'redistributor-drops',
    vteBytes: 8,
    iidr: 0x43b,
    pidr: [0x94, 0xb4, 0x3b, 0x44],
    defaults: { ...COMMON_DEFAULTS, cil: true, ittEntrySize: 12, cacheEntries: 0, vmovp: true },
  },
  spec: {
    state: 'tables-in-memory',
    tableFormat: 'abi-rev0',
    commandError: 'stall',
    memoryFault: 'stall',
    maptiOverExisting: 'overwrite',
    discardClearsPending: true,
    movall: 'pending-on-rd1',
    enableNeedsValidTables: false,
    cwriterOutOfRange: 'stored-not-processed',
    cbaserWrite: 'creadr-zero',
    quiescent: 'queue-empty',
    processOnCtlr: 'enable-write',
    baserPageSize: 'as-written',
    translationCache: 'bounded-lru',
    creadrWrite: 'ignored',
    retry: true,
    stalledBit: 'blocks-processing',
    translaterFromCpu: true,
    lpisDisabledAtTarget: 'redistributor-drops',
    vteBytes: 16,
    iidr: 0x43b,
    pidr: [0x94, 0xb4, 0x3b, 0x44],
    defaults: { ...COMMON_DEFAULTS, cil: false, ittEntrySize: 8, cacheEntries: 64, vmovp: true },
  },
};

/**
 * The spec profile on a GICv4: ABI revision 0 has no room for a virtual ITE (vPEID, vINTID and a
 * doorbell), so the tables take QEMU's layouts, whose 12-byte ITE has them all.
 */
const SPEC_V4: ItsRules = {
  ...ITS_RULES.spec,
  tableFormat: 'qemu',
  defaults: { ...ITS_RULES.spec.defaults, ittEntrySize: 12 },
};

/** The ITS rules of a profile on a GIC of `version`. */
export function itsRulesFor(profile: ProfileName, version: GicVersion): ItsRules {
  return profile === 'spec' && version >= 4 ? SPEC_V4 : ITS_RULES[profile];
}

export const ITS_RULE_DOCS: readonly RuleDoc[] = [
  {
    rule: 'state',
    title: 'Where the ITS keeps its mappings',
    kvm: 'In kernel lists (devices, ITEs, collections); guest memory is written only when MAPD unmaps a device (zeroed DTE), on DISCARD (zeroed ITE) and when the tables are saved.',
    qemu: 'In the tables in guest memory, read and written on every command and translation.',
    spec: 'In the tables in memory, with a translation cache in front of them.',
    sources: '[its.c]; [q-its]; reference §8.1',
  },
  {
    rule: 'tableFormat',
    title: 'Table entry formats',
    kvm: "KVM's ITS table ABI revision 0: 8-byte DTE/CTE/ITE (used when the tables are saved).",
    qemu: "QEMU's own formats: 8-byte DTE and CTE, 12-byte ITE (GITS_TYPER.ITT_entry_size = 11).",
    spec: "KVM ABI revision 0 layouts on a GICv3 (the architecture leaves the formats IMPLEMENTATION DEFINED); on a GICv4 QEMU's layouts and 12-byte ITEs, since ABI revision 0 has no room for a virtual ITE (vINTID, vPEID, doorbell).",
    sources: '[doc-its]; [q-int]; reference §4.4, §4.5',
  },
  {
    rule: 'commandError',
    title: 'A command that fails a check',
    kvm: 'Dropped: the handler returns an E_ITS_* code that the command loop ignores; CREADR advances, nothing stalls.',
    qemu: 'Skipped (CMD_CONTINUE) with a guest-error log; CREADR advances.',
    spec: 'Stalls the queue: GITS_CREADR.Stalled = 1 and CREADR stays on the command (one of the two architected options; it keeps the error visible).',
    sources: '[its.c] vgic_its_process_commands; [q-its] process_cmdq; IHI 0069 command errors',
  },
  {
    rule: 'memoryFault',
    title: 'A guest-memory fault',
    kvm: 'The command is skipped and the queue moves on.',
    qemu: 'Stall (CMD_STALL): Stalled = 1, CREADR not advanced; a TRANSLATER write returns a bus error.',
    spec: 'Stall.',
    sources: '[its.c]; [q-its]',
  },
  {
    rule: 'maptiOverExisting',
    title: 'MAPTI / MAPI over a mapped event',
    kvm: 'Ignored: returns success and changes nothing.',
    qemu: 'The ITE is overwritten.',
    spec: 'The ITE is overwritten (software should DISCARD first).',
    sources: '[its.c] vgic_its_cmd_handle_mapi; [q-its] process_mapti',
  },
  {
    rule: 'discardClearsPending',
    title: 'DISCARD and the pending state',
    kvm: 'Not cleared: the LPI object goes when its last reference does.',
    qemu: 'Cleared at the redistributor, then an invalid ITE is written.',
    spec: 'Cleared (DISCARD removes the pending state and the mapping).',
    sources: '[its.c]; [q-its]; IHI 0069 DISCARD',
  },
  {
    rule: 'movall',
    title: 'MOVALL scope',
    kvm: 'Every LPI of the VM is retargeted to RDbase2 (since the xarray rework; older kernels moved only those on RDbase1).',
    qemu: 'The pending bits of RDbase1 move to RDbase2 (both need EnableLPIs).',
    spec: 'Pending LPIs move from RDbase1 to RDbase2.',
    sources: '[its.c] vgic_its_cmd_handle_movall; [q-redist] gicv3_redist_movall_lpis',
  },
  {
    rule: 'enableNeedsValidTables',
    title: 'Enabling the ITS',
    kvm: 'Refused silently unless the device BASER, the collection BASER and CBASER are valid.',
    qemu: 'Always allowed; invalid tables have no entries, so every command fails.',
    spec: 'Allowed.',
    sources: '[its.c] vgic_mmio_write_its_ctlr; [q-its] its_writel',
  },
  {
    rule: 'cwriterOutOfRange',
    title: 'GITS_CWRITER beyond the queue',
    kvm: 'The write is ignored; CWRITER keeps its old value.',
    qemu: 'Stored, but processing refuses to run while either offset is out of range.',
    spec: 'As QEMU.',
    sources: '[its.c]; [q-its] process_cmdq',
  },
  {
    rule: 'cbaserWrite',
    title: 'GITS_CBASER write (ITS disabled)',
    kvm: 'CREADR and CWRITER reset to 0; the address is forced 64 KiB aligned.',
    qemu: 'CREADR resets to 0 (clearing Stalled); CWRITER kept.',
    spec: 'CREADR resets to 0.',
    sources: '[its.c]; [q-its]',
  },
  {
    rule: 'quiescent',
    title: 'GITS_CTLR.Quiescent',
    kvm: 'Set when CREADR equals CWRITER.',
    qemu: 'Set at reset and never cleared.',
    spec: 'Set when the ITS is disabled and has no work in flight (the model: queue empty).',
    sources: '[its.c]; [q-its]',
  },
  {
    rule: 'processOnCtlr',
    title: 'Which GITS_CTLR writes start processing',
    kvm: 'Every GITS_CTLR write (while enabled).',
    qemu: 'Every write with Enabled = 1, which also re-reads the table and queue geometry.',
    spec: 'Enabling.',
    sources: '[its.c]; [q-its]',
  },
  {
    rule: 'baserPageSize',
    title: 'GITS_BASER<n>.Page_Size',
    kvm: 'Forced to 64 KiB; only BASER0 (devices) and BASER1 (collections) exist; the collection table cannot be Indirect.',
    qemu: '4K, 16K and 64K honoured (3 is 64K); BASER0 devices, BASER1 collections.',
    spec: 'As written.',
    sources: '[its.c] vgic_mmio_write_its_baser; [q-its]',
  },
  {
    rule: 'translationCache',
    title: 'Translation cache',
    kvm: 'One per vITS keyed by DeviceID and EventID (both at most 0xFFFF), unbounded; filled on every successful translation; flushed by DISCARD, MOVI, MOVALL, MAPD of a live device, MAPC V=0, disabling the ITS and clearing EnableLPIs.',
    qemu: 'None: every translation walks the tables.',
    spec: 'A bounded LRU cache (ITS option cacheEntries); every command that changes a mapping keeps it coherent.',
    sources: '[its.c] vgic_its_cache_translation; reference §5.3',
  },
  {
    rule: 'creadrWrite',
    title: 'Writes to GITS_CREADR',
    kvm: 'Ignored (only userspace may restore it).',
    qemu: 'Allowed with GICD_CTLR.DS = 1: the offset is stored and Stalled cleared.',
    spec: 'Ignored: read-only.',
    sources: '[its.c]; [q-its] its_writel',
  },
  {
    rule: 'retry',
    title: 'GITS_CWRITER.Retry',
    kvm: 'Not stored, no effect (KVM never stalls).',
    qemu: 'Masked out; any CWRITER write re-runs the stalled command anyway.',
    spec: 'Writing CWRITER with Retry = 1 re-runs the stalled command.',
    sources: '[its.c]; [q-its]; IHI 0069 GITS_CWRITER',
  },
  {
    rule: 'stalledBit',
    title: 'What GITS_CREADR.Stalled does',
    kvm: 'Never set.',
    qemu: 'Only a flag: processing never reads it, so a later CWRITER write re-runs the failed command and, if it now succeeds, the queue drains with Stalled still set until CREADR or CBASER is written.',
    spec: 'Processing stops until the stall is cleared (Retry).',
    sources: '[q-its] process_cmdq; IHI 0069 GITS_CREADR',
  },
  {
    rule: 'translaterFromCpu',
    title: 'A CPU writing GITS_TRANSLATER',
    kvm: 'Nothing: KVM has no register there; MSIs reach the vITS only through KVM_SIGNAL_MSI, irqfd or GICv4.',
    qemu: 'Translated like a device write, with the CPU as requester.',
    spec: 'Translated like any other write to the translation frame.',
    sources: '[its.c] its_registers; [q-its] gicv3_its_translation_write',
  },
  {
    rule: 'lpisDisabledAtTarget',
    title: 'An MSI for a PE whose LPIs are disabled',
    kvm: 'The ITS refuses it (-EBUSY) before anything is made pending.',
    qemu: 'Translated; the redistributor then ignores it.',
    spec: 'Translated; the redistributor ignores it.',
    sources: '[its.c] vgic_its_resolve_lpi; [q-redist] gicv3_redist_process_lpi',
  },
  {
    rule: 'vteBytes',
    title: 'vPE table entries (GITS_BASER2)',
    kvm: 'No vPE table: the vITS has no virtual LPI support, GITS_BASER2 reads 0 and the V* commands are dropped.',
    qemu: "On a GICv4: GITS_BASER2 Type vPE, 8-byte VTE in QEMU's format: Valid [0], VPT_size [5:1], VPT address >> 16 in [41:6], RDbase (a processor number) [57:42].",
    spec: "On a GICv4: 16-byte VTE: QEMU's first doubleword, then the GICv4.1 Default_Doorbell [31:0] and VCONF address >> 16 [63:32] (the format is IMPLEMENTATION DEFINED).",
    sources: '[q-its] gicv3_its_reset_hold, get_vte, update_vte; reference §4.5',
  },
  {
    rule: 'iidr',
    title: 'GITS_IIDR',
    kvm: '0x4B00043B (ProductID K, ABI revision 0, Arm).',
    qemu: '0x43B.',
    spec: '0x43B.',
    sources: '[its.c]; [q-its]',
  },
  {
    rule: 'pidr',
    title: 'GITS ID registers',
    kvm: 'PIDR0 0x92, PIDR1 0xB4, PIDR2 0x3B, PIDR4 0x40; CIDR 0x0D 0xF0 0x05 0xB1.',
    qemu: 'PIDR0 0x94, PIDR1 0xB4, PIDR2 = revision << 4 | 0x0B (0x3B on a GICv3, 0x4B on a GICv4), PIDR4 0x44; same CIDRs.',
    spec: 'As QEMU (PIDR2.ArchRev is 3 on a GICv3, 4 on a GICv4 and GICv4.1).',
    sources: '[its.c]; [q-int] gicv3_idreg',
  },
  {
    rule: 'defaults',
    title: 'GITS_TYPER',
    kvm: 'Physical, ITT_entry_size 7 (8 bytes), ID_bits 15, Devbits 15, everything else 0: 0x1EF71.',
    qemu: 'Physical, ITT_entry_size 11 (12 bytes), ID_bits 15, Devbits 15, CIL 1, CIDbits 15: 0x1F0001EFB1; on a GICv4 also Virtual and VMOVP: 0x3F0001EFB3. QEMU models GICv4.0 only.',
    spec: 'Physical, ITT_entry_size 7 (11 on a GICv4), ID_bits 15, Devbits 15; on a GICv4 Virtual and VMOVP (an option), on a GICv4.1 also VSGI and VMAPP (SVPET 0); PTA, CIL, VMOVP and the cache size are scenario options.',
    sources: '[its.c]; [q-its] gicv3_arm_its_realize',
  },
];
