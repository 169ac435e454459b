/**
 * The contract between the page and the engine worker: plain, structured-cloneable records only,
 * so the page holds the slice of the model it shows and never the model itself (ARCHITECTURE.md §3).
 * This file holds types (and the list of calls) only; the page imports it freely, and the worker implements it.
 *
 * A session is one scenario, run to its end when it is loaded (scenarios are small and the model
 * is deterministic), or one QEMU trace replayed on the model (docs/traces.md), so its whole history
 * exists at once. The page then moves a *position* over
 * that history: position p is the machine as it was after the first p events (0: as built, before
 * anything happened; `length`: the end). Stepping, stepping back, scrubbing and jumping are all
 * "show position p", which the worker answers by seeking (snapshots + exact replay) and describing
 * what is there.
 */

import type {
  CpuInterfaceView,
  DistributorView,
  EventIds,
  Completion,
  EventMatch,
  InspectError,
  ItsCacheView,
  ItsCollectionsView,
  ItsDevicesView,
  ItsView,
  IttView,
  MemoryDump,
  MemoryMapView,
  QueueSlotsView,
  RedistributorView,
  RegisterListView,
  RegisterReading,
  DecodedField,
  V4PathsView,
  V4View,
} from '../../engine';
import type { VcpuExitReason, VcpuIrqSource, VcpuMode, VcpuRunCounters } from '../../engine/kvm/vcpu-run';
import type { GuestPolicy } from '../../engine/kvm/vm-state';
import type { VgicLrPolicy } from '../../engine/kvm/vgic-state';
import type { Difficulty, InspectView } from '../../engine/scenario/schema';

export type { VcpuMode } from '../../engine/kvm/vcpu-run';

export interface MachineShape {
  profile: string;
  /** Affinity of each PE, 'Aff3.Aff2.Aff1.Aff0'. */
  cpus: string[];
  its: { index: number; base: number }[];
  devices: { name: string; rid: number; devid: number; its: number }[];
  spis: number;
  /** The ITS commands the model decodes, by name (breakpoint and console choices). */
  itsCommands: string[];
  /** The VMs KVM runs on the host; absent when the machine runs no hypervisor. */
  vms?: VmShape[];
  /**
   * The host's GIC is a GICv4 (its ITSs take virtual commands and have a vPE table, its
   * redistributors a VLPI frame). Absent on a GICv3, whose shape stays what it was.
   */
  gicv4?: true;
}

/** A VM as the stage lays it out: what never changes while its history plays. */
export interface VmShape {
  index: number;
  /** 'vm0'; event units are named after it ('vm0.vcpu1', 'vm0.its0'). */
  name: string;
  vcpus: number;
  /** List registers per vCPU (ICH_VTR_EL2.ListRegs + 1). */
  lrs: number;
  /** Virtual ITSs KVM emulates for it (0 or 1). */
  its: number;
  /**
   * KVM uses GICv4 direct injection for it (the host's GIC is a GICv4 and the VM did not turn it
   * off): its vCPUs have vPEs, and a forwarded device MSI reaches the guest without KVM. Absent
   * otherwise, so the shape of every other machine stays what it was.
   */
  gicv4?: true;
}

export interface ExpectationResult {
  /** The expectation's command line, e.g. `expect deliveries cpu3:8195`. */
  text: string;
  ok: boolean;
  /** Why it failed (or a note when it held); empty when the engine says nothing. */
  message: string;
}

export interface StepInfo {
  title: string;
  /** Markdown, as the scenario wrote it. */
  narration: string;
  predict?: {
    question: string;
    choices: string[];
    /** The choice the outcome selects. */
    answer?: number;
    /** Markdown: why the outcome is what it is. */
    explain?: string;
  };
  /** The inspector the lesson opens at this step ('trace': a trace session's agreement report). */
  inspect?: InspectView | 'trace';
  /** Speaker notes (Markdown), for presenter mode. */
  notes?: string;
  /**
   * A scenario step's command lines, as written (the authoring editor shows what a step does
   * beside its narration). Absent for a trace session's steps, which have no lines of their own.
   */
  actions?: string[];
  /** Events of the step: [from, to). */
  from: number;
  to: number;
  /** A trace session's step: the trace lines it covers, [from, to] (global numbers, from 1). */
  traceLines?: { from: number; to: number };
  passed: boolean;
  expectations: ExpectationResult[];
}

