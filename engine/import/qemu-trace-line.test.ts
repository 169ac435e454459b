/**
 * The QEMU trace line parser against real lines of the public traces (public/traces/), QEMU 7.2's
 * format strings, malformed input, and whole traces: every line of v3smp2 and of the v4nested ITS
 * extract must parse, print back to the same text, and add up to the counts in their summaries.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  TRACE_EVENT_NAMES,
  isTraceLineError,
  parseTraceLine,
  traceEventFormat,
  type TraceEventName,
  type TraceLineError,
  type TraceRecord,
} from './qemu-trace-line';

const TRACES = join(import.meta.dirname, '../../public/traces');
const readTrace = (name: string): string[] =>
  gunzipSync(readFileSync(join(TRACES, name)))
    .toString('utf8')
    .split('\n');

function parsed(text: string, line = 1): TraceRecord {
  const r = parseTraceLine(text, line);
  if (r === null || isTraceLineError(r)) throw new Error(`did not parse: ${JSON.stringify(r)}`);
  return r;
}

function error(text: string, line = 7): TraceLineError {
  const r = parseTraceLine(text, line);
  if (r === null || !isTraceLineError(r)) throw new Error(`parsed: ${String(r && r.event)}`);
  return r;
}

/** Prints a record back through its QEMU format string: the inverse of the parser. */
function render(r: TraceRecord): string {
  const values = Object.entries(r)
    .filter(([k]) => !['line', 'tid', 'time', 'event'].includes(k))
    .map(([, v]) => v as number | bigint);
  let i = 0;
  const text = traceEventFormat(r.event).replace(/%(lx|x|d|u)/g, (_m, conv: string) => {
    const v = values[i++] ?? 0;
    return conv === 'x' || conv === 'lx' ? v.toString(16) : v.toString();
  });
  const micros = Math.round((r.time % 1) * 1e6);
  return `${r.tid}@${Math.floor(r.time)}.${String(micros).padStart(6, '0')}:${r.event} ${text}`;
}

