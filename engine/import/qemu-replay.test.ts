/**
 * The QEMU replay on a GICv4.0 excerpt (fixtures/v4-excerpt.trace.log: the v4nested trace's lines
 * for the ITS and redistributor bring-up, VMAPP, VMAPTI, vPE scheduling and descheduling, MSIs to a
 * virtual ITE, a doorbell, vLPIs acknowledged through ICV_IAR1_EL1 and the virtual timer's
 * hardware-mapped list register, renumbered into one short consistent run). The whole v4nested and
 * v3smp2 replays are in scripts/conformance.test.ts and `giclab replay-qemu`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QemuReplay, ShapeScanner, type ReplayReport } from './qemu-replay';
import { isTraceLineError, parseTraceLine, type TraceRecord } from './qemu-trace-line';

const EXCERPT = readFileSync(join(import.meta.dirname, 'fixtures', 'v4-excerpt.trace.log'), 'utf8')
  .split('\n')
  .filter((l) => l !== '');

/** The LPI property table: doorbell LPI 8192 enabled, priority 0xa0, Group 1. */
const PROPTABLE = new Uint8Array([0xa3, 0, 0, 0]);

function records(lines: string[]): TraceRecord[] {
  return lines.map((text, i) => {
    const r = parseTraceLine(text, i + 1);
    if (r === null || isTraceLineError(r)) throw new Error(`line ${i + 1}: ${JSON.stringify(r)}`);
    return r;
  });
}

function replay(lines: string[]): ReplayReport {
  const recs = records(lines);
  const scan = new ShapeScanner();
  for (const r of recs) scan.feed(r);
  const rp = new QemuReplay({ shape: scan.result(), proptable: PROPTABLE });
  for (const r of recs) rp.feed(r);
  return rp.finish();
}

/** The excerpt with line `n` (1-based) replaced after checking it holds `was`. */
function altered(n: number, was: string, now: string): string[] {
  const out = [...EXCERPT];
  const line = out[n - 1]!;
  if (!line.includes(was)) throw new Error(`line ${n} has no '${was}': ${line}`);
  out[n - 1] = line.replace(was, now);
  return out;
}