export interface SessionInfo {
  file: string;
  title: string;
  summary: string;
  goals: string[];
  /** The scenario's id, track number, difficulty and prerequisites (lesson metadata). */
  id: string;
  track?: string;
  difficulty?: Difficulty;
  prerequisites: string[];
  shape: MachineShape;
  steps: StepInfo[];
  /** Events in the history: positions run from 0 to length. */
  length: number;
  passed: boolean;
  /** Where the notable events are (their seq), for the timeline's markers. */
  marks: { deliveries: number[]; commands: number[]; errors: number[] };
  /** A session replayed from a QEMU trace: what the replay found (absent for a scenario). */
  trace?: TraceReport;
}

/** `cancelled`: the user stopped a trace while it was read; the errors then say so. */
export type LoadResponse =
  { ok: true; session: SessionInfo } | { ok: false; errors: string[]; cancelled?: true };

/**
 * A file of a trace session: one the user chose (the File itself: the worker reads it as a stream,
 * no copy passes through the page) or one the app serves (a URL the worker fetches).
 */
export type TraceInput = { name: string; blob: Blob } | { name: string; url: string };

/** What to replay: trace files from disk, or a trace lesson (giclab-trace-lesson/1). */
export type TraceRequest =
  | {
      kind: 'files';
      /** The trace, in parts if it was split, in order. */
      trace: TraceInput[];
      /** The saved ITS command queue (cmdq.bin[.gz]). */
      cmdq?: TraceInput;
      /** The saved LPI property table (proptable.bin[.gz]). */
      proptable?: TraceInput;
    }
  | {
      kind: 'lesson';
      /** The lesson file's text and name (its path under /scenarios/). */
      text: string;
      name: string;
      /** The absolute URL the lesson's trace file names are under (the app's /traces/). */
      base: string;
    };

/** How far the opening of a trace is. */
export interface TraceProgress {
  /** 'download': fetching a served file; 'scan': first pass (shape, syntax); 'replay': on the model. */
  phase: 'download' | 'scan' | 'replay';
  /** The file being read. */
  file: string;
  /** Bytes of that file read so far (as stored: compressed for a .gz), of `total` when known. */
  bytes: number;
  total?: number;
  /** Trace lines read so far in this phase (all parts). */
  lines: number;
  /** The whole open, from 0 to 1. */
  fraction: number;
}

/** One line of the trace that a report names. */
export interface TraceLineRef {
  /** Line number over the whole trace (parts counted on). */
  line: number;
  /** 'file:line' in the file it is in. */
  at: string;
  /** The line as the trace has it (absent when it was not kept). */
  text?: string;
  /** The position that shows the first event the model made for that line (or the next line). */
  position: number;
}

export interface TraceDisagreement extends TraceLineRef {
  what: string;
}

/** One comparison of the replay ('MSIs translated alike': agreed of total). */
export interface TraceTally {
  id: 'msis' | 'commands' | 'tableWrites' | 'acknowledges' | 'vlpiAcknowledges' | 'registerReads';
  label: string;
  agreed: number;
  total: number;
}

/** What replaying a QEMU trace found: engine/import/qemu-replay.ts's report, for the page. */
export interface TraceReport {
  /** The trace's files (parts in order), and the dumps used, if any. */
  files: string[];
  cmdq?: string;
  proptable?: string;
  lines: number;
  /** Lines that were trace records the replay took. */
  records: number;
  /** Lines of trace events this importer does not read (another subsystem's), skipped. */
  skipped: { event: string; count: number; first: number }[];
  shape: { cpus: number; gicVersion: 3 | 4 };
  /** Every comparison agrees. */
  agree: boolean;
  tallies: TraceTally[];
  /** Per CPU, the interrupts acknowledged ('INTID:count ...'), by QEMU and by the model. */
  deliveries: { cpu: number; trace: string; model: string }[];
  /** The same for vLPIs taken through ICV_IAR1_EL1 (GICv4), when there were any. */
  virtualDeliveries: { cpu: number; trace: string; model: string }[];
  /** What the replay assumed where the trace is silent. */
  inferred: string[];
  /** The disagreements kept (at most a few hundred), each with its line. */
  disagreements: TraceDisagreement[];
  disagreementCount: number;
  /** Trace events the replay read but did not use, with their counts. */
  unused: { event: string; count: number }[];
}

