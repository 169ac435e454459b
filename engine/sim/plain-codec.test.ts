import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { base64ToBytes, bytesToBase64, clonePlain, decodePlain, encodePlain } from './plain-codec';

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

  it('copies plain data deeply: equal to structuredClone, sharing nothing with the original', () => {
    const leaf = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.bigInt(),
      fc.uint8Array({ maxLength: 8 }),
      fc.int16Array({ maxLength: 4 }),
    );
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, leaf, tie('arr'), tie('obj'), tie('map'), tie('set')),
      arr: fc.array(tie('tree'), { maxLength: 4 }),
      obj: fc.dictionary(fc.string({ maxLength: 3 }), tie('tree'), { maxKeys: 4 }),
      map: fc.array(fc.tuple(fc.integer(), tie('tree')), { maxLength: 4 }).map((e) => new Map(e)),
      set: fc.array(fc.integer(), { maxLength: 4 }).map((e) => new Set(e)),
    }));
    fc.assert(
      fc.property(tree, (v) => {
        const c = clonePlain(v);
        expect(c).toEqual(structuredClone(v));
        if (typeof v === 'object' && v !== null) expect(c).not.toBe(v);
        // Mutating the copy leaves the original as it was.
        const before = encodePlain(v);
        const scribble = (x: unknown): void => {
          if (x instanceof Uint8Array || x instanceof Int16Array) x.fill(7);
          else if (x instanceof Map) {
            for (const y of x.values()) scribble(y);
            x.set(-1, 'new');
          } else if (x instanceof Set) x.add(-1);
          else if (Array.isArray(x)) x.forEach(scribble);
          else if (typeof x === 'object' && x !== null) {
            for (const y of Object.values(x)) scribble(y);
            (x as Record<string, unknown>).added = 1;
          }
        };
        scribble(c);
        expect(encodePlain(v)).toEqual(before);
      }),
    );
  });
});
