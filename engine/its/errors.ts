/**
 * ITS command errors. The E_ITS_* names and values are the architected encodings as Linux defines
 * them (include/linux/irqchip/arm-gic-v3.h), shaped 0x01_CC_EE with CC usually the command number.
 * KVM returns them from its command handlers (and then ignores them); QEMU has no codes, only
 * guest-error logs, so a QEMU-profile error carries the nearest architected name when one matches
 * and always a sentence saying which check failed.
 */

export const E_ITS = {
  E_ITS_MOVI_UNMAPPED_INTERRUPT: 0x010107,
  E_ITS_MOVI_UNMAPPED_COLLECTION: 0x010109,
  E_ITS_INT_UNMAPPED_INTERRUPT: 0x010307,
  E_ITS_CLEAR_UNMAPPED_INTERRUPT: 0x010507,
  E_ITS_MAPD_DEVICE_OOR: 0x010801,
  E_ITS_MAPD_ITTSIZE_OOR: 0x010802,
  E_ITS_MAPC_PROCNUM_OOR: 0x010902,
  E_ITS_MAPC_COLLECTION_OOR: 0x010903,
  E_ITS_MAPTI_UNMAPPED_DEVICE: 0x010a04,
  E_ITS_MAPTI_ID_OOR: 0x010a05,
  E_ITS_MAPTI_PHYSICALID_OOR: 0x010a06,
  E_ITS_INV_UNMAPPED_INTERRUPT: 0x010c07,
  E_ITS_INVALL_UNMAPPED_COLLECTION: 0x010d09,
  E_ITS_MOVALL_PROCNUM_OOR: 0x010e01,
  E_ITS_DISCARD_UNMAPPED_INTERRUPT: 0x010f07,
} as const;

export type ItsErrorName = keyof typeof E_ITS;

export interface ItsError {
  /** Architected name, when one applies. */
  name?: ItsErrorName;
  code?: number;
  /** Which check failed, in words. */
  reason: string;
  /** A guest memory access failed (QEMU stalls on these). */
  memoryFault?: boolean;
}

export function itsError(name: ItsErrorName | undefined, reason: string): ItsError {
  return name ? { name, code: E_ITS[name], reason } : { reason };
}

export function memoryFault(reason: string): ItsError {
  return { reason, memoryFault: true };
}

export function formatItsError(e: ItsError): string {
  const code = e.name
    ? `${e.name} (0x${e.code!.toString(16).padStart(6, '0')}): `
    : e.memoryFault
      ? 'memory fault: '
      : '';
  return code + e.reason;
}