/** A trace line and where the history has it (`traceLine`'s answer). */
export type TraceLineInfo = TraceLineRef;

/** One line of the narrated event log. */
export interface EventRow extends EventIds {
  seq: number;
  /** Model time in ns. */
  time: number;
  kind: string;
  unit: string;
  /** The sentence the explain layer writes for the event. */
  text: string;
  /** The event that caused this one (null: an outside input). */
  cause: number | null;
  /** Index of the scenario step the event belongs to. */
  step: number;
  /** A trace session: the trace line whose replay made the event (absent: the replay's own set-up). */
  traceLine?: number;
}

/** A place on the stage, along the architectural path of an interrupt. */
export type Place =
  | { node: 'device'; name: string }
  /** An ITS part, or (no part) the ITS as a whole: its control registers. */
  | { node: 'its'; its: number; part?: 'translater' | 'cache' | 'dt' | 'itt' | 'ct' | 'vt' | 'queue' }
  | { node: 'dist' }
  | { node: 'rd'; cpu: number }
  | { node: 'cpuif'; cpu: number }
  | { node: 'cpu'; cpu: number }
  | { node: 'memory' }
  /**
   * A vCPU of VM `vm` (no part: the vCPU as a whole), or one of its parts: the ap_list KVM keeps
   * for it, the list registers it enters the guest with, the guest running on it.
   */
  | { node: 'vcpu'; vm: number; vcpu: number; part?: VcpuPart }
  /** What KVM keeps for VM `vm`: its vgic (the emulated distributor), GSI routing, irqfds, virtual ITS. */
  | { node: 'kvm'; vm: number; part: KvmPart };

export type VcpuPart = 'aplist' | 'lr' | 'guest';
export type KvmPart = 'irqfd' | 'routing' | 'its' | 'vgic';

/** An interrupt (or an MSI on its way to becoming one) somewhere on the stage. */
export interface Token {
  /** Stable across positions, so a view can move it rather than redraw it. */
  id: string;
  /** 'eventfd': an eventfd signal on its way through KVM's irqfd to the vgic. */
  kind: 'msi' | 'sgi' | 'ppi' | 'spi' | 'lpi' | 'eventfd';
  /** e.g. 'LPI 8195', 'MSI nic0/0'; a VM's virtual interrupts say 'vLPI 8192', 'vSPI 32'. */
  label: string;
  intid?: number;
  /** A virtual interrupt (or a signal on its way to one) of this VM. */
  vm?: number;
  /**
   * A vLPI on GICv4's direct path: translated by the host ITS, held in its vPE's virtual pending
   * table at a redistributor, presented to the guest without KVM or a list register.
   */
  direct?: true;
  at: Place;
  state: 'travelling' | 'pending' | 'active' | 'active+pending';
}

export interface StageCpu {
  index: number;
  /** IRQ and FIQ outputs of the CPU interface. */
  irq: boolean;
  fiq: boolean;
  /** Highest priority pending interrupt the CPU interface sees (1023: none), its priority. */
  hppi: number;
  hppiPrio: number;
  /** Running priority (0xff: idle). */
  rpr: number;
  /** The PE is in its interrupt handler (depth of nesting). */
  depth: number;
  /** The vCPU loaded on this physical CPU: in the guest, or in KVM's run loop ('host'). */
  vcpu?: { vm: number; vcpu: number; mode: 'guest' | 'host' };
  /**
   * GICv4: the vPE its redistributor's GICR_VPENDBASER names (Valid = 1), and whose vCPU that is
   * (vm -1: a vPE no VM owns); `dirty`: the redistributor is still parsing its VPT.
   */
  vpe?: { vm: number; vcpu: number; vpeid: number; dirty: boolean };
}

