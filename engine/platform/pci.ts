/**
 * PCI endpoints as MSI sources. A device never chooses its DeviceID: the ITS sees the Requester
 * ID the bus attaches to the write (bus << 8 | device << 3 | function), mapped to a DeviceID by
 * the platform (an msi-map in the device tree, an IORT ID mapping in ACPI); the device only
 * chooses the data it writes, the EventID. That is what stops one device raising another's
 * interrupts (teaching flow 2.8).
 */

export interface PciEndpointConfig {
  name: string;
  /** PCI Requester ID. */
  rid: number;
  /** Which ITS its MSI doorbell is. */
  its: number;
  /** DeviceID = RID + deviceIdOffset. */
  deviceIdOffset: number;
}

/** 'BB:DD.F' (hex bus, device, function) -> Requester ID. */
export function parseBdf(text: string): number | undefined {
  const m = /^([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/.exec(text.trim());
  if (!m) return undefined;
  const bus = parseInt(m[1]!, 16);
  const dev = parseInt(m[2]!, 16);
  const fn = Number(m[3]);
  if (dev > 31) return undefined;
  return (bus << 8) | (dev << 3) | fn;
}

export function formatBdf(rid: number): string {
  const h = (n: number, w: number): string => n.toString(16).padStart(w, '0');
  return `${h((rid >> 8) & 0xff, 2)}:${h((rid >> 3) & 0x1f, 2)}.${rid & 7}`;
}

export const deviceIdOf = (d: PciEndpointConfig): number => d.rid + d.deviceIdOffset;