describe('parseTraceLine: real lines', () => {
  it('reads the prefix: thread id, time as the nearest double, event name', () => {
    const r = parsed(
      '23837@1795244075.227010:gicv3_its_cmd_mapti GICv3 ITS: command MAPTI DeviceID 0x8 EventID 0x0 ICID 0x0 pINTID 0x2000',
      18475,
    );
    expect(r).toEqual({
      line: 18475,
      tid: 23837,
      time: 1795244075.22701,
      event: 'gicv3_its_cmd_mapti',
      devid: 8,
      eventid: 0,
      icid: 0,
      intid: 0x2000,
    });
    expect(r.time).toBe(Number('1795244075.227010'));
  });

  it('ITS MMIO, MSIs and the command queue', () => {
    const base = { line: 1, tid: 20418 };
    expect(
      parsed('20418@1795243809.412057:gicv3_its_write GICv3 ITS write: offset 0x88 data 0x20 size 4'),
    ).toEqual({
      ...base,
      time: 1795243809.412057,
      event: 'gicv3_its_write',
      offset: 0x88,
      data: 0x20n,
      size: 4,
    });
    expect(
      parsed(
        '20418@1795243809.410540:gicv3_its_read GICv3 ITS read: offset 0x100 data 0x107000000000000 size 8',
      ),
    ).toEqual({
      ...base,
      time: 1795243809.41054,
      event: 'gicv3_its_read',
      offset: 0x100,
      data: 0x107000000000000n,
      size: 8,
    });
    expect(
      parsed(
        '23817@1795244075.293743:gicv3_its_translation_write GICv3 ITS TRANSLATER write: offset 0x40 data 0x1 size 4 requester_id 0x10',
      ),
    ).toEqual({
      line: 1,
      tid: 23817,
      time: 1795244075.293743,
      event: 'gicv3_its_translation_write',
      offset: 0x40,
      data: 1,
      size: 4,
      requesterId: 0x10,
    });
    expect(
      parsed(
        '23837@1795244072.583164:gicv3_its_process_command GICv3 ITS: processing command at offset 0x1: 0x5',
      ),
    ).toMatchObject({ event: 'gicv3_its_process_command', rdOffset: 1, cmd: 5 });
  });

  it('commands without arguments carry only the prefix', () => {
    for (const [text, event] of [
      ['23837@1795244072.583165:gicv3_its_cmd_sync GICv3 ITS: command SYNC', 'gicv3_its_cmd_sync'],
      ['23837@1795244072.583223:gicv3_its_cmd_invall GICv3 ITS: command INVALL', 'gicv3_its_cmd_invall'],
      ['20418@1795243814.488768:gicv3_its_cmd_vsync GICv3 ITS: command VSYNC', 'gicv3_its_cmd_vsync'],
    ] as const) {
      expect(Object.keys(parsed(text))).toEqual(['line', 'tid', 'time', 'event']);
      expect(parsed(text).event).toBe(event);
    }
  });

  it('GICv3 commands', () => {
    expect(
      parsed('23837@1795244072.583159:gicv3_its_cmd_mapc GICv3 ITS: command MAPC ICID 0x0 RDbase 0x0 V 1'),
    ).toMatchObject({ event: 'gicv3_its_cmd_mapc', icid: 0, rdbase: 0, valid: 1 });
    expect(
      parsed(
        '23837@1795244075.225734:gicv3_its_cmd_mapd GICv3 ITS: command MAPD DeviceID 0x8 Size 0x1 ITT_addr 0x4819ba V 1',
      ),
    ).toMatchObject({ event: 'gicv3_its_cmd_mapd', devid: 8, size: 1, ittaddr: 0x4819ba, valid: 1 });
    expect(
      parsed(
        '23838@1795244078.628896:gicv3_its_cmd_movi GICv3 ITS: command MOVI DeviceID 0x8 EventID 0x0 ICID 0x1',
      ),
    ).toMatchObject({ event: 'gicv3_its_cmd_movi', devid: 8, eventid: 0, icid: 1 });
    expect(
      parsed(
        '20418@1795243816.199868:gicv3_its_cmd_clear GICv3 ITS: command CLEAR DeviceID 0xffff EventID 0x0',
      ),
    ).toMatchObject({ event: 'gicv3_its_cmd_clear', devid: 0xffff, eventid: 0 });
    expect(
      parsed(
        '20420@1795243857.588380:gicv3_its_cmd_discard GICv3 ITS: command DISCARD DeviceID 0x8 EventID 0x0',
      ),
    ).toMatchObject({ event: 'gicv3_its_cmd_discard', devid: 8, eventid: 0 });
    expect(
      parsed('23837@1795244075.229409:gicv3_its_cmd_inv GICv3 ITS: command INV DeviceID 0x8 EventID 0x0'),
    ).toMatchObject({ event: 'gicv3_its_cmd_inv', devid: 8, eventid: 0 });
  });

  it('GICv4 commands; VMAPTI is printed "VMAPI" but keeps its own event name and vINTID', () => {
    expect(
      parsed(
        '20420@1795243857.592417:gicv3_its_cmd_vmapti GICv3 ITS: command VMAPI DeviceID 0x8 EventID 0x0 vPEID 0x0 vINTID 0x2000 Dbell_pINTID 0x2000',
      ),
    ).toEqual({
      line: 1,
      tid: 20420,
      time: 1795243857.592417,
      event: 'gicv3_its_cmd_vmapti',
      devid: 8,
      eventid: 0,
      vpeid: 0,
      vintid: 0x2000,
      doorbell: 0x2000,
    });
    expect(
      parsed(
        '20418@1795243814.488762:gicv3_its_cmd_vmapp GICv3 ITS: command VMAPP vPEID 0x0 RDbase 0x0 V 1 VPT_addr 0x4977 VPT_size 0xf',
      ),
    ).toMatchObject({
      event: 'gicv3_its_cmd_vmapp',
      vpeid: 0,
      rdbase: 0,
      valid: 1,
      vptaddr: 0x4977,
      vptsize: 15,
    });
    expect(
      parsed(
        '20418@1795243864.312436:gicv3_its_cmd_vmovi GICv3 ITS: command VMOVI DeviceID 0x8 EventID 0x0 vPEID 0x1 D 1 Dbell_pINTID 0x2001',
      ),
    ).toMatchObject({
      event: 'gicv3_its_cmd_vmovi',
      devid: 8,
      eventid: 0,
      vpeid: 1,
      dbvalid: 1,
      doorbell: 0x2001,
    });
    expect(
      parsed('20420@1795243816.203654:gicv3_its_cmd_vmovp GICv3 ITS: command VMOVP vPEID 0x1 RDbase 0x1'),
    ).toMatchObject({ event: 'gicv3_its_cmd_vmovp', vpeid: 1, rdbase: 1 });
    expect(
      parsed('20418@1795243814.488838:gicv3_its_cmd_vinvall GICv3 ITS: command VINVALL vPEID 0x0'),
    ).toMatchObject({ event: 'gicv3_its_cmd_vinvall', vpeid: 0 });
  });

  it('table entries keep QEMU units: MAPD and DTE writes in 256-byte units, DTE reads and ITEs in bytes', () => {
    const mapd = parsed(
      '23837@1795244075.225734:gicv3_its_cmd_mapd GICv3 ITS: command MAPD DeviceID 0x8 Size 0x1 ITT_addr 0x4819ba V 1',
    );
    const dteWrite = parsed(
      '23837@1795244075.225736:gicv3_its_dte_write GICv3 ITS: Device Table write for DeviceID 0x8: valid 1 size 0x1 ITTaddr 0x4819ba',
    );
    const dteRead = parsed(
      '23837@1795244075.227011:gicv3_its_dte_read GICv3 ITS: Device Table read for DeviceID 0x8: valid 1 size 0x1 ITTaddr 0x4819ba00',
    );
    expect(dteWrite).toMatchObject({
      event: 'gicv3_its_dte_write',
      devid: 8,
      valid: 1,
      size: 1,
      ittaddr: 0x4819ba,
    });
    expect(dteRead).toMatchObject({
      event: 'gicv3_its_dte_read',
      devid: 8,
      valid: 1,
      size: 1,
      ittaddr: 0x4819ba00,
    });
    if (mapd.event !== 'gicv3_its_cmd_mapd' || dteRead.event !== 'gicv3_its_dte_read')
      throw new Error('event');
    expect(dteRead.ittaddr).toBe(mapd.ittaddr * 256);

    expect(
      parsed(
        '23837@1795244075.227013:gicv3_its_ite_write GICv3 ITS: Interrupt Table write for ITTaddr 0x4819ba00 EventID 0x0: valid 1 inttype 1 intid 0x2000 ICID 0x0 vPEID 0x0 doorbell 0x3ff',
        18477,
      ),
    ).toEqual({
      line: 18477,
      tid: 23837,
      time: 1795244075.227013,
      event: 'gicv3_its_ite_write',
      ittaddr: 0x4819ba00,
      eventid: 0,
      valid: 1,
      inttype: 1,
      intid: 0x2000,
      icid: 0,
      vpeid: 0,
      doorbell: 0x3ff,
    });
    expect(
      parsed(
        '20420@1795243857.594694:gicv3_its_ite_read GICv3 ITS: Interrupt Table read for ITTaddr 0x427e5000 EventID 0x0: valid 1 inttype 0 intid 0x2000 ICID 0x0 vPEID 0x0 doorbell 0x2000',
      ),
    ).toMatchObject({
      event: 'gicv3_its_ite_read',
      ittaddr: 0x427e5000,
      inttype: 0,
      intid: 0x2000,
      doorbell: 0x2000,
    });
    expect(
      parsed(
        '23837@1795244075.229414:gicv3_its_cte_read GICv3 ITS: Collection Table read for ICID 0x0: valid 1 RDBase 0x0',
      ),
    ).toMatchObject({ event: 'gicv3_its_cte_read', icid: 0, valid: 1, rdbase: 0 });
    expect(
      parsed(
        '23837@1795244072.583161:gicv3_its_cte_write GICv3 ITS: Collection Table write for ICID 0x0: valid 1 RDBase 0x0',
      ),
    ).toMatchObject({ event: 'gicv3_its_cte_write', icid: 0, valid: 1, rdbase: 0 });
    expect(
      parsed(
        '20420@1795243816.203658:gicv3_its_vte_write GICv3 ITS: vPE Table write for vPEID 0x1: valid 1 VPTsize 0xf VPTaddr 0x49c1 RDbase 0x1',
      ),
    ).toMatchObject({
      event: 'gicv3_its_vte_write',
      vpeid: 1,
      valid: 1,
      vptsize: 15,
      vptaddr: 0x49c1,
      rdbase: 1,
    });
    expect(
      parsed(
        '20418@1795243814.488840:gicv3_its_vte_read GICv3 ITS: vPE Table read for vPEID 0x0: valid 1 VPTsize 0xf VPTaddr 0x4977 RDbase 0x0',
      ),
    ).toMatchObject({ event: 'gicv3_its_vte_read', vpeid: 0, vptaddr: 0x4977 });
  });

  it('redistributor: 64-bit data beyond 2^53 stays exact as a bigint', () => {
    expect(
      parsed(
        '20418@1795243816.195262:gicv3_redist_write GICv3 redistributor 0x0 write: offset 0x20078 data 0xe000000049c10780 size 8 secure 0',
      ),
    ).toEqual({
      line: 1,
      tid: 20418,
      time: 1795243816.195262,
      event: 'gicv3_redist_write',
      cpu: 0,
      offset: 0x20078,
      data: 0xe000000049c10780n,
      size: 8,
      secure: 0,
    });
    expect(
      parsed(
        '23837@1795244072.571965:gicv3_redist_read GICv3 redistributor 0x1 read: offset 0x8 data 0x101000111 size 8 secure 0',
      ),
    ).toMatchObject({
      event: 'gicv3_redist_read',
      cpu: 1,
      offset: 8,
      data: 0x101000111n,
      size: 8,
      secure: 0,
    });
    expect(
      parsed(
        '23817@1795244072.594927:gicv3_redist_set_irq GICv3 redistributor 0x0 interrupt 27 level changed to 1',
      ),
    ).toMatchObject({ event: 'gicv3_redist_set_irq', cpu: 0, irq: 27, level: 1 });
    expect(
      parsed('23838@1795244072.722405:gicv3_redist_send_sgi GICv3 redistributor 0x0 pending SGI 1'),
    ).toMatchObject({ event: 'gicv3_redist_send_sgi', cpu: 0, irq: 1 });
  });

  it('CPU interface: physical and virtual acknowledge, EOI, DIR, HPPI updates', () => {
    expect(
      parsed('23837@1795244072.598043:gicv3_icc_iar1_read GICv3 ICC_IAR1 read cpu 0x0 value 0x1b'),
    ).toEqual({
      line: 1,
      tid: 23837,
      time: 1795244072.598043,
      event: 'gicv3_icc_iar1_read',
      cpu: 0,
      val: 27,
    });
    expect(
      parsed('23837@1795244072.604017:gicv3_icc_eoir_write GICv3 ICC_EOIR1 write cpu 0x0 value 0x1b'),
    ).toMatchObject({ event: 'gicv3_icc_eoir_write', grp: 1, cpu: 0, val: 27 });
    expect(
      parsed('20418@1795243809.434164:gicv3_icc_dir_write GICv3 ICC_DIR write cpu 0x0 value 0x1a'),
    ).toMatchObject({
      event: 'gicv3_icc_dir_write',
      cpu: 0,
      val: 26,
    });
    expect(
      parsed('20420@1795243816.813874:gicv3_icv_iar_read GICv3 ICV_IAR1 read cpu 0x1 value 0x1b'),
    ).toMatchObject({
      event: 'gicv3_icv_iar_read',
      grp: 1,
      cpu: 1,
      val: 27,
    });
    expect(
      parsed('20420@1795243816.816083:gicv3_icv_eoir_write GICv3 ICV_EOIR1 write cpu 0x1 value 0x1b'),
    ).toMatchObject({ event: 'gicv3_icv_eoir_write', grp: 1, cpu: 1, val: 27 });
    expect(
      parsed(
        '23837@1795244072.221855:gicv3_cpuif_update GICv3 CPU i/f 0x0 HPPI update: irq 0 group 0 prio 255',
      ),
    ).toMatchObject({ event: 'gicv3_cpuif_update', cpuid: 0, irq: 0, grp: 0, prio: 255 });
  });

  it('the direct vLPI path of v4nested: an MSI to a virtual ITE, its VTE, and the vLPI taken through ICV_IAR1', () => {
    expect(
      parsed(
        '20418@1795243857.637351:gicv3_its_ite_read GICv3 ITS: Interrupt Table read for ITTaddr 0x427e5000 EventID 0x2: valid 1 inttype 0 intid 0x2002 ICID 0x0 vPEID 0x0 doorbell 0x2000',
      ),
    ).toMatchObject({
      event: 'gicv3_its_ite_read',
      eventid: 2,
      inttype: 0,
      intid: 8194,
      vpeid: 0,
      doorbell: 8192,
    });
    expect(
      parsed(
        '20418@1795243857.637352:gicv3_its_vte_read GICv3 ITS: vPE Table read for vPEID 0x0: valid 1 VPTsize 0xf VPTaddr 0x4977 RDbase 0x1',
        1125461,
      ),
    ).toEqual({
      line: 1125461,
      tid: 20418,
      time: 1795243857.637352,
      event: 'gicv3_its_vte_read',
      vpeid: 0,
      valid: 1,
      vptsize: 15,
      vptaddr: 0x4977,
      rdbase: 1,
    });
    expect(
      parsed('20420@1795243857.637603:gicv3_icv_iar_read GICv3 ICV_IAR1 read cpu 0x1 value 0x2002'),
    ).toMatchObject({ event: 'gicv3_icv_iar_read', grp: 1, cpu: 1, val: 8194 });
    expect(
      parsed('20420@1795243857.639746:gicv3_icv_eoir_write GICv3 ICV_EOIR1 write cpu 0x1 value 0x2002'),
    ).toMatchObject({ event: 'gicv3_icv_eoir_write', grp: 1, cpu: 1, val: 8194 });
    expect(
      parsed('20418@1795243857.637352:gicv3_icv_iar_read GICv3 ICV_IAR0 read cpu 0x0 value 0x3ff'),
    ).toMatchObject({ event: 'gicv3_icv_iar_read', grp: 0, val: 1023 });
  });

  it('events these traces do not contain, from their format strings', () => {
    const t = '1@1.000001:';
    expect(
      parsed(`${t}gicv3_dist_write GICv3 distributor write: offset 0x100 data 0xffffffff size 4 secure 0`),
    ).toMatchObject({ event: 'gicv3_dist_write', offset: 0x100, data: 0xffffffffn, size: 4, secure: 0 });
    expect(
      parsed(`${t}gicv3_dist_badread GICv3 distributor read: offset 0xfff0 size 4 secure 1: error`),
    ).toMatchObject({ event: 'gicv3_dist_badread', offset: 0xfff0, size: 4, secure: 1 });
    // "0x%xxx": the affinity, then a literal "xx" standing for Aff0.
    expect(
      parsed(
        `${t}gicv3_icc_generate_sgi GICv3 CPU i/f 0x1 generating SGI 3 IRM 0 target affinity 0x10xx targetlist 0x2`,
      ),
    ).toMatchObject({ event: 'gicv3_icc_generate_sgi', cpuid: 1, irq: 3, irm: 0, aff: 0x10, targetlist: 2 });
    expect(
      parsed(
        `${t}gicv3_cpuif_virt_update GICv3 CPU i/f 0x1 virt HPPI update LR index -1 HPPVLPI 0 grp 0 prio 255`,
      ),
    ).toMatchObject({ event: 'gicv3_cpuif_virt_update', cpuid: 1, idx: -1, hppvlpi: 0, grp: 0, prio: 255 });
    expect(
      parsed(`${t}gicv3_ich_lr_write GICv3 ICH_LR3_EL2 write cpu 0x0 value 0xa0a0000000002000`),
    ).toMatchObject({ event: 'gicv3_ich_lr_write', regno: 3, cpu: 0, val: 0xa0a0000000002000n });
    expect(parsed(`${t}gicv3_icc_ap_read GICv3 ICC_AP1R2 read cpu 0x1 value 0x0`)).toMatchObject({
      event: 'gicv3_icc_ap_read',
      grp: 1,
      regno: 2,
      cpu: 1,
      val: 0,
    });
    expect(
      parsed(
        `${t}gicv3_its_ite_read_fault GICv3 ITS: Interrupt Table read for ITTaddr 0x4819ba00 EventID 0x5: faulted`,
      ),
    ).toMatchObject({ event: 'gicv3_its_ite_read_fault', ittaddr: 0x4819ba00, eventid: 5 });
    expect(
      parsed(`${t}gicv3_its_cmd_movall GICv3 ITS: command MOVALL RDbase1 0x0 RDbase2 0x1`),
    ).toMatchObject({
      event: 'gicv3_its_cmd_movall',
      rd1: 0,
      rd2: 1,
    });
  });

  it('ignores a trailing CR and returns null for blank lines', () => {
    expect(parsed('23837@1795244072.583165:gicv3_its_cmd_sync GICv3 ITS: command SYNC\r').event).toBe(
      'gicv3_its_cmd_sync',
    );
    expect(parsed('1@1.000000:gicv3_icc_pmr_read GICv3 ICC_PMR read cpu 0x0 value 0xf0\r')).toMatchObject({
      val: 0xf0,
    });
    expect(parseTraceLine('', 1)).toBeNull();
    expect(parseTraceLine('  \t\r', 1)).toBeNull();
  });
});