/** A vCPU at one position. */
export interface StageVcpu {
  vcpu: number;
  mode: VcpuMode;
  /** The physical CPU it is loaded on, -1 for none. */
  pcpu: number;
  /** IRQs on its ap_list. */
  apList: number;
  /** List registers holding a valid interrupt (of those the last entry used). */
  lrsUsed: number;
  /** Guest interrupt handler nesting. */
  depth: number;
  /** The virtual CPU interface signals a virtual IRQ. */
  virq: boolean;
  entries: number;
  exits: number;
  /**
   * GICv4: its vPE. `residentOn`: the redistributor (pCPU) whose GICR_VPENDBASER names it, -1 for
   * none; `pending`: vLPIs its virtual pending table holds; `doorbell`: its doorbell LPI.
   */
  vpe?: { vpeid: number; residentOn: number; pending: number; doorbell: number };
}

/** A VM and what KVM keeps for it, at one position. */
export interface StageVm {
  index: number;
  /** The guest's GICD_CTLR enable (the vgic's distributor). */
  enabled: boolean;
  /** GSI routing entries, irqfds, open eventfds. */
  routes: number;
  irqfds: number;
  eventfds: number;
  /** The virtual ITSs (their command queues), as StageIts. */
  its: StageIts[];
  vcpus: StageVcpu[];
}

export interface StageIts {
  index: number;
  enabled: boolean;
  /** Commands between GITS_CREADR and GITS_CWRITER. */
  waiting: number;
  stalled: boolean;
  creadrSlot: number;
  cwriterSlot: number;
  slots: number;
}

/** What the last event touched: its places, and the table entry or register involved. */
export interface Focus {
  seq: number;
  kind: string;
  places: Place[];
  /** A table entry (DeviceID for 'dt', EventID for 'itt', ICID for 'ct', slot for 'queue'). */
  entry?: { table: 'dt' | 'itt' | 'ct' | 'queue' | 'cache'; id: number; devid?: number };
  /** A register access: its name. */
  reg?: string;
  /** What happened there, in a few words, when it is not a register ('exit: wfi', 'entry · 2 LRs'). */
  note?: string;
}

export interface StageModel {
  position: number;
  tokens: Token[];
  focus?: Focus;
  cpus: StageCpu[];
  its: StageIts[];
  /** The VMs (absent when the machine has none). */
  vms?: StageVm[];
}

/** What the page shows at one position. */
export interface Frame {
  position: number;
  /** The event that brought the machine here (position - 1), if any. */
  event?: EventRow;
  /** The scenario step that position lies in. */
  step: number;
  stage: StageModel;
}

/** How far a "step" goes. */
export type Granularity = 'event' | 'transaction' | 'command' | 'delivery' | 'step';

/** Stop at an event with these properties (every given one must match). */
export interface Breakpoint extends EventMatch {
  /** An ITS command by name ('MAPTI'). */
  command?: string;
  /** Any error: a refused command or access, a dropped MSI. */
  error?: boolean;
  /** A write to this register ('GITS_CWRITER', 'GICR_CTLR'). */
  regWrite?: string;
}

export interface FindResult {
  /** The position to show, or -1 when there is nothing in that direction. */
  position: number;
  /** Index of the breakpoint that matched, when one did. */
  breakpoint?: number;
}

