/**
 * The ITS control frame (GITS_*), the translation frame's GITS_TRANSLATER and, on a GICv4.1, the
 * vSGI frame's GITS_SGIR, as a register table at offsets from ITS_base. Register writes that start
 * work (CWRITER, CTLR, SGIR) queue it; the queue itself runs in command-queue.ts.
 */

import { isGicV41 } from '../gic/gic-config';
import { note } from '../gic/gic-machine';
import { pidrFor } from '../gic/gic-rules';
import { coresightIdRegisters, defineTable, merge } from '../gic/registers';
import { schedule } from '../sim/kernel';
import { isEnabled, isStalled, kickQueue, offsetOf, queueGeometry } from './command-queue';
import { GITS_SGIR, GITS_TRANSLATER } from './its-config';
import { isVirtualIts, type ItsMachine } from './its-machine';
import type { ItsState } from './its-state';
import { cacheFlush } from './translation-cache';
import { findTable, setBaser } from './tables';
import type { TranslateTask } from './translation';
import { BASER_TYPE_COLLECTION, BASER_TYPE_DEVICE } from './its-state';

const its = (m: ItsMachine, i: number): ItsState => m.s.its[i]!;

/**
 * GITS_TYPER from the ITS's options. A GICv4's ITS reports Virtual and the VMOVP option; a
 * GICv4.1's also VSGI (GITS_SGIR, the VSGI command) and VMAPP (the extended VMAPP), with SVPET = 0:
 * its vPE table is its own, not shared with the redistributors.
 */
export function gitsTyper(m: ItsMachine, i: number): bigint {
  const c = its(m, i).cfg;
  const virt = isVirtualIts(m);
  let v =
    1n |
    (virt ? 2n : 0n) |
    (BigInt(c.ittEntrySize - 1) << 4n) |
    (BigInt(c.eventIdBits - 1) << 8n) |
    (BigInt(c.devBits - 1) << 13n) |
    (c.pta ? 1n << 19n : 0n) |
    (BigInt(c.hcc & 0xff) << 24n);
  if (c.cil) v |= (BigInt(c.cidBits - 1) << 32n) | (1n << 36n);
  // A state saved before the option existed has none: its ITS reported VMOVP = 1 (QEMU's value).
  if (virt && c.vmovp !== false) v |= 1n << 37n;
  if (virt && isGicV41(m.s.gic.cfg)) v |= (1n << 39n) | (1n << 40n);
  return v;
}

function quiescent(m: ItsMachine, s: ItsState): boolean {
  switch (m.itsRules.quiescent) {
    case 'always':
      return true;
    case 'queue-empty':
      return m.profile === 'kvm'
        ? offsetOf(s.creadr) === offsetOf(s.cwriter)
        : !isEnabled(s) && !s.processQueued;
  }
}

/** KVM's attribute sanitising for CBASER/BASER: as for the redistributor's table registers. */
function sanitise(v: bigint): bigint {
  let r = v;
  if (((r >> 10n) & 3n) === 2n) r = (r & ~(3n << 10n)) | (1n << 10n);
  const inner = (r >> 59n) & 7n;
  if (inner === 0n || inner === 1n) r = (r & ~(7n << 59n)) | (3n << 59n); // RaWb
  const outer = (r >> 53n) & 7n;
  if (outer !== 0n && outer !== 1n) r &= ~(7n << 53n);
  return r;
}

export interface TranslaterWrite {
  its: number;
  devid: number;
  eventid: number;
}

const ATTRS = [
  { name: 'Shareability', msb: 11, lsb: 10 },
  { name: 'OuterCache', msb: 55, lsb: 53 },
  { name: 'InnerCache', msb: 61, lsb: 59 },
];

