/**
 * ITS commands as the architecture encodes them: 32 bytes, four little-endian doublewords, the
 * command number in DW0[7:0]. One table lists every field of every command in spec names with
 * its doubleword and bit range; decoding, encoding, printing and the command language all use it.
 *
 * Field positions follow the Linux ITS driver's encoders and QEMU's decoder (reference §3.2).
 * RDbase is DW2[51:16]: a processor number when GITS_TYPER.PTA = 0, or bits [51:16] of the
 * redistributor's physical address when PTA = 1. GICv4 commands run on an ITS with virtual
 * support (commands-virtual.ts); the others decode them for display only.
 */

export interface FieldSpec {
  /** Spec name, e.g. 'DeviceID', 'pINTID', 'ITT_addr'. */
  name: string;
  /** Lower-case aliases the command language also accepts. */
  aliases: readonly string[];
  dw: 0 | 1 | 2 | 3;
  msb: number;
  lsb: number;
  /**
   * For address fields: the field holds address bits [msb..lsb] shifted down by `shift` (ITT_addr
   * holds address bits [51:8]; the command language takes the byte address).
   */
  shift?: number;
}

export interface CommandSpec {
  name: string;
  opcode: number;
  /** 3: GICv3 physical command; 4 / 4.1: GICv4.0 / GICv4.1 virtual command. */
  gen: 3 | 4 | 4.1;
  fields: readonly FieldSpec[];
  doc: string;
}

const f = (
  name: string,
  aliases: string[],
  dw: 0 | 1 | 2 | 3,
  msb: number,
  lsb: number,
  shift?: number,
): FieldSpec => ({
  name,
  aliases,
  dw,
  msb,
  lsb,
  ...(shift !== undefined ? { shift } : {}),
});

const DEVICE = f('DeviceID', ['devid', 'dev', 'deviceid'], 0, 63, 32);
const EVENT = f('EventID', ['eventid', 'event', 'ev'], 1, 31, 0);
const ICID = f('ICID', ['icid', 'col', 'collection'], 2, 15, 0);
const RDBASE = f('RDbase', ['rdbase', 'rd', 'target'], 2, 51, 16);
const VPEID1 = f('vPEID', ['vpeid', 'vpe'], 1, 47, 32);

