/**
 * The engine's public surface. Hosts (the web worker in app/worker/, the CLI and benches in
 * scripts/, the tests) import from here and nowhere else in engine/.
 */

// The KVM layer joins the machine (VMs in descriptions, their inputs and tasks).
import './kvm/kvm-extension';

export type { SimEvent, EventIds } from './sim/event-log';
export { EventLog } from './sim/event-log';
export type { ProfileName, GicRules, RuleDoc } from './gic/gic-rules';
export { GIC_RULES, GIC_RULE_DOCS, PROFILES } from './gic/gic-rules';
export type { GicVersion } from './gic/gic-config';
export { ITS_RULES, ITS_RULE_DOCS } from './its/its-rules';
export type { ItsRules } from './its/its-rules';
export { E_ITS, formatItsError } from './its/errors';
export type { ItsError, ItsErrorName } from './its/errors';
export { ITS_COMMANDS, decodeCommand, encodeCommand, formatCommand } from './its/command-encoding';
export { ICC_REGISTERS } from './gic/icc-registers';

export { Machine, cloneState } from './platform/machine';
export type { RunResult, StopReason } from './platform/machine';
export { runUntil, matches } from './platform/run-until';
export type { RunTarget, RunUntilResult, EventMatch } from './platform/run-until';
export type { MachineState } from './platform/platform-machine';
export type { Input } from './platform/inputs';
export { resolveMachine } from './platform/machine-config';
export type { MachineOptions, ResolvedMachine } from './platform/machine-config';

export { parseLine, parseScript, formatParseError } from './scenario/command-parser';
export type { ParseError, ParsedLine } from './scenario/command-parser';
export { printAction } from './scenario/command-printer';
export type { Action, Expectation } from './scenario/actions';
export { loadScenario, formatDiagnostic } from './scenario/loader';
export type { Diagnostic, Scenario, CompiledStep, CompiledLine, LoadResult } from './scenario/loader';
export { ScenarioRun, SETTLE_BUDGET } from './scenario/runner';
export type { RunReport, StepResult, LineResult } from './scenario/runner';
export { complete } from './scenario/completion';
export type { Candidate, Completion, CompletionShape } from './scenario/completion';
export { executeAction } from './scenario/execute';
export { checkExpectation, deliveriesIn } from './scenario/expectations';
export { scenarioJsonSchema, SCENARIO_FORMAT } from './scenario/schema';

export { explain } from './explain/explain';

// Read-only inspection views for the UI's inspectors (plain, structured-cloneable results).
export { inspectCpu, inspectDistributor, inspectRedistributor, INSPECT_ROWS } from './gic/gic-inspect';
export type {
  ActivePriority,
  CpuInterfaceView,
  CpuIrq,
  DecodedField,
  DecodedRegister,
  DistributorView,
  InspectError,
  IrqState,
  LpiConfigSource,
  LpiPendingSource,
  LpiView,
  RedistributorView,
  SpiView,
} from './gic/gic-inspect';
export {
  cache,
  collections,
  devices,
  inspectIts,
  itt,
  queueSlots,
  INSPECT_EXAMINED,
  QUEUE_WINDOW,
} from './its/its-inspect';
export type {
  ItsBaserView,
  ItsCacheEntryView,
  ItsCacheView,
  ItsCollectionView,
  ItsCollectionsView,
  ItsDeviceView,
  ItsDevicesView,
  ItsEventView,
  ItsSource,
  ItsTableInfo,
  ItsView,
  IttView,
  Level1Entry,
  QueueSlotView,
  QueueSlotsView,
} from './its/its-inspect';
export { readRegister, registerList } from './platform/register-inspect';
export type { RegisterEntry, RegisterListView, RegisterReading } from './platform/register-inspect';
export { memoryMap, readMemory, MEMORY_WINDOW } from './platform/memory-inspect';
export type {
  MemoryDump,
  MemoryEntry,
  MemoryMapView,
  MemoryStructure,
  StructureKind,
} from './platform/memory-inspect';

// KVM: VMs on the machine (docs/kvm-vgic.md). Pure reads of plain state, for inspectors and stages.
export { decodeFields } from './gic/registers';
export { isEnabled, isStalled, offsetOf, queueGeometry } from './its/command-queue';
export {
  decodeLrHalves,
  ICH_HCR_FIELDS,
  ICH_MISR_FIELDS,
  ICH_VMCR_FIELDS,
  ichEisr,
  ichElrsr,
  ichMisr,
} from './kvm/ich-registers';
export { icvPeek, icvSignals } from './kvm/virtual-cpu-interface';
export { irqIsPending, vgicIrqFlags, VGIC_CONFIG_LEVEL } from './kvm/vgic-irq';
export type { VgicIrq } from './kvm/vgic-irq';
export { vgicGetIrq } from './kvm/vgic-state';
export type { VgicState } from './kvm/vgic-state';
export { vmContext } from './kvm/vm-context';
export type { VmState, KvmState, VmOptions, GuestPolicy } from './kvm/vm-state';
export type { KvmCall, KvmInput, GuestOp } from './kvm/kvm-input-types';
export {
  guestPeek,
  guestIccPeek,
  guestDte,
  guestIte,
  guestCte,
  guestLpiPending,
  guestMemoryMap,
  guestReadMemory,
} from './kvm/guest-inspect';
export { COST_DEFAULTS, costModelFrom, pathCost, vfioSoftwarePath } from './kvm/cost-model';
export type { HopCost, PathCost } from './kvm/cost-model';
// GICv4 direct injection (engine/kvm/v4-inspect.ts): vPEs, VPTs, residency, forwarding, the two paths.
export {
  inspectV4,
  modelledPaths,
  rdbaseCpu,
  residentVpeOn,
  vpeSummaries,
  vpendbaserView,
  vpropbaserView,
} from './kvm/v4-inspect';
export type {
  ResidentVpe,
  V4LpiView,
  V4PathsView,
  V4RegisterView,
  V4VectorView,
  V4View,
  V4VpeView,
  VpeSummary,
} from './kvm/v4-inspect';
export type { ItsVpeView } from './its/its-inspect';