describe('parseTraceLine: the format table', () => {
  const formatFile = readFileSync(join(TRACES, 'qemu-7.2-gicv3-trace-event-formats.txt'), 'utf8');
  const formats = new Map(
    formatFile
      .split('\n')
      .filter((l) => l.includes(' '))
      .map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)] as const),
  );

  it('covers every event of qemu-7.2-gicv3-trace-event-formats.txt with its exact format string', () => {
    expect(formats.size).toBe(107);
    expect([...TRACE_EVENT_NAMES].sort()).toEqual([...formats.keys()].sort());
    for (const event of TRACE_EVENT_NAMES) expect(traceEventFormat(event), event).toBe(formats.get(event));
  });

  it('parses a line printed from each format, every conversion to its own field', () => {
    for (const event of TRACE_EVENT_NAMES) {
      let n = 0;
      const text = traceEventFormat(event).replace(/%(lx|x|d|u)/g, (_m, conv: string) => {
        n++;
        return conv === 'd' || conv === 'u' ? String(n) : n.toString(16);
      });
      const r = parsed(`42@1800000000.000123:${event} ${text}`);
      expect(r.event).toBe(event);
      const fields = Object.values(r).slice(4);
      expect(
        fields.map((v) => Number(v)),
        event,
      ).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(render(r)).toBe(`42@1800000000.000123:${event} ${text}`);
    }
  });
});