export const ITS_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'MOVI',
    opcode: 0x01,
    gen: 3,
    fields: [DEVICE, EVENT, ICID],
    doc: 'Move an event to another collection',
  },
  {
    name: 'INT',
    opcode: 0x03,
    gen: 3,
    fields: [DEVICE, EVENT],
    doc: "Make the event's LPI pending, as an MSI would",
  },
  {
    name: 'CLEAR',
    opcode: 0x04,
    gen: 3,
    fields: [DEVICE, EVENT],
    doc: "Clear the event's LPI pending state",
  },
  {
    name: 'SYNC',
    opcode: 0x05,
    gen: 3,
    fields: [RDBASE],
    doc: "Wait until earlier commands' effects are visible at a redistributor",
  },
  {
    name: 'MAPD',
    opcode: 0x08,
    gen: 3,
    fields: [
      DEVICE,
      f('Size', ['size'], 1, 4, 0),
      f('ITT_addr', ['itt', 'itt_addr', 'ittaddr'], 2, 51, 8, 8),
      f('V', ['v', 'valid'], 2, 63, 63),
    ],
    doc: 'Map a DeviceID to an interrupt translation table of 2^(Size+1) events, or unmap it (V=0)',
  },
  {
    name: 'MAPC',
    opcode: 0x09,
    gen: 3,
    fields: [ICID, RDBASE, f('V', ['v', 'valid'], 2, 63, 63)],
    doc: 'Map a collection to a redistributor, or unmap it (V=0)',
  },
  {
    name: 'MAPTI',
    opcode: 0x0a,
    gen: 3,
    fields: [DEVICE, EVENT, f('pINTID', ['pintid', 'intid', 'lpi'], 1, 63, 32), ICID],
    doc: 'Map an event to a physical LPI and a collection',
  },
  {
    name: 'MAPI',
    opcode: 0x0b,
    gen: 3,
    fields: [DEVICE, EVENT, ICID],
    doc: 'Map an event to the LPI whose INTID equals the EventID',
  },
  { name: 'INV', opcode: 0x0c, gen: 3, fields: [DEVICE, EVENT], doc: "Reload the event's LPI configuration" },
  {
    name: 'INVALL',
    opcode: 0x0d,
    gen: 3,
    fields: [ICID],
    doc: 'Reload the configuration of every LPI in a collection',
  },
  {
    name: 'MOVALL',
    opcode: 0x0e,
    gen: 3,
    fields: [
      f('RDbase1', ['rdbase1', 'rd1', 'from'], 2, 51, 16),
      f('RDbase2', ['rdbase2', 'rd2', 'to'], 3, 51, 16),
    ],
    doc: 'Move every pending LPI from one redistributor to another',
  },
  {
    name: 'DISCARD',
    opcode: 0x0f,
    gen: 3,
    fields: [DEVICE, EVENT],
    doc: "Remove an event's mapping and clear its pending LPI",
  },
  {
    name: 'VMOVI',
    opcode: 0x21,
    gen: 4,
    fields: [DEVICE, EVENT, VPEID1, f('D', ['d'], 2, 0, 0), f('Dbell_pINTID', ['doorbell', 'db'], 2, 63, 32)],
    doc: 'GICv4: move a virtual event to another vPE',
  },
  {
    name: 'VMOVP',
    opcode: 0x22,
    gen: 4,
    fields: [
      f('SequenceNumber', ['seq'], 0, 47, 32),
      f('ITSList', ['itslist'], 1, 15, 0),
      VPEID1,
      RDBASE,
      f('DB', ['db'], 2, 63, 63),
      f('Default_Doorbell', ['default_doorbell'], 3, 31, 0),
    ],
    doc: 'GICv4: move a vPE to another redistributor (GICv4.1: DB = 1 also sets its default doorbell)',
  },
  {
    name: 'VSGI',
    opcode: 0x23,
    gen: 4.1,
    fields: [
      f('Enable', ['enable'], 0, 8, 8),
      f('Clear', ['clear'], 0, 9, 9),
      f('Group', ['group'], 0, 10, 10),
      f('Priority', ['priority'], 0, 23, 20),
      f('vINTID', ['vintid'], 0, 35, 32),
      VPEID1,
    ],
    doc: 'GICv4.1: configure a virtual SGI',
  },
  { name: 'VSYNC', opcode: 0x25, gen: 4, fields: [VPEID1], doc: 'GICv4: synchronise a vPE' },
  {
    name: 'VMAPP',
    opcode: 0x29,
    gen: 4,
    fields: [
      f('Alloc', ['alloc'], 0, 8, 8),
      f('PTZ', ['ptz'], 0, 9, 9),
      f('VCONF_addr', ['vconf'], 0, 51, 16, 16),
      f('Default_Doorbell', ['default_doorbell'], 1, 31, 0),
      VPEID1,
      RDBASE,
      f('V', ['v', 'valid'], 2, 63, 63),
      f('VPT_size', ['vpt_size'], 3, 4, 0),
      f('VPT_addr', ['vpt', 'vpt_addr'], 3, 51, 16, 16),
    ],
    doc: 'GICv4: map a vPE to a redistributor and its virtual pending table',
  },
  {
    name: 'VMAPTI',
    opcode: 0x2a,
    gen: 4,
    fields: [
      DEVICE,
      EVENT,
      VPEID1,
      f('vINTID', ['vintid'], 2, 31, 0),
      f('Dbell_pINTID', ['doorbell', 'db'], 2, 63, 32),
    ],
    doc: 'GICv4: map an event to a virtual LPI of a vPE',
  },
  {
    name: 'VMAPI',
    opcode: 0x2b,
    gen: 4,
    fields: [DEVICE, EVENT, VPEID1, f('Dbell_pINTID', ['doorbell', 'db'], 2, 63, 32)],
    doc: 'GICv4: map an event to the virtual LPI whose vINTID equals the EventID',
  },
  {
    name: 'VINVALL',
    opcode: 0x2d,
    gen: 4,
    fields: [VPEID1],
    doc: 'GICv4: reload every vLPI configuration of a vPE',
  },
  {
    name: 'INVDB',
    opcode: 0x2e,
    gen: 4.1,
    fields: [VPEID1],
    doc: "GICv4.1: reload a vPE's doorbell configuration",
  },
];

