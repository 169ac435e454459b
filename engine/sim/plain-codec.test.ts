import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { base64ToBytes, bytesToBase64, decodePlain, encodePlain } from './plain-codec';

describe('plain-data JSON codec', () => {
  it('round-trips bytes through base64 like the platform does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => {
        const text = bytesToBase64(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64'));
        expect([...base64ToBytes(text)]).toEqual([...bytes]);
      }),
    );
  });

  it('round-trips bigint, Map, Set and typed arrays through JSON text', () => {
    const state = {
      reg: 0x8000_0000_0003_0003n,
      pending: new Set([8195, 8196]),
      cache: new Map([[8195, { prio: 0xa0, enabled: true }]]),
      page: new Uint8Array([1, 2, 3, 255]),
      prio: new Int16Array([-1, 160]),
      list: [1, 'x', null, false],
      far: Infinity,
    };
    const back = decodePlain(JSON.parse(JSON.stringify(encodePlain(state)))) as typeof state;
    expect(back).toEqual(state);
    expect(back.page).toBeInstanceOf(Uint8Array);
    expect(back.prio).toBeInstanceOf(Int16Array);
  });

  it('refuses corrupt base64', () => {
    expect(() => base64ToBytes('ab!d')).toThrow(/invalid base64/);
  });
});