/** The worker's side: what engine-host.ts implements. */
export interface EngineApi {
  /** Loads a scenario and runs it to its end; the session starts at position 0. */
  load(text: string, name: string): LoadResponse;
  /**
   * Replays a QEMU trace (files from disk, or a trace lesson's) on the model: the files are read as
   * streams, twice (the machine's shape, then the replay), and `onProgress` is told how far it is.
   * On success the replay is the session, explored like a scenario's history; on failure (a file
   * that is not a trace, a corrupt gzip, a line that does not parse, a file too large, a
   * cancellation) the session that was open stays as it was.
   */
  openTrace(request: TraceRequest, onProgress?: (p: TraceProgress) => void): Promise<LoadResponse>;
  /** Stops the trace being opened (its openTrace answers cancelled); nothing else changes. */
  cancelTrace(): void;
  /**
   * A trace session's line: by number (where the history shows it), or the line that made the
   * event before `position` (the one the page shows as current). Null when there is none.
   */
  traceLine(query: { line: number } | { position: number }): TraceLineInfo | null;
  /** What the page shows at `position` (clamped to 0..length). */
  frame(position: number): Frame;
  /** Events [from, to), narrated (at most MAX_EVENTS_PER_CALL). */
  events(from: number, to: number): EventRow[];
  /**
   * The next (or previous) position from `position` at the given granularity (`count` of them:
   * playing moves several events a frame), stopping earlier at an event that matches a breakpoint.
   */
  find(
    position: number,
    direction: 1 | -1,
    granularity: Granularity,
    breakpoints: Breakpoint[],
    count?: number,
  ): FindResult;
  /** A view of the machine at `position` (clamped), or why it cannot be given. */
  inspect(position: number, request: InspectRequest): InspectResult;
  /**
   * Makes the worker fail on purpose, so the page's recovery can be exercised (the e2e tests and
   * `?debug` use it; nothing else calls it).
   */
  crash(mode: CrashMode): void;
  /**
   * The sandbox console: runs one command-language line at the END of the history, as a new step
   * of the session (an `expect` line is checked against the last step and recorded there). `shown`
   * is the position the page shows; when it is earlier, the line still runs at the end and the
   * answer says so. A line that does not parse, or names something the machine lacks, is refused
   * and changes nothing.
   */
  exec(line: string, shown?: number): ExecResponse;
  /** Completion of the word at `cursor` in a console line, for the machine of the session. */
  complete(line: string, cursor: number): Completion;
  /**
   * The session as scenario text (giclab-scenario/1): the loaded scenario's machine and steps,
   * then one step per console line. `title` renames it (and gives it an id).
   */
  save(title?: string): string;
  /**
   * Authoring (docs/authoring.md): changes step `index`'s title, narration or speaker notes in the
   * open scenario. Checked (a title, within EDIT_LIMITS, a file the loader still accepts) before
   * anything changes; the history is untouched, the session info and `save()` carry the change.
   */
  editStep(index: number, edit: StepEdit): EditResponse;
  /** Authoring: the scenario's title, summary or goals, checked the same way. */
  editMeta(edit: MetaEdit): EditResponse;
  /**
   * Authoring: makes step `index` part of the step before it (its lines after that step's, its
   * expectations after that step's, the narrations joined). Refused, with the reason, unless the
   * merged scenario replays to the very same events with the same verdicts: grouping lines never
   * changes what a recording did or what it checks.
   */
  mergeStep(index: number): EditResponse;
}

/** What an author may change in a step (undefined: leave it; '' for narration or notes: remove it). */
export interface StepEdit {
  title?: string;
  narration?: string;
  notes?: string;
}

/** What an author may change of the scenario itself ('' summary, [] goals: remove them). */
export interface MetaEdit {
  title?: string;
  summary?: string;
  goals?: string[];
}

/** An authoring edit: done (the session as it now is), or refused with why (nothing changed). */
export type EditResponse = { ok: true; session: SessionInfo } | { ok: false; error: string };

/**
 * Bounds on what an author types (characters). A scenario is a teaching text, not a book: these
 * are several times the longest shipped lesson's, and keep a runaway paste out of share links.
 */
export const EDIT_LIMITS = {
  title: 200,
  narration: 20_000,
  notes: 10_000,
  summary: 2_000,
  goals: 20,
  goal: 300,
} as const;

/** Completion of a console line: the range to replace and the candidates (engine/scenario/completion.ts). */
export type { Candidate, Completion } from '../../engine';

/** What the console shows for a line it ran. */
export type ExecResponse =
  | {
      ok: true;
      /** 'failed': an expectation that does not hold; the line is still part of the session. */
      outcome: 'ok' | 'failed';
      kind: 'action' | 'control' | 'expect';
      /** What happened, in a sentence: the value read, the events, what the CPUs took, the check. */
      message: string;
      /** E.g. a storm that did not settle within the budget. */
      warnings: string[];
      /** Events the line added, [from, to) (none for an expectation). */
      from: number;
      to: number;
      /** The page showed an earlier position: the line ran at the end of the history instead. */
      movedToEnd: boolean;
      /** The new end of the history (session.length): the page jumps there. */
      length: number;
      session: SessionInfo;
    }
  | {
      ok: false;
      /** Why the line was refused. */
      error: string;
      /** 1-based column of the token at fault (1 when the refusal names no token). */
      column: number;
    };

