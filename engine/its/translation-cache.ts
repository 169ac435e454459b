/**
 * The ITS translation cache: (DeviceID, EventID) -> (LPI, target PE, ICID), so that a repeated
 * MSI skips the table walk. This is the cache that makes the ITS's invalidation rules matter.
 *
 * KVM (rule 'per-its-unbounded') keys by (DeviceID << 16 | EventID) and only caches IDs up to
 * 0xFFFF; it never evicts and flushes the whole cache on the events listed in its-rules.ts. The
 * spec profile ('bounded-lru') keeps at most `cacheEntries` entries, evicting the least recently
 * used, and the commands that change a mapping invalidate just the entries it affects. QEMU has no
 * cache. A Map keeps insertion order, which serves as the LRU order.
 */

import type { ItsMachine } from './its-machine';
import type { CacheEntry, ItsState } from './its-state';

const KEY_DEVICE = 2 ** 32;

function key(m: ItsMachine, devid: number, eventid: number): number | undefined {
  if (m.itsRules.translationCache === 'none') return undefined;
  if (m.itsRules.translationCache === 'per-its-unbounded') {
    if (devid > 0xffff || eventid > 0xffff) return undefined;
  } else if (devid >= 2 ** 20) return undefined;
  return devid * KEY_DEVICE + eventid;
}

export function cacheLookup(
  m: ItsMachine,
  its: ItsState,
  devid: number,
  eventid: number,
): CacheEntry | undefined {
  const k = key(m, devid, eventid);
  if (k === undefined) return undefined;
  const e = its.cache.get(k);
  if (e && m.itsRules.translationCache === 'bounded-lru') {
    its.cache.delete(k);
    its.cache.set(k, e);
  }
  return e;
}

export function cacheEnabled(m: ItsMachine): boolean {
  return m.itsRules.translationCache !== 'none';
}

/** Records a successful translation; returns the key evicted to make room, if any. */
/**
 * Caches a translation; returns the key of the entry a bounded cache dropped to make room for it
 * (see cacheKeyDevice / cacheKeyEvent), or undefined.
 */
export function cacheFill(
  m: ItsMachine,
  its: ItsState,
  devid: number,
  eventid: number,
  e: CacheEntry,
): number | undefined {
  const k = key(m, devid, eventid);
  if (k === undefined) return undefined;
  let evicted: number | undefined;
  if (m.itsRules.translationCache === 'bounded-lru') {
    const cap = its.cfg.cacheEntries;
    if (cap <= 0) return undefined;
    its.cache.delete(k);
    if (its.cache.size >= cap) {
      evicted = its.cache.keys().next().value!;
      its.cache.delete(evicted);
    }
  }
  its.cache.set(k, e);
  return evicted;
}

export const cacheKeyDevice = (k: number): number => Math.floor(k / KEY_DEVICE);
export const cacheKeyEvent = (k: number): number => k % KEY_DEVICE;

/** Drops every entry; returns how many there were. */
export function cacheFlush(its: ItsState): number {
  const n = its.cache.size;
  its.cache.clear();
  return n;
}

/** Drops the entries `pred` selects; returns how many. */
export function cacheInvalidate(
  its: ItsState,
  pred: (devid: number, eventid: number, e: CacheEntry) => boolean,
): number {
  let n = 0;
  for (const [k, e] of its.cache) {
    if (pred(Math.floor(k / KEY_DEVICE), k % KEY_DEVICE, e)) {
      its.cache.delete(k);
      n++;
    }
  }
  return n;
}

/**
 * What a mapping change does to the cache: KVM flushes the whole ITS cache (for the commands
 * that flush at all); the spec profile drops only the entries the change affects.
 */
export function cacheOnChange(
  m: ItsMachine,
  its: ItsState,
  kvmFlushes: boolean,
  pred: (devid: number, eventid: number, e: CacheEntry) => boolean,
): number {
  switch (m.itsRules.translationCache) {
    case 'none':
      return 0;
    case 'per-its-unbounded':
      return kvmFlushes ? cacheFlush(its) : 0;
    case 'bounded-lru':
      return cacheInvalidate(its, pred);
  }
}

export function cacheEntries(its: ItsState): { devid: number; eventid: number; entry: CacheEntry }[] {
  return [...its.cache].map(([k, entry]) => ({
    devid: Math.floor(k / KEY_DEVICE),
    eventid: k % KEY_DEVICE,
    entry,
  }));
}
