/**
 * Packed event payloads: the data of the events an MSI storm records millions of times, stored as
 * numbers in the log instead of one object per event.
 *
 * An event's `data` is normally a small object. Kept for every record of a long history, those
 * objects are most of what the garbage collector traces (a quarter of the MSI benchmark's time).
 * A kind on the hot path declares its fields once, in order, with a type each; its emit site
 * passes the values positionally and the log stores them as numbers (strings through a table of
 * the log's own). Reading the record rebuilds the very object the emit site would have passed,
 * with its keys in the declared order and optional fields that were undefined left out, so
 * readers (explain, the UI, expectations, tests) never see the difference.
 */

/** How one field is stored: a number, a boolean, a string; `?` allows undefined (left out). */
export type FieldType = 'num' | 'num?' | 'bool' | 'bool?' | 'str' | 'str?';

export type FieldSpec = readonly [name: string, type: FieldType];

type ValueOf<T extends FieldType> = T extends 'num'
  ? number
  : T extends 'num?'
    ? number | undefined
    : T extends 'bool'
      ? boolean
      : T extends 'bool?'
        ? boolean | undefined
        : T extends 'str'
          ? string
          : string | undefined;

/** The positional values of a payload, in the declared order. */
export type ValuesOf<F extends readonly FieldSpec[]> = {
  [I in keyof F]: F[I] extends readonly [string, infer T extends FieldType] ? ValueOf<T> : never;
};

/** The most fields a packed payload may have (the emit path takes them positionally). */
export const MAX_FIELDS = 8;

export interface PayloadKind<V extends readonly unknown[] = readonly unknown[]> {
  readonly kind: string;
  /** Global id of the kind (see kindId). */
  readonly id: number;
  readonly names: readonly string[];
  /** Per field: 0 num, 1 bool, 2 str; +4 when optional. */
  readonly codes: Uint8Array;
  /** Phantom: the value tuple, for typing emit calls. */
  readonly __values?: V;
}

const KIND_NAMES: string[] = [];
const KIND_IDS = new Map<string, number>();
const KIND_PAYLOADS: (PayloadKind | undefined)[] = [];

/** A small integer naming an event kind, the same for every log of the process. */
export function kindId(kind: string): number {
  let id = KIND_IDS.get(kind);
  if (id === undefined) {
    id = KIND_NAMES.length;
    if (id > 0xffff) throw new Error('too many event kinds');
    KIND_NAMES.push(kind);
    KIND_IDS.set(kind, id);
  }
  return id;
}

/** The id of a kind already named by some event or payload (undefined: none ever was). */
export const findKindId = (kind: string): number | undefined => KIND_IDS.get(kind);

export const kindName = (id: number): string => KIND_NAMES[id]!;
export const kindPayload = (id: number): PayloadKind | undefined => KIND_PAYLOADS[id];

const TYPE_CODE: Record<FieldType, number> = { num: 0, bool: 1, str: 2, 'num?': 4, 'bool?': 5, 'str?': 6 };

/** Declares the packed payload of event kind `kind`. */
export function payloadKind<const F extends readonly FieldSpec[]>(
  kind: string,
  fields: F,
): PayloadKind<ValuesOf<F>> {
  if (fields.length > MAX_FIELDS) throw new Error(`${kind}: at most ${MAX_FIELDS} packed fields`);
  // A second declaration (a module evaluated again, as under hot reload) replaces the first.
  const id = kindId(kind);
  const p: PayloadKind<ValuesOf<F>> = {
    kind,
    id,
    names: fields.map((f) => f[0]),
    codes: Uint8Array.from(fields, (f) => TYPE_CODE[f[1]]),
  };
  KIND_PAYLOADS[id] = p;
  return p;
}