describe('parseTraceLine: errors', () => {
  const mapti =
    '23837@1795244075.227010:gicv3_its_cmd_mapti GICv3 ITS: command MAPTI DeviceID 0x8 EventID 0x0 ICID 0x0 pINTID 0x2000';

  it('names what is wrong with the prefix', () => {
    expect(error('hello')).toEqual({
      line: 7,
      kind: 'prefix',
      message: "bad prefix: expected a decimal thread id at column 1, found 'hello'",
    });
    expect(error('23837:1795244075.227010:gicv3_its_cmd_sync GICv3 ITS: command SYNC').message).toBe(
      "bad prefix: expected '@' after the thread id at column 6, found ':1795244075.227010:gicv3…'",
    );
    expect(error('23837@1795244075.22701:gicv3_its_cmd_sync GICv3 ITS: command SYNC').message).toBe(
      "bad prefix: expected 6 digits of microseconds at column 18, found '22701:gicv3_its_cmd_sync…'",
    );
    expect(error('23837@1795244075:gicv3_its_cmd_sync GICv3 ITS: command SYNC').message).toMatch(
      /^bad prefix: expected '\.' after the seconds at column 17/,
    );
    expect(error('23837@1795244075.227010 gicv3_its_cmd_sync GICv3 ITS: command SYNC').message).toMatch(
      /^bad prefix: expected ':' after the timestamp at column 24/,
    );
    expect(error('23837@1795244075.227010: GICv3 ITS: command SYNC').message).toMatch(
      /^bad prefix: expected an event name at column 25/,
    );
  });

  it('names an unknown event', () => {
    expect(error('1@1.000000:gicv3_update GICv3 something')).toEqual({
      line: 7,
      kind: 'event',
      message: "unknown event 'gicv3_update'",
    });
    expect(error('1@1.000000:memory_region_ops_read cpu 0 mr 0x0').message).toBe(
      "unknown event 'memory_region_ops_read'",
    );
  });

  it('names the missing or malformed field', () => {
    expect(error(mapti.replace(' EventID 0x0', ''))).toEqual({
      line: 7,
      kind: 'fields',
      message:
        "gicv3_its_cmd_mapti: expected ' EventID 0x' before eventid at column 82, found ' ICID 0x0 pINTID 0x2000'",
    });
    expect(error(mapti.replace('pINTID 0x2000', 'pINTID 0x')).message).toBe(
      'gicv3_its_cmd_mapti: field intid: expected hex digits at column 113, found end of line',
    );
    expect(error(mapti.replace('pINTID 0x2000', 'pINTID 0x2000 ')).message).toBe(
      "gicv3_its_cmd_mapti: unexpected text at column 117: ' '",
    );
    expect(error(mapti.replace('pINTID 0x2000', 'pINTID 0x1ffffffff')).message).toBe(
      'gicv3_its_cmd_mapti: field intid: 0x1ffffffff does not fit in 32 bits',
    );
    expect(error(mapti.replace('DeviceID 0x8', 'DeviceID 0xg')).message).toBe(
      "gicv3_its_cmd_mapti: field devid: expected hex digits at column 81, found 'g EventID 0x0 ICID 0x0 p…'",
    );
    expect(
      error(
        '1@1.000000:gicv3_its_cmd_mapd GICv3 ITS: command MAPD DeviceID 0x8 Size 0x1 ITT_addr 0x20000000000000 V 1',
      ).message,
    ).toBe('gicv3_its_cmd_mapd: field ittaddr: 0x20000000000000 exceeds 2^53 - 1');
    expect(
      error('1@1.000000:gicv3_its_read GICv3 ITS read: offset 0x0 data 0x10000000000000000 size 8').message,
    ).toBe(
      "gicv3_its_read: field data: more than 16 hex digits at column 61, found '10000000000000000 size 8'",
    );
    expect(
      error('1@1.000000:gicv3_redist_set_irq GICv3 redistributor 0x0 interrupt x level changed to 1').message,
    ).toBe(
      "gicv3_redist_set_irq: field irq: expected a decimal number at column 67, found 'x level changed to 1'",
    );
    expect(error('1@1.000000:gicv3_its_read GICv3 ITS read: offset 0x0 data 0x0 size -1').message).toBe(
      "gicv3_its_read: field size: expected a decimal number at column 68, found '-1'",
    );
    expect(error('1@1.000000:gicv3_its_cmd_sync').message).toBe(
      'gicv3_its_cmd_sync: no text after the event name',
    );
    expect(error('1@1.000000:gicv3_its_cmd_sync GICv3 ITS: command SYNC RDbase 0x0').message).toBe(
      "gicv3_its_cmd_sync: unexpected text at column 54: ' RDbase 0x0'",
    );
    // VMAPTI and VMAPI print the same command name; the event name decides which format applies.
    expect(
      error(
        '1@1.000000:gicv3_its_cmd_vmapti GICv3 ITS: command VMAPI DeviceID 0x8 EventID 0x0 vPEID 0x0 Dbell_pINTID 0x2000',
      ).message,
    ).toBe(
      "gicv3_its_cmd_vmapti: expected ' vINTID 0x' before vintid at column 92, found ' Dbell_pINTID 0x2000'",
    );
  });

  it('never throws, on random text or on mutated real lines', () => {
    const real = [
      mapti,
      '20418@1795243816.195262:gicv3_redist_write GICv3 redistributor 0x0 write: offset 0x20078 data 0xe000000049c10780 size 8 secure 0',
      '23837@1795244075.227013:gicv3_its_ite_write GICv3 ITS: Interrupt Table write for ITTaddr 0x4819ba00 EventID 0x0: valid 1 inttype 1 intid 0x2000 ICID 0x0 vPEID 0x0 doorbell 0x3ff',
      '1@1.000000:gicv3_cpuif_virt_update GICv3 CPU i/f 0x1 virt HPPI update LR index -1 HPPVLPI 0 grp 0 prio 255',
      '23837@1795244072.583165:gicv3_its_cmd_sync GICv3 ITS: command SYNC',
    ];
    const check = (text: string) => {
      const r = parseTraceLine(text, 3);
      if (r !== null) expect(r.line).toBe(3);
      if (r !== null && isTraceLineError(r)) expect(r.message.length).toBeGreaterThan(0);
    };
    fc.assert(fc.property(fc.string({ maxLength: 200 }), check), { numRuns: 2000 });
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'0123456789abcdefx@.: -_gicv3'), maxLength: 80 }),
        (s) => check(`1@1.000000:${s}`),
      ),
      { numRuns: 2000 },
    );
    const mutation = fc.record({
      line: fc.constantFrom(...real),
      at: fc.nat(),
      cut: fc.nat({ max: 4 }),
      insert: fc.string({ maxLength: 4, unit: fc.constantFrom(...'0x9af -:@.\r\n\u00e9') }),
    });
    fc.assert(
      fc.property(mutation, ({ line, at, cut, insert }) => {
        const i = at % (line.length + 1);
        check(line.slice(0, i) + insert + line.slice(i + cut));
      }),
      { numRuns: 5000 },
    );
  });
});

