import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KVM_ERRNO } from './kvm-errno';
import {
  GITS_TRANSLATER_OFFSET,
  KVM_MSI_VALID_DEVID,
  kvmSendUserspaceMsi,
  kvmSignalMsiReturn,
  msiDoorbell,
  type KvmMsi,
  type KvmMsiContext,
} from './msi';

const ITS0 = 0x8080000n;
const ITS1 = 0x1_0000_0000n;
const ctx: KvmMsiContext = { irqchipInKernel: true, hasIts: true, itsBases: [ITS0, null, ITS1] };
const msiAt = (addr: bigint, over: Partial<KvmMsi> = {}): KvmMsi => ({
  addressLo: Number(addr & 0xffffffffn),
  addressHi: Number(addr >> 32n),
  data: 9,
  flags: KVM_MSI_VALID_DEVID,
  devid: 0x18,
  ...over,
});

describe('KVM_SIGNAL_MSI (§5.3, §5.5)', () => {
  it('a write to GITS_TRANSLATER becomes DeviceID = devid, EventID = data for that vITS', () => {
    const r = kvmSendUserspaceMsi(ctx, msiAt(ITS0 + GITS_TRANSLATER_OFFSET));
    expect(r).toMatchObject({
      ok: true,
      ret: null,
      its: { itsIndex: 0, itsBase: ITS0, doorbell: ITS0 + 0x10040n, devid: 0x18, eventid: 9 },
    });
    expect(r.reason).toMatch(/DeviceID 24, EventID 9/);
  });

  it('any address inside the 128 KiB vITS frame is a doorbell, address_hi included; the next byte is not', () => {
    expect(kvmSendUserspaceMsi(ctx, msiAt(ITS0 + 0x1fffcn))).toMatchObject({
      ok: true,
      its: { itsIndex: 0 },
    });
    expect(kvmSendUserspaceMsi(ctx, msiAt(ITS1 + 0x10040n))).toMatchObject({
      ok: true,
      its: { itsIndex: 2, itsBase: ITS1 },
    });
    expect(msiDoorbell(msiAt(ITS1 + 4n))).toBe(ITS1 + 4n);
    const miss = kvmSendUserspaceMsi(ctx, msiAt(ITS0 + 0x20000n));
    expect(miss).toMatchObject({ ok: false, errno: 'EINVAL', ret: -22 });
    expect(miss.reason).toMatch(/not in any virtual ITS frame/);
  });

  it('no in-kernel irqchip → -EINVAL; an unknown flag → -EINVAL; no vITS → -ENODEV', () => {
    expect(kvmSendUserspaceMsi({ ...ctx, irqchipInKernel: false }, msiAt(ITS0))).toMatchObject({
      errno: 'EINVAL',
    });
    expect(kvmSendUserspaceMsi(ctx, msiAt(ITS0, { flags: 3 }))).toMatchObject({ errno: 'EINVAL' });
    expect(kvmSendUserspaceMsi(ctx, msiAt(ITS0, { flags: 0x80000000 }))).toMatchObject({ errno: 'EINVAL' });
    expect(
      kvmSendUserspaceMsi({ irqchipInKernel: true, hasIts: false, itsBases: [] }, msiAt(ITS0)),
    ).toMatchObject({
      ok: false,
      errno: 'ENODEV',
      ret: -19,
    });
  });

  it('without KVM_MSI_VALID_DEVID: -EINVAL, but a doorbell in a vITS still lets the cache deliver it', () => {
    const hit = kvmSendUserspaceMsi(ctx, msiAt(ITS0 + GITS_TRANSLATER_OFFSET, { flags: 0 }));
    expect(hit).toMatchObject({
      ok: false,
      errno: 'EINVAL',
      cacheOnly: { itsIndex: 0, devid: 0x18, eventid: 9 },
    });
    const miss = kvmSendUserspaceMsi(ctx, msiAt(0x1000n, { flags: 0 }));
    expect(miss).toMatchObject({ ok: false, errno: 'EINVAL' });
    expect('cacheOnly' in miss).toBe(false);
  });

  it('a vITS whose base is still VGIC_ADDR_UNDEF has no doorbell', () => {
    expect(
      kvmSendUserspaceMsi({ irqchipInKernel: true, hasIts: true, itsBases: [null] }, msiAt(0n)),
    ).toMatchObject({ errno: 'EINVAL' });
  });

  it('the ioctl returns 1 when delivered, 0 when the guest tables block it, the errno otherwise', () => {
    expect(kvmSignalMsiReturn({ kind: 'delivered' })).toBe(1);
    expect(kvmSignalMsiReturn({ kind: 'its-error', code: 0x010307 })).toBe(0);
    expect(kvmSignalMsiReturn({ kind: 'errno', ret: -KVM_ERRNO.EBUSY })).toBe(-16);
  });

  it('random kvm_msi words never throw; an error is a named errno (the MSI errors have no bare -1)', () => {
    const names = new Set(Object.keys(KVM_ERRNO));
    const w = fc.oneof(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.constant(0x8090040),
      fc.constant(0),
      fc.constant(1),
    );
    fc.assert(
      fc.property(
        w,
        w,
        w,
        w,
        w,
        fc.boolean(),
        fc.boolean(),
        (addressLo, addressHi, data, flags, devid, inKernel, hasIts) => {
          const r = kvmSendUserspaceMsi(
            { irqchipInKernel: inKernel, hasIts, itsBases: hasIts ? [ITS0] : [] },
            { addressLo, addressHi, data, flags, devid },
          );
          if (r.ok) {
            expect(r.its.doorbell >= ITS0 && r.its.doorbell < ITS0 + 0x20000n).toBe(true);
            expect(flags & 1).toBe(1);
          } else {
            expect(names.has(r.errno!)).toBe(true);
            expect(r.ret).toBe(-KVM_ERRNO[r.errno!]);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});
