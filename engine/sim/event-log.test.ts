import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventLog, type SimEvent } from './event-log';
import { payloadKind } from './event-payload';
import { unitId } from './unit-names';

const CPU1 = unitId('cpu1');
const ITS0 = unitId('its0');
const U = unitId('u');

const SIGNAL = payloadKind('test.signal', [
  ['hppi', 'num'],
  ['irq', 'bool'],
  ['reg', 'str'],
  ['dropped', 'num?'],
  ['why', 'str?'],
  ['ok', 'bool?'],
  ['addr', 'num?'],
  ['note', 'str'],
] as const);

type Values = [
  number,
  boolean,
  string,
  number | undefined,
  string | undefined,
  boolean | undefined,
  number | undefined,
  string,
];

/** The object a packed record stands for: declared order, undefined fields left out. */
function objectOf(v: Values): Record<string, unknown> {
  const names = ['hppi', 'irq', 'reg', 'dropped', 'why', 'ok', 'addr', 'note'];
  const out: Record<string, unknown> = {};
  v.forEach((x, i) => {
    if (x !== undefined) out[names[i]!] = x;
  });
  return out;
}

describe('event log', () => {
  it('gives back a packed payload as the object it stands for, keys in declared order', () => {
    const log = new EventLog();
    log.putPacked(
      0,
      5,
      SIGNAL,
      CPU1,
      -1,
      1,
      -1,
      8192,
      -1,
      -1,
      8192,
      true,
      'ICC_IAR1_EL1',
      undefined,
      'x',
      false,
      0x8080_0000_0000,
      'last',
    );
    const e = log.get(0)!;
    expect(e).toEqual({
      seq: 0,
      time: 5,
      kind: 'test.signal',
      unit: 'cpu1',
      cause: null,
      cpu: 1,
      intid: 8192,
      data: {
        hppi: 8192,
        irq: true,
        reg: 'ICC_IAR1_EL1',
        why: 'x',
        ok: false,
        addr: 0x8080_0000_0000,
        note: 'last',
      },
    });
    expect(Object.keys(e.data as object)).toEqual(['hppi', 'irq', 'reg', 'why', 'ok', 'addr', 'note']);
    expect(log.kindAt(0)).toBe('test.signal');
    expect(log.count('test.signal')).toBe(1);
    expect(log.count('never.emitted')).toBe(0);
  });

  it('refuses a required packed field left undefined', () => {
    const log = new EventLog();
    expect(() =>
      log.putPacked(0, 0, SIGNAL, U, -1, -1, -1, -1, -1, -1, undefined, true, 'r', 1, 'w', true, 1, 'n'),
    ).toThrow(/required packed field/);
  });

  // A reference model: an array of the records that should be there.
  const value = fc.tuple(
    fc.integer({ min: 0, max: 2 ** 40 }),
    fc.boolean(),
    fc.constantFrom('ICC_IAR1_EL1', 'MSI', 'eoi', ''),
    fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }),
    fc.option(fc.string({ maxLength: 4 }), { nil: undefined }),
    fc.option(fc.boolean(), { nil: undefined }),
    fc.option(fc.double({ noNaN: true }), { nil: undefined }),
    fc.string({ maxLength: 3 }),
  ) as fc.Arbitrary<Values>;
  const op = fc.oneof(
    fc.record({ op: fc.constant('packed' as const), v: value, n: fc.integer({ min: 1, max: 20_000 }) }),
    fc.record({
      op: fc.constant('object' as const),
      data: fc.option(fc.dictionary(fc.string({ maxLength: 2 }), fc.integer()), { nil: undefined }),
      n: fc.integer({ min: 1, max: 20_000 }),
    }),
    fc.record({ op: fc.constant('truncate' as const), back: fc.integer({ min: 0, max: 30_000 }) }),
    fc.record({ op: fc.constant('rewrite' as const), back: fc.integer({ min: 1, max: 100_000 }) }),
  );

  it('keeps what was written across chunks, truncations and replays over old records', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
        const log = new EventLog(3);
        const ref: SimEvent[] = [];
        const put = (seq: number, o: (typeof ops)[number] & { op: 'packed' | 'object' }): void => {
          const base = { seq, time: seq * 2, unit: 'its0', cause: seq - 1 >= 3 ? seq - 1 : null, its: 0 };
          if (o.op === 'packed') {
            log.putPacked(seq, seq * 2, SIGNAL, ITS0, seq - 1 >= 3 ? seq - 1 : -1, -1, 0, -1, -1, -1, ...o.v);
            ref[seq - 3] = { ...base, kind: 'test.signal', data: objectOf(o.v) };
          } else {
            log.put(seq, seq * 2, 'test.plain', ITS0, seq - 1 >= 3 ? seq - 1 : -1, -1, 0, -1, -1, -1, o.data);
            ref[seq - 3] = { ...base, kind: 'test.plain', ...(o.data !== undefined ? { data: o.data } : {}) };
          }
        };
        let lastWrite: ((seq: number) => void) | undefined;
        for (const o of ops) {
          if (o.op === 'truncate') {
            const to = Math.max(3, log.length - o.back);
            log.truncate(to);
            ref.length = to - 3;
          } else if (o.op === 'rewrite') {
            // Replay: the same records written again over the end of history, in order.
            const from = Math.max(3, log.length - o.back);
            if (lastWrite) for (let s = from; s < log.length; s++) lastWrite(s);
          } else {
            const start = log.length;
            for (let k = 0; k < o.n; k++) put(start + k, o);
            lastWrite = (s) => {
              const r = ref[s - 3]!;
              if (r.kind === 'test.signal') put(s, { op: 'packed', v: valuesOf(r.data), n: 1 });
              else put(s, { op: 'object', data: r.data as Record<string, number> | undefined, n: 1 });
            };
          }
          expect(log.length).toBe(3 + ref.length);
        }
        const stride = Math.max(1, Math.floor(ref.length / 300));
        for (let s = 3; s < log.length; s += s >= log.length - 5 ? 1 : stride)
          expect(log.get(s)).toEqual(ref[s - 3]);
        expect(log.get(log.length)).toBeUndefined();
        expect(log.get(2)).toBeUndefined();
      }),
      { numRuns: 30 },
    );
  });
});

function valuesOf(d: unknown): Values {
  const o = d as Record<string, unknown>;
  return [
    o.hppi as number,
    o.irq as boolean,
    o.reg as string,
    o.dropped as number | undefined,
    o.why as string | undefined,
    o.ok as boolean | undefined,
    o.addr as number | undefined,
    o.note as string,
  ];
}
