/**
 * JSON encoding, and copying, of the plain data the machine state is made of.
 *
 * State is structured-cloneable data: objects, arrays, numbers, strings, booleans, null, bigint
 * (64-bit registers), Map, Set and typed arrays (memory pages, per-interrupt state). JSON has no
 * bigint, Map, Set or bytes, so those travel as tagged objects: {"$bigint":"0x.."},
 * {"$map":[[k,v]...]}, {"$set":[...]}, {"$u8":"<base64>"} and so on. Decoding reverses it
 * exactly, so a snapshot written by one engine restores into a fresh one.
 */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '=';
  }
  return out;
}

export function base64ToBytes(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '');
  if (clean.length % 4 === 1) throw new Error('invalid base64 length');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    let n = 0;
    let k = 0;
    for (; k < 4 && i + k < clean.length; k++) {
      const c = clean.charCodeAt(i + k);
      const v = c < 128 ? B64_INDEX[c]! : -1;
      if (v < 0) throw new Error(`invalid base64 character at ${i + k}`);
      n = (n << 6) | v;
    }
    n <<= 6 * (4 - k);
    if (k >= 2) out[o++] = (n >> 16) & 0xff;
    if (k >= 3) out[o++] = (n >> 8) & 0xff;
    if (k >= 4) out[o++] = n & 0xff;
  }
  return out;
}

type Typed = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float64Array;
const TYPED: Record<string, new (b: ArrayBuffer) => Typed> = {
  $u8: Uint8Array,
  $i8: Int8Array,
  $u16: Uint16Array,
  $i16: Int16Array,
  $u32: Uint32Array,
  $i32: Int32Array,
  $f64: Float64Array,
};

function typedTag(v: Typed): string {
  if (v instanceof Uint8Array) return '$u8';
  if (v instanceof Int8Array) return '$i8';
  if (v instanceof Uint16Array) return '$u16';
  if (v instanceof Int16Array) return '$i16';
  if (v instanceof Uint32Array) return '$u32';
  if (v instanceof Int32Array) return '$i32';
  return '$f64';
}

export function encodePlain(v: unknown): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v;
    return { $num: String(v) };
  }
  if (typeof v === 'bigint') return { $bigint: '0x' + v.toString(16) };
  if (v === undefined) return { $undef: 1 };
  if (Array.isArray(v)) return v.map(encodePlain);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const t = v as Typed;
    return { [typedTag(t)]: bytesToBase64(new Uint8Array(t.buffer, t.byteOffset, t.byteLength)) };
  }
  if (v instanceof Map) return { $map: [...v.entries()].map(([k, x]) => [encodePlain(k), encodePlain(x)]) };
  if (v instanceof Set) return { $set: [...v].map(encodePlain) };
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = encodePlain(x);
    return out;
  }
  throw new Error(`cannot encode a ${typeof v} in a snapshot`);
}

export function decodePlain(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(decodePlain);
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1) {
    const k = keys[0]!;
    const x = o[k];
    if (k === '$bigint' && typeof x === 'string') return BigInt(x);
    if (k === '$num' && typeof x === 'string') return Number(x);
    if (k === '$undef') return undefined;
    if (k === '$map' && Array.isArray(x))
      return new Map(x.map((e) => [decodePlain((e as unknown[])[0]), decodePlain((e as unknown[])[1])]));
    if (k === '$set' && Array.isArray(x)) return new Set(x.map(decodePlain));
    const Ctor = TYPED[k];
    if (Ctor && typeof x === 'string') {
      const bytes = base64ToBytes(x);
      return new Ctor(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = decodePlain(o[k]);
  return out;
}

/**
 * A deep copy of plain data (what a snapshot keeps). Plain data has no shared references or
 * cycles, so a direct recursive copy is exact; it is several times faster than structuredClone,
 * which serialises through a buffer and pays for the aliasing bookkeeping the state never needs.
 */
export function clonePlain<T>(v: T): T {
  return copy(v) as T;
}

function copy(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i]);
    return out;
  }
  if (ArrayBuffer.isView(v)) {
    if (v instanceof DataView) throw new Error('cannot copy a DataView in plain data');
    return (v as Typed).slice();
  }
  if (v instanceof Map) {
    const out = new Map<unknown, unknown>();
    for (const [k, x] of v) out.set(k, copy(x));
    return out;
  }
  if (v instanceof Set) {
    const out = new Set<unknown>();
    for (const x of v) out.add(copy(x));
    return out;
  }
  const out: Record<string, unknown> = {};
  const o = v as Record<string, unknown>;
  for (const k in o) out[k] = copy(o[k]);
  return out;
}