export const GITS_REGISTERS = defineTable<ItsMachine, number>('GITS', [
  {
    name: 'GITS_CTLR',
    offset: 0x0000,
    size: 4,
    widths: [32],
    access: 'rw',
    fields: [
      { name: 'Enabled', msb: 0, lsb: 0 },
      { name: 'ImDe', msb: 1, lsb: 1 },
      { name: 'ITS_Number', msb: 7, lsb: 4 },
      { name: 'Quiescent', msb: 31, lsb: 31 },
    ],
    read: (m, i) => BigInt(((its(m, i).ctlr & 1) | (quiescent(m, its(m, i)) ? 0x80000000 : 0)) >>> 0),
    write: (m, i, _n, value) => {
      const s = its(m, i);
      const want = (value & 1n) === 1n;
      const was = isEnabled(s);
      if (want && !was && m.itsRules.enableNeedsValidTables) {
        const dev = findTable(s, BASER_TYPE_DEVICE);
        const col = findTable(s, BASER_TYPE_COLLECTION);
        const missing = [
          !dev?.valid && 'the device GITS_BASER',
          !col?.valid && 'the collection GITS_BASER',
          !queueGeometry(s).valid && 'GITS_CBASER',
        ]
          .filter(Boolean)
          .join(', ');
        if (missing) return note(m, `enable refused: ${missing} not valid`);
      }
      s.ctlr = want ? 1 : 0;
      if (was && !want) {
        const n = m.itsRules.translationCache === 'none' ? 0 : cacheFlush(s);
        note(m, `ITS disabled${n ? `; translation cache flushed (${n})` : ''}`);
      }
      if (want && (m.itsRules.processOnCtlr === 'any-write' || m.itsRules.processOnCtlr === 'enable-write'))
        kickQueue(m, s);
    },
  },
  {
    name: 'GITS_IIDR',
    offset: 0x0004,
    size: 4,
    widths: [32],
    access: 'ro',
    fields: [
      { name: 'Implementer', msb: 11, lsb: 0 },
      { name: 'Revision', msb: 15, lsb: 12 },
      { name: 'Variant', msb: 19, lsb: 16 },
      { name: 'ProductID', msb: 31, lsb: 24 },
    ],
    read: (m) => BigInt(m.itsRules.iidr),
  },
  {
    name: 'GITS_TYPER',
    offset: 0x0008,
    size: 8,
    widths: [32, 64],
    access: 'ro',
    fields: [
      { name: 'Physical', msb: 0, lsb: 0 },
      { name: 'Virtual', msb: 1, lsb: 1 },
      { name: 'CCT', msb: 2, lsb: 2 },
      { name: 'ITT_entry_size', msb: 7, lsb: 4 },
      { name: 'ID_bits', msb: 12, lsb: 8 },
      { name: 'Devbits', msb: 17, lsb: 13 },
      { name: 'SEIS', msb: 18, lsb: 18 },
      { name: 'PTA', msb: 19, lsb: 19 },
      { name: 'HCC', msb: 31, lsb: 24 },
      { name: 'CIDbits', msb: 35, lsb: 32 },
      { name: 'CIL', msb: 36, lsb: 36 },
      { name: 'VMOVP', msb: 37, lsb: 37 },
      { name: 'MPAM', msb: 38, lsb: 38 },
      { name: 'VSGI', msb: 39, lsb: 39 },
      { name: 'VMAPP', msb: 40, lsb: 40 },
      { name: 'SVPET', msb: 42, lsb: 41 },
    ],
    read: (m, i) => gitsTyper(m, i),
  },
  {
    name: 'GITS_CBASER',
    offset: 0x0080,
    size: 8,
    widths: [32, 64],
    access: 'rw',
    fields: [
      { name: 'Size', msb: 7, lsb: 0 },
      ...ATTRS,
      { name: 'Physical_Address', msb: 51, lsb: 12 },
      { name: 'Valid', msb: 63, lsb: 63 },
    ],
    read: (m, i) => its(m, i).cbaser,
    write: (m, i, _n, value, mask) => {
      const s = its(m, i);
      if (isEnabled(s)) return note(m, 'ignored: the ITS is enabled');
      let v = merge(s.cbaser, value, mask);
      if (m.itsRules.cbaserWrite === 'creadr-cwriter-zero-64k') {
        v = sanitise(v) & ~(0xfn << 12n); // KVM treats the queue as 64 KiB aligned
        s.cwriter = 0n;
      }
      s.cbaser = v;
      s.creadr = 0n;
      s.stall = undefined;
    },
  },
  {
    name: 'GITS_CWRITER',
    offset: 0x0088,
    size: 8,
    widths: [32, 64],
    access: 'rw',
    fields: [
      { name: 'Retry', msb: 0, lsb: 0 },
      { name: 'Offset', msb: 19, lsb: 5 },
    ],
    read: (m, i) => its(m, i).cwriter,
    write: (m, i, _n, value, mask) => {
      const s = its(m, i);
      const v = merge(s.cwriter, value, mask);
      const retry = (v & 1n) === 1n;
      switch (m.profile) {
        case 'kvm': {
          const off = v & 0xfffe0n;
          if (Number(off) >= queueGeometry(s).size)
            return note(m, `ignored: offset 0x${off.toString(16)} is beyond the queue`);
          s.cwriter = off;
          kickQueue(m, s);
          return;
        }
        case 'qemu':
          // Retry is masked out; any write that leaves CWRITER != CREADR (Stalled included) re-runs the queue.
          s.cwriter = v & ~1n;
          kickQueue(m, s);
          return;
        case 'spec':
          s.cwriter = v & 0xfffe0n;
          if (isStalled(s)) {
            if (!retry)
              return note(
                m,
                'the queue is stalled: write GITS_CWRITER with Retry = 1 to re-run the failed command',
              );
            s.creadr &= ~1n;
            s.stall = undefined;
            note(m, 'Retry: the stalled command runs again');
          }
          kickQueue(m, s);
          return;
      }
    },
  },
  {
    name: 'GITS_CREADR',
    offset: 0x0090,
    size: 8,
    widths: [32, 64],
    // Read-only to KVM and spec guests, writable in QEMU: the handler applies the rule, so an
    // ignored write is still recorded with its reason.
    access: 'rw',
    fields: [
      { name: 'Stalled', msb: 0, lsb: 0 },
      { name: 'Offset', msb: 19, lsb: 5 },
    ],
    read: (m, i) => its(m, i).creadr,
    write: (m, i, _n, value, mask) => {
      const s = its(m, i);
      if (m.itsRules.creadrWrite === 'ignored') return note(m, 'ignored: GITS_CREADR is read-only');
      // QEMU (DS = 1): the offset is stored and the write clears Stalled; nothing is processed.
      s.creadr = merge(s.creadr, value, mask) & ~1n;
      s.stall = undefined;
    },
  },
  {
    name: 'GITS_BASER<n>',
    offset: 0x0100,
    size: 8,
    count: 8,
    widths: [32, 64],
    access: 'rw',
    fields: [
      { name: 'Size', msb: 7, lsb: 0 },
      { name: 'Page_Size', msb: 9, lsb: 8 },
      ...ATTRS.slice(0, 1),
      { name: 'Physical_Address', msb: 47, lsb: 12 },
      { name: 'Entry_Size', msb: 52, lsb: 48 },
      ATTRS[1]!,
      { name: 'Type', msb: 58, lsb: 56 },
      ATTRS[2]!,
      { name: 'Indirect', msb: 62, lsb: 62 },
      { name: 'Valid', msb: 63, lsb: 63 },
    ],
    read: (m, i, n) => its(m, i).baser[n]!,
    write: (m, i, n, value, mask) => {
      const s = its(m, i);
      const cur = s.baser[n]!;
      if (cur === 0n) return; // unimplemented: RAZ/WI
      if (isEnabled(s)) return note(m, 'ignored: the ITS is enabled');
      const RO = (0x1fn << 48n) | (7n << 56n);
      let v = (merge(cur, value, mask) & ~RO) | (cur & RO);
      const type = Number((cur >> 56n) & 7n);
      if (m.profile === 'kvm') {
        if (type === BASER_TYPE_COLLECTION) v &= ~(1n << 62n);
        v = (sanitise(v) & ~(3n << 8n)) | (2n << 8n);
        if (v >> 63n === 0n) {
          if (type === BASER_TYPE_DEVICE && s.devices.size)
            note(m, `Valid = 0: all ${s.devices.size} device(s) freed`);
          if (type === BASER_TYPE_COLLECTION && s.collections.size)
            note(m, `Valid = 0: all ${s.collections.size} collection(s) freed`);
          if (type === BASER_TYPE_DEVICE) s.devices.clear();
          if (type === BASER_TYPE_COLLECTION) s.collections.clear();
        }
      }
      setBaser(s, n, v);
    },
  },
  ...coresightIdRegisters<ItsMachine, number>(
    'GITS',
    // PIDR2.ArchRev is 4 on a GICv4 (QEMU: revision << 4 | 0x0B); a VM's vITS has no GIC to ask.
    (m) => (m.profile === 'kvm' ? m.itsRules.pidr : pidrFor(m.profile, m.itsRules.pidr, m.s.gic.cfg.version)),
    () => [0x0d, 0xf0, 0x05, 0xb1],
  ),
  {
    name: 'GITS_TRANSLATER',
    offset: GITS_TRANSLATER,
    size: 4,
    widths: [16, 32],
    access: 'wo',
    present: (m) => m.itsRules.translaterFromCpu,
    fields: [{ name: 'EventID', msb: 31, lsb: 0 }],
    write: (m, i, _n, value) => {
      // A CPU's write carries no PCI Requester ID: the bus presents DeviceID 0.
      schedule<TranslateTask>(m, m.itsTiming.msi, 'its.translate', {
        its: i,
        devid: 0,
        eventid: Number(value & 0xffffffffn),
        stage: 'arrive',
        from: 'cpu',
      });
      note(m, 'an MSI from the CPU (DeviceID 0) is on its way to translation');
    },
  },
  {
    name: 'GITS_SGIR',
    offset: GITS_SGIR,
    size: 8,
    widths: [64],
    access: 'wo',
    present: (m) => isVirtualIts(m) && isGicV41(m.s.gic.cfg),
    fields: [
      { name: 'vINTID', msb: 3, lsb: 0 },
      { name: 'vPEID', msb: 47, lsb: 32 },
    ],
    write: (m, i, _n, value) => {
      const vpeid = Number((value >> 32n) & 0xffffn);
      const vintid = Number(value & 0xfn);
      schedule<SgirTask>(m, m.itsTiming.msi, 'its.sgir', { its: i, vpeid, vintid });
      note(m, `vSGI ${vintid} for vPE ${vpeid} is on its way to the ITS`);
    },
  },
]);

/** A GITS_SGIR write on its way: vSGI `vintid` for vPE `vpeid` (its-tasks.ts). */
export interface SgirTask {
  its: number;
  vpeid: number;
  vintid: number;
}