/** Event counts from a summary file's "event counts:" section. */
function summaryCounts(name: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of readFileSync(join(TRACES, name), 'utf8').matchAll(/^\s+(\d+) (gicv3_\w+)$/gm)) {
    counts.set(m[2] as string, Number(m[1]));
  }
  return counts;
}

/** Parses every line; also prints each record back and keeps the first lines that differ. */
function parseAll(lines: string[]) {
  const counts = new Map<TraceEventName, number>();
  const errors: TraceLineError[] = [];
  const reprinted: string[] = [];
  let records = 0;
  lines.forEach((text, i) => {
    const r = parseTraceLine(text, i + 1);
    if (r === null) return;
    if (isTraceLineError(r)) {
      errors.push(r);
      return;
    }
    records++;
    counts.set(r.event, (counts.get(r.event) ?? 0) + 1);
    if (reprinted.length < 5 && render(r) !== text) reprinted.push(`${text} -> ${render(r)}`);
  });
  return { counts, errors, reprinted, records };
}

describe('parseTraceLine: whole traces', () => {
  it('parses all of v3smp2 with no errors; counts match v3smp2.summary.txt', () => {
    const lines = readTrace('v3smp2.trace.log.gz');
    const { counts, errors, reprinted, records } = parseAll(lines);
    expect(errors).toEqual([]);
    expect(reprinted).toEqual([]);
    expect(records).toBe(40243);
    expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(summaryCounts('v3smp2.summary.txt')));
    expect(counts.get('gicv3_its_translation_write')).toBe(59);
    expect(counts.get('gicv3_its_process_command')).toBe(61);
    expect(counts.get('gicv3_icc_iar1_read')).toBe(2170);
  });

  it('parses all of the v4nested ITS extract; its ITS and ICV counts match v4nested.summary.txt', () => {
    const { counts, errors, reprinted, records } = parseAll(readTrace('v4nested.its-extract.log.gz'));
    expect(errors).toEqual([]);
    expect(reprinted).toEqual([]);
    expect(records).toBe(701800);
    const summary = summaryCounts('v4nested.summary.txt');
    const its = [...counts].filter(([e]) => e.startsWith('gicv3_its_') || e.startsWith('gicv3_icv_'));
    expect(its.length).toBe(28);
    for (const [event, n] of its) expect(n, event).toBe(summary.get(event));
    expect(counts.get('gicv3_its_cmd_vmapti')).toBe(6);
  });
});
