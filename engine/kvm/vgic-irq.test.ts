import { describe, expect, it } from 'vitest';
import {
  createVgicIrq,
  irqIsPending,
  VGIC_CONFIG_EDGE,
  VGIC_CONFIG_LEVEL,
  VGIC_IRQ_SW_RESAMPLE,
  vgicApplyLpiConfig,
  vgicIrqFlags,
  vgicIrqGetLrCount,
  vgicIrqIsMappedLevel,
  vgicIrqIsMultiSgi,
  vgicIrqNeedsResampling,
  vgicValidateInjection,
} from './vgic-irq';

describe('irq_is_pending', () => {
  it('an edge interrupt is pending only when latched; its line does not count', () => {
    const irq = createVgicIrq(40, { config: VGIC_CONFIG_EDGE, lineLevel: true });
    expect(irqIsPending(irq)).toBe(false);
    irq.pendingLatch = true;
    expect(irqIsPending(irq)).toBe(true);
  });

  it('a level interrupt is pending while its line is high or its latch is set', () => {
    const irq = createVgicIrq(40, { config: VGIC_CONFIG_LEVEL });
    expect(irqIsPending(irq)).toBe(false);
    irq.lineLevel = true;
    expect(irqIsPending(irq)).toBe(true);
    irq.lineLevel = false;
    irq.pendingLatch = true; // an ISPENDR write
    expect(irqIsPending(irq)).toBe(true);
  });
});

describe('vgic_validate_injection', () => {
  it('a level interrupt acts only on a level change', () => {
    const irq = createVgicIrq(40, { config: VGIC_CONFIG_LEVEL });
    expect(vgicValidateInjection(irq, false, null)).toBe(false);
    expect(vgicValidateInjection(irq, true, null)).toBe(true);
    irq.lineLevel = true;
    expect(vgicValidateInjection(irq, true, null)).toBe(false);
    expect(vgicValidateInjection(irq, false, null)).toBe(true);
  });

  it('an edge interrupt acts only on a rising edge, every time', () => {
    const irq = createVgicIrq(40, { config: VGIC_CONFIG_EDGE, pendingLatch: true });
    expect(vgicValidateInjection(irq, true, null)).toBe(true);
    expect(vgicValidateInjection(irq, false, null)).toBe(false);
  });

  it('only the owner drives a line an in-kernel device owns', () => {
    const irq = createVgicIrq(27, { config: VGIC_CONFIG_LEVEL, owner: 'arch-timer' });
    expect(vgicValidateInjection(irq, true, null)).toBe(false);
    expect(vgicValidateInjection(irq, true, 'pmu')).toBe(false);
    expect(vgicValidateInjection(irq, true, 'arch-timer')).toBe(true);
  });
});

describe('LR counts and mapped interrupts', () => {
  it('a GICv2 SGI counts one LR per source, plus one when active', () => {
    const sgi = createVgicIrq(3, { source: 0b1011, pendingLatch: true });
    expect(vgicIrqGetLrCount(sgi)).toBe(3);
    sgi.active = true;
    expect(vgicIrqGetLrCount(sgi)).toBe(4);
    expect(vgicIrqIsMultiSgi(sgi)).toBe(true);
    const one = createVgicIrq(3, { source: 0b1, pendingLatch: true });
    expect(vgicIrqIsMultiSgi(one)).toBe(false);
  });

  it('anything else counts 1 if pending or active, else 0', () => {
    const spi = createVgicIrq(40, { config: VGIC_CONFIG_LEVEL });
    expect(vgicIrqGetLrCount(spi)).toBe(0);
    spi.active = true;
    expect(vgicIrqGetLrCount(spi)).toBe(1);
    spi.lineLevel = true;
    expect(vgicIrqGetLrCount(spi)).toBe(1);
  });

  it('mapped level and software resampling are told apart', () => {
    const timer = createVgicIrq(27, { config: VGIC_CONFIG_LEVEL, hw: true, hwintid: 27 });
    expect(vgicIrqIsMappedLevel(timer)).toBe(true);
    expect(vgicIrqNeedsResampling(timer)).toBe(false);
    timer.opsFlags = VGIC_IRQ_SW_RESAMPLE;
    expect(vgicIrqNeedsResampling(timer)).toBe(true);
    expect(vgicIrqIsMappedLevel(createVgicIrq(40, { config: VGIC_CONFIG_EDGE, hw: true }))).toBe(false);
  });
});

describe('LPI configuration and debugfs flags', () => {
  it('applies the configuration byte: priority with two low bits cleared, enable in bit 0', () => {
    const lpi = createVgicIrq(8192);
    vgicApplyLpiConfig(lpi, 0xa3);
    expect(lpi.priority).toBe(0xa0);
    expect(lpi.enabled).toBe(true);
    vgicApplyLpiConfig(lpi, 0x42);
    expect(lpi.priority).toBe(0x40);
    expect(lpi.enabled).toBe(false);
  });

  it('prints the P L A E H C G digits in the debugfs order', () => {
    // The reference's example row: SGI 1, enabled, edge, group 1.
    expect(vgicIrqFlags(createVgicIrq(1, { enabled: true, group: 1 }))).toBe('0001001');
    const level = createVgicIrq(40, {
      pendingLatch: true,
      lineLevel: true,
      active: true,
      hw: true,
      config: VGIC_CONFIG_LEVEL,
    });
    expect(vgicIrqFlags(level)).toBe('1110110');
  });
});
