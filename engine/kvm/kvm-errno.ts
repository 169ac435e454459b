/**
 * The Linux errno values KVM's interrupt ioctls return (include/uapi/asm-generic/errno-base.h),
 * and the plain result shape the userspace-interface modules share: every call returns
 * `{ ok, ret, errno?, reason }` instead of throwing, so the wiring can emit one event that names
 * the error exactly as the ioctl would have returned it (ARCHITECTURE.md §2, "Bad input").
 */

export const KVM_ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ENXIO: 6,
  EBADF: 9,
  /** Also EWOULDBLOCK on Linux. */
  EAGAIN: 11,
  ENOMEM: 12,
  EFAULT: 14,
  EBUSY: 16,
  ENODEV: 19,
  EINVAL: 22,
} as const;

export type KvmErrnoName = keyof typeof KVM_ERRNO;

/** The name of a negative errno return, or undefined for anything else (including -1). */
export function errnoName(ret: number): KvmErrnoName | undefined {
  for (const [name, value] of Object.entries(KVM_ERRNO)) if (ret === -value) return name as KvmErrnoName;
  return undefined;
}

export interface KvmErr {
  ok: false;
  /** The ioctl's return value: -errno (or KVM's bare -1 where it returns one). */
  ret: number;
  errno?: KvmErrnoName;
  reason: string;
}

export function kvmErr(errno: KvmErrnoName, reason: string): KvmErr {
  return { ok: false, ret: -KVM_ERRNO[errno], errno, reason };
}

/**
 * An ioctl argument word as the kernel sees it: a __u32 field, so JS numbers are taken modulo 2^32
 * (ToUint32: negative and fractional values wrap or truncate like a C conversion, NaN and
 * infinities become 0). The model never rejects a word for not being a u32: the C struct cannot
 * hold anything else.
 */
export const u32 = (v: number): number => (Number.isFinite(v) ? v >>> 0 : 0);

/** A file descriptor argument: the kernel's fdget() takes an int, so a __u32 above 2^31 is negative. */
export const fdArg = (v: number): number => u32(v) | 0;