/**
 * What an inspector asks for: one read-only view of the machine at a position. Views are the
 * engine's inspection views (engine/its/its-inspect.ts, engine/gic/gic-inspect.ts,
 * engine/platform/register-inspect.ts, engine/platform/memory-inspect.ts), so the inspectors show
 * exactly what the engine holds, and each asks only for what it shows (ARCHITECTURE.md §3).
 */
export type InspectRequest =
  | ({ view: 'its' } & ItsRef)
  | ({ view: 'queue'; from: number; count: number } & ItsRef)
  | ({ view: 'devices' } & ItsRef)
  | ({ view: 'itt'; devid: number } & ItsRef)
  | ({ view: 'collections' } & ItsRef)
  | ({ view: 'cache' } & ItsRef)
  | { view: 'cpu'; cpu: number }
  | { view: 'redistributor'; cpu: number }
  | { view: 'distributor' }
  | { view: 'registers'; unit: string }
  | { view: 'register'; unit: string; name: string }
  /**
   * Memory: the host's physical address space, or (with `vm`) VM `vm`'s guest physical address
   * space, with its virtual ITSs' queues and tables and the LPI tables its vgic was given.
   */
  | { view: 'memoryMap'; vm?: number }
  | { view: 'memory'; addr: number; len: number; vm?: number }
  | { view: 'vcpu'; vm: number; vcpu: number }
  /**
   * Which vCPU each physical CPU ran, over positions [from, to) of the whole history (default: all
   * of it), in at most `buckets` pieces per lane when there are more intervals than that.
   */
  | { view: 'lanes'; from?: number; to?: number; buckets?: number }
  /**
   * GICv4 (engine/kvm/v4-inspect.ts): VM `vm`'s vPEs (residency, VPT contents, GICR_VPENDBASER and
   * GICR_VPROPBASER decoded, doorbells), the host ITS's vPE table, and each guest LPI's forwarding.
   */
  | { view: 'v4'; vm: number }
  /**
   * Which vPE each redistributor had resident over positions [from, to) of the whole history,
   * with VMOVP moves, blocked vCPUs, doorbells and direct vLPI deliveries (at most `buckets`
   * pieces per lane).
   */
  | { view: 'residency'; from?: number; to?: number; buckets?: number }
  /**
   * The two ways of a device MSI to a guest: the MSI the position is about (its chain of events),
   * the latest of each path, and the cost model's figures for both.
   */
  | { view: 'paths' };

/**
 * Which ITS an ITS view is of: the host's ITS `its`, or (with `vm`) the virtual ITS `its` KVM
 * emulates for VM `vm`, read in that VM's context (its guest memory, KVM's lists for it). The
 * engine's ITS views are the same functions either way.
 */
export interface ItsRef {
  its: number;
  vm?: number;
}

/** One access to a register in the history up to the position shown. */
export interface RegisterAccess {
  seq: number;
  access: 'read' | 'write';
  /** Hex, as the event recorded it. */
  value: string;
  /** Who made the access ('cpu0', 'its0'...), as the event recorded it. */
  by: string;
}

/** A register read now, with the accesses made to it before the position (newest last). */
export type RegisterHistoryView = RegisterReading & {
  history: RegisterAccess[];
  /** More accesses happened than `history` holds (the oldest were left out). */
  truncated: boolean;
};

export interface InspectResults {
  its: ItsView;
  queue: QueueSlotsView;
  devices: ItsDevicesView;
  itt: IttView;
  collections: ItsCollectionsView;
  cache: ItsCacheView;
  cpu: CpuInterfaceView;
  redistributor: RedistributorView;
  distributor: DistributorView;
  registers: RegisterListView;
  register: RegisterHistoryView;
  memoryMap: MemoryMapView;
  memory: MemoryDump;
  vcpu: VcpuView;
  lanes: LanesView;
  v4: V4View;
  residency: ResidencyView;
  paths: PathsView;
}

/** An ICH_*_EL2 register: its value and its fields. */
export interface IchRegisterView {
  name: string;
  /** Hex. */
  value: string;
  fields: DecodedField[];
}