describe('QEMU replay: a GICv4.0 excerpt', () => {
  it('finds the shape: 2 CPUs, GICv4', () => {
    const scan = new ShapeScanner();
    for (const r of records(EXCERPT)) scan.feed(r);
    expect(scan.result()).toEqual({ cpus: 2, gicVersion: 4 });
  });

  it('agrees: V* commands and their VTE/ITE writes, MSIs to a vLPI, vLPI acknowledges, PendingLast', () => {
    const r = replay(EXCERPT);
    expect(r.disagreements).toEqual([]);
    expect(r.agree).toBe(true);
    expect(r.commands).toEqual({ total: 4, agreed: 4 }); // MAPD, VMAPP, VMAPTI, VSYNC
    expect(r.tableWrites).toEqual({ total: 3, agreed: 3 }); // DTE, VTE, virtual ITE
    expect(r.msis).toEqual({ total: 2, agreed: 2 });
    expect(r.registerReads).toEqual({ total: 3, agreed: 3 }); // VPENDBASER around each deschedule
    expect(r.vlpiAcknowledges).toEqual({ total: 2, agreed: 2 });
    expect(r.virtualDeliveries.trace).toEqual({ 0: { 8192: 2 } });
    expect(r.virtualDeliveries.model).toEqual(r.virtualDeliveries.trace);
    // The doorbell (LPI 8192, the vPE not resident) and the host's virtual timer.
    expect(r.acknowledges).toEqual({ total: 2, agreed: 2 });
    expect(r.deliveries.model).toEqual({ 0: { 27: 1, 8192: 1 } });
    // The guest's own timer interrupt came from a list register: counted, not compared.
    expect(r.listRegisterAcks).toEqual({ 0: { 27: 1 } });
    expect(r.inferred.join('\n')).toMatch(/ICV_IAR1_EL1 reads returning an INTID below 8192 .*not compared/);
    expect(r.inferred.join('\n')).toMatch(/vLPI configuration: .* taken as enabled, priority 0xa0/);
    expect(r.inferred.join('\n')).toMatch(/deactivates PPI 27 on that CPU/);
    expect(r.unused).toEqual({});
  });

  it('reports a vLPI acknowledge QEMU made differently, with its line', () => {
    const r = replay(altered(35, 'ICV_IAR1 read cpu 0x0 value 0x2000', 'ICV_IAR1 read cpu 0x0 value 0x2001'));
    expect(r.agree).toBe(false);
    expect(r.disagreements).toEqual([
      { line: 35, what: 'ICV_IAR1_EL1 on CPU 0: QEMU acknowledged vLPI 8193, the model 8192' },
    ]);
    expect(r.vlpiAcknowledges).toEqual({ total: 2, agreed: 1 });
    expect(r.virtualDeliveries.trace[0]).toEqual({ 8192: 1, 8193: 1 });
    expect(r.virtualDeliveries.model[0]).toEqual({ 8192: 2 });
  });

  it('reports an acknowledge of a vLPI the model does not have pending', () => {
    // The vPE is descheduled on line 38: nothing can be presented on that CPU after it.
    const lines = [...EXCERPT];
    lines.splice(38, 0, lines[34]!);
    const r = replay(lines);
    expect(r.disagreements).toContainEqual({
      line: 39,
      what: 'ICV_IAR1_EL1 on CPU 0: QEMU acknowledged vLPI 8192, the model 1023',
    });
  });

  it('compares the VTE the translation read: the target redistributor', () => {
    const r = replay(altered(34, 'VPTaddr 0x4977 RDbase 0x0', 'VPTaddr 0x4977 RDbase 0x1'));
    expect(r.disagreements).toEqual([
      { line: 31, what: 'MSI DeviceID 8 EventID 0: target: QEMU RDbase 1, model redistributor 0' },
    ]);
  });

  it('compares the ITE the translation read: vINTID, vPEID and doorbell', () => {
    const r = replay(altered(33, 'intid 0x2000 ICID 0x0 vPEID 0x0', 'intid 0x2001 ICID 0x0 vPEID 0x1'));
    expect(r.disagreements).toEqual([
      {
        line: 31,
        what: 'MSI DeviceID 8 EventID 0: ITE: QEMU vLPI 8193 vPEID 1 doorbell 8192, model vLPI 8192 vPEID 0 doorbell 8192',
      },
    ]);
  });

  it('compares the VTE a VMAPP wrote and the virtual ITE a VMAPTI wrote', () => {
    const vte = replay(altered(21, 'VPTaddr 0x4977', 'VPTaddr 0x4978'));
    expect(vte.disagreements).toEqual([
      { line: 19, what: 'VMAPP in slot 1: VTE VPT_addr: QEMU 0x49780000, model 0x49770000' },
    ]);
    const ite = replay(altered(25, 'doorbell 0x2000', 'doorbell 0x3ff'));
    expect(ite.disagreements).toEqual([
      { line: 22, what: 'VMAPTI in slot 2: ITE Dbell_pINTID: QEMU 0x3ff, model 0x2000' },
    ]);
  });

  it('compares GICR_VPENDBASER.PendingLast after a deschedule', () => {
    const r = replay(altered(48, 'data 0x6000000049770780', 'data 0x4000000049770780'));
    expect(r.disagreements).toEqual([
      {
        line: 48,
        what: 'read of GICR_VPENDBASER: QEMU 0x4000000049770780, model 0x6000000049770780',
      },
    ]);
  });

  it("deactivates PPI 27 at the guest's EOI of its hardware-mapped timer, which the host's next acknowledge needs", () => {
    // The same EOI of an interrupt from an ordinary list register leaves PPI 27 active.
    const r = replay(altered(56, 'ICV_EOIR1 write cpu 0x0 value 0x1b', 'ICV_EOIR1 write cpu 0x0 value 0x1'));
    expect(r.disagreements).toEqual([
      { line: 58, what: 'ICC_IAR1_EL1 on CPU 0: QEMU acknowledged 27, the model 1023' },
    ]);
  });
});
