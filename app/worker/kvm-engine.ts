/**
 * The engine's KVM layer as the worker uses it: everything comes from the engine's public surface
 * (engine/index.ts); this file only names the part the VM views need. Everything is a pure read of
 * plain state.
 */

export {
  decodeFields,
  decodeLrHalves,
  ICH_HCR_FIELDS,
  ICH_MISR_FIELDS,
  ICH_VMCR_FIELDS,
  ichEisr,
  ichElrsr,
  ichMisr,
  icvPeek,
  icvSignals,
  irqIsPending,
  isEnabled,
  isStalled,
  offsetOf,
  queueGeometry,
  vgicGetIrq,
  vgicIrqFlags,
  VGIC_CONFIG_LEVEL,
  vmContext,
} from '../../engine';
export type { VgicIrq, VmState } from '../../engine';