/** One vgic_irq on a vCPU's ap_list, as KVM holds it (struct vgic_irq). */
export interface ApListIrq {
  intid: number;
  kind: 'SGI' | 'PPI' | 'SPI' | 'LPI';
  /** irq_is_pending: the latch, or (level) the latch or the line. */
  pending: boolean;
  pendingLatch: boolean;
  lineLevel: boolean;
  config: 'edge' | 'level';
  active: boolean;
  enabled: boolean;
  priority: number;
  group: 0 | 1;
  /** The vCPU it should go to (the target oracle's input), -1 for none. */
  target: number;
  /** Backed by a physical interrupt (pINTID hwintid). */
  hw: boolean;
  hwintid: number;
  /** The list register it is in (of those the last entry used), -1 for none. */
  lr: number;
  /** The debugfs vgic-state flags P L A E H C G. */
  flags: string;
}

/** One ICH_LR<n>_EL2, decoded. */
export interface ListRegisterView {
  lr: number;
  /** The 64-bit value, hex. */
  value: string;
  /** The last entry used it (n < used_lrs): what the hardware works with. */
  used: boolean;
  state: 'invalid' | 'pending' | 'active' | 'pending+active';
  vintid: number;
  /** Physical INTID (HW = 1), else 0. */
  pintid: number;
  priority: number;
  group: 0 | 1;
  hw: boolean;
  /** EOI maintenance request (HW = 0). */
  eoi: boolean;
}

/** A vCPU in detail: the vCPU inspector. */
export interface VcpuView {
  ok: true;
  vm: number;
  /** The VM's name ('vm0'). */
  name: string;
  vcpu: number;
  vcpus: number;
  mode: VcpuMode;
  pcpu: number;
  lastPcpu: number;
  pinned: number;
  /** Kicked while in the guest, its IPI on the way (EXITING_GUEST_MODE). */
  exiting: boolean;
  /** KVM_REQ_IRQ_PENDING is set. */
  irqPendingRequest: boolean;
  lastExit: { reason: VcpuExitReason; source?: VcpuIrqSource; intid?: number; misr?: string } | null;
  counters: VcpuRunCounters;
  lrPolicy: VgicLrPolicy;
  priorityBits: number;
  /** The ap_list, in list order. */
  apList: ApListIrq[];
  /** Every list register, used or not. */
  lrs: ListRegisterView[];
  usedLrs: number;
  ich: {
    hcr: IchRegisterView;
    vmcr: IchRegisterView;
    /** Derived from the LRs and ICH_HCR_EL2 (ichMisr). */
    misr: IchRegisterView;
    eisr: string;
    elrsr: string;
    /** ICH_AP0R0..3_EL2, ICH_AP1R0..3_EL2, hex. */
    ap0r: string[];
    ap1r: string[];
  };
  /** The ICV_*_EL1 registers as the guest would read them (nothing acknowledged). */
  icv: { name: string; value: string }[];
  /** What the virtual CPU interface signals to the vCPU now. */
  virq: boolean;
  vfiq: boolean;
  lpisEnabled: boolean;
  guest: {
    policy: GuestPolicy;
    masked: boolean;
    depth: number;
    /** Guest accesses still to run. */
    queued: number;
    /** Virtual interrupts acknowledged, by INTID. */
    acked: { intid: number; count: number }[];
  };
}

/** A stretch of positions [from, to) during which a physical CPU had a vCPU loaded. */
export interface LaneSegment {
  from: number;
  to: number;
  vm: number;
  vcpu: number;
  /** In the guest, or in KVM's run loop between an exit and the next entry. */
  mode: 'guest' | 'host';
}

/** An entry into the guest or an exit from it (event `seq`). */
export interface LaneMark {
  seq: number;
  kind: 'entry' | 'exit';
  vm: number;
  vcpu: number;
  /** For an exit: its reason ('wfi', 'irq (maintenance)'). */
  reason?: string;
}

/** What each physical CPU ran over a window of the history. */
export interface LanesView {
  ok: true;
  /** The history's length (positions 0..length). */
  length: number;
  from: number;
  to: number;
  /** One lane per physical CPU; the gaps between segments are the host (its own work, or idle). */
  lanes: { pcpu: number; segments: LaneSegment[]; marks: LaneMark[] }[];
  /** There were more intervals or marks than the lanes hold: they are summarised. */
  capped: boolean;
}