export const COMMAND_BY_NAME: ReadonlyMap<string, CommandSpec> = new Map(
  ITS_COMMANDS.map((c) => [c.name, c]),
);
export const COMMAND_BY_OPCODE: ReadonlyMap<number, CommandSpec> = new Map(
  ITS_COMMANDS.map((c) => [c.opcode, c]),
);

/** The four doublewords of a command. */
export type CommandWords = [bigint, bigint, bigint, bigint];

const mask = (bits: number): bigint => (1n << BigInt(bits)) - 1n;

export function getField(dws: CommandWords, spec: FieldSpec): bigint {
  const raw = (dws[spec.dw] >> BigInt(spec.lsb)) & mask(spec.msb - spec.lsb + 1);
  return spec.shift ? raw << BigInt(spec.shift) : raw;
}

export interface DecodedCommand {
  opcode: number;
  /** Spec name, or 'UNKNOWN'. */
  name: string;
  gen?: CommandSpec['gen'];
  /** Field values by spec name (addresses as byte addresses). */
  fields: Record<string, bigint>;
}

export function decodeCommand(dws: CommandWords): DecodedCommand {
  const opcode = Number(dws[0] & 0xffn);
  const spec = COMMAND_BY_OPCODE.get(opcode);
  if (!spec) return { opcode, name: 'UNKNOWN', fields: {} };
  const fields: Record<string, bigint> = {};
  for (const fs of spec.fields) fields[fs.name] = getField(dws, fs);
  return { opcode, name: spec.name, gen: spec.gen, fields };
}

/** Looks a field up by spec name or alias (case-insensitive). */
export function findField(spec: CommandSpec, key: string): FieldSpec | undefined {
  const k = key.toLowerCase();
  return spec.fields.find((fs) => fs.name.toLowerCase() === k || fs.aliases.includes(k));
}

export type EncodeResult = { ok: true; dws: CommandWords } | { ok: false; error: string };

/**
 * Encodes a command from field values keyed by spec name or alias. Missing fields are 0; a value
 * that does not fit its field (or an address not aligned to what the field can hold) is an error.
 */
export function encodeCommand(name: string, values: Record<string, bigint>): EncodeResult {
  const spec = COMMAND_BY_NAME.get(name.toUpperCase());
  if (!spec) return { ok: false, error: `unknown ITS command '${name}'` };
  const dws: CommandWords = [BigInt(spec.opcode), 0n, 0n, 0n];
  for (const [key, value] of Object.entries(values)) {
    const fs = findField(spec, key);
    if (!fs)
      return {
        ok: false,
        error: `${spec.name} has no field '${key}' (fields: ${spec.fields.map((x) => x.name).join(', ')})`,
      };
    if (value < 0n) return { ok: false, error: `${spec.name} ${fs.name}: negative value` };
    let v = value;
    if (fs.shift) {
      if (v & mask(fs.shift))
        return {
          ok: false,
          error: `${spec.name} ${fs.name}: 0x${v.toString(16)} is not ${2 ** fs.shift}-byte aligned`,
        };
      v >>= BigInt(fs.shift);
    }
    const width = fs.msb - fs.lsb + 1;
    if (v > mask(width))
      return {
        ok: false,
        error: `${spec.name} ${fs.name}: 0x${value.toString(16)} does not fit in ${width} bits`,
      };
    dws[fs.dw] |= v << BigInt(fs.lsb);
  }
  return { ok: true, dws };
}

/** 'MAPTI DeviceID=0x2 EventID=0x14 pINTID=0x2003 ICID=0x3' */
export function formatCommand(d: DecodedCommand): string {
  if (d.name === 'UNKNOWN') return `UNKNOWN opcode 0x${d.opcode.toString(16).padStart(2, '0')}`;
  const parts = Object.entries(d.fields).map(([k, v]) => `${k}=0x${v.toString(16)}`);
  return [d.name, ...parts].join(' ');
}

/** Reads a command from eight little-endian 32-bit words. */
export function wordsFromU32(w: ArrayLike<number>): CommandWords {
  const dw = (i: number): bigint => (BigInt(w[2 * i + 1]! >>> 0) << 32n) | BigInt(w[2 * i]! >>> 0);
  return [dw(0), dw(1), dw(2), dw(3)];
}

export const hexWord = (v: bigint): string => '0x' + v.toString(16).padStart(16, '0');