/** A stretch of positions [from, to) during which a redistributor had a vPE resident. */
export interface ResidencySpan {
  from: number;
  to: number;
  /** The vCPU whose vPE it is (vm -1: one no VM owns). */
  vm: number;
  vcpu: number;
  vpeid: number;
}

/** A stretch during which a vCPU was blocked in WFI after it last ran on this pCPU. */
export interface BlockedSpan {
  from: number;
  to: number;
  vm: number;
  vcpu: number;
}

/** Something that happened at a redistributor (event `seq`). */
export interface ResidencyMark {
  seq: number;
  /** 'doorbell': a doorbell LPI rang there; 'vlpi': the guest on that pCPU took a vLPI directly. */
  kind: 'doorbell' | 'vlpi';
  vm: number;
  vcpu: number;
  vpeid: number;
  /** The doorbell LPI, or the vINTID taken. */
  intid: number;
  /** For a doorbell: the vLPI that rang it. */
  vintid?: number;
}

/** A VMOVP (event `seq`): the vPE's redistributor moved from pCPU `from` to `to` (-1: unknown). */
export interface VpeMove {
  seq: number;
  vm: number;
  vcpu: number;
  vpeid: number;
  from: number;
  to: number;
}

export interface ResidencyView {
  ok: true;
  length: number;
  from: number;
  to: number;
  /** One lane per physical CPU (its redistributor). */
  lanes: { pcpu: number; spans: ResidencySpan[]; blocked: BlockedSpan[]; marks: ResidencyMark[] }[];
  moves: VpeMove[];
  /** There were more spans or marks than the lanes hold: they are summarised. */
  capped: boolean;
}

/** One event on an MSI's way to the guest. */
export interface PathStep {
  seq: number;
  kind: string;
  /** ns since the MSI. */
  at: number;
}

/** What one device MSI did on its way to a guest, read from its chain of events. */
export interface PathRun {
  /** seq of its pci.msi. */
  msi: number;
  device: string;
  devid: number;
  eventid: number;
  /** 'direct': the host ITS made it a vLPI (GICv4); 'software': VFIO's handler took it (irqfd, vITS, LR). */
  path: 'direct' | 'software';
  /** The guest that took it: VM, vCPU, vINTID (absent until it is taken, or never). */
  vm?: number;
  vcpu?: number;
  vintid?: number;
  /** A doorbell rang on the way (the vPE was not resident). */
  doorbell: boolean;
  /** Events of its chain up to the guest's acknowledge, vCPU exits among them, host interrupts taken. */
  events: number;
  exits: number;
  hostIrqs: number;
  /** seq of the guest's icv.ack, and the model time from the MSI to it. */
  ack?: number;
  latencyNs?: number;
  /** Its chain up to the acknowledge (at most PATH_STEPS events). */
  steps: PathStep[];
  stepsCapped: boolean;
}

export interface PathsView {
  ok: true;
  /** The MSI the position is about: the one the last event belongs to, else the latest before it. */
  current?: PathRun;
  /** The latest MSI of each path before the position (else the first one after it). */
  direct?: PathRun;
  software?: PathRun;
  /** MSIs of each path in the whole history. */
  counts: { direct: number; software: number };
  /** The cost model's figures (engine/kvm/cost-model.ts, with the machine's overrides). */
  modelled: V4PathsView;
}

export type InspectResult<V extends InspectRequest['view'] = InspectRequest['view']> =
  InspectResults[V] | InspectError;

/** What `crash` simulates: a worker that dies of an uncaught error, or one that stops answering. */
export type CrashMode = 'throw' | 'hang';
/** Every call of EngineApi, so clients can be built from the list (the worker's, the tests'). */
export const ENGINE_CALLS = [
  'load',
  'openTrace',
  'cancelTrace',
  'traceLine',
  'frame',
  'events',
  'find',
  'inspect',
  'crash',
  'exec',
  'complete',
  'save',
  'editStep',
  'editMeta',
  'mergeStep',
] as const satisfies readonly (keyof EngineApi)[];

/** The page's side: the same calls, answered asynchronously across the worker boundary. */
export type EngineClient = {
  [K in keyof EngineApi]: (...args: Parameters<EngineApi[K]>) => Promise<Awaited<ReturnType<EngineApi[K]>>>;
};
