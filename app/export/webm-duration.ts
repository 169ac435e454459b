/**
 * Gives a MediaRecorder WebM file its duration. Chromium's recorder writes WebM as a live stream:
 * the Segment's Info has no Duration element, so players show an unknown length and most cannot
 * seek in the file, which a video meant for slides must allow. The duration is read from the
 * file itself (the time of its last frame; the recorder's own clock starts a little before the
 * first frame, by an amount that varies, so wall time measured around it would be short), and
 * the Duration (an EBML float, in TimecodeScale units) is added to Info and Info's size fixed. Nothing after Info moves in a way that matters: the Segment's size is "unknown"
 * and a live stream has no Cues or SeekHead offsets into it. (The npm package fix-webm-duration
 * does the same; this is the few dozen lines of it that this file format needs.)
 *
 * EBML, the container's encoding: an element is an ID (1-4 bytes, length marker kept), a size
 * (1-8 bytes, a length marker then the value; all value bits set means "unknown"), then the data.
 */

const ID = {
  EBML: 0x1a45dfa3,
  Segment: 0x18538067,
  Info: 0x1549a966,
  TimecodeScale: 0x2ad7b1,
  Duration: 0x4489,
  Cluster: 0x1f43b675,
  Timecode: 0xe7,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  Block: 0xa1,
} as const;

/** A variable-length integer's byte length, from the leading zeros of its first byte (0: invalid). */
function vintLength(first: number): number {
  for (let i = 0; i < 8; i++) if (first & (0x80 >> i)) return i + 1;
  return 0;
}

interface Header {
  id: number;
  /** Where the size field starts, how long it is, and the size (null: unknown). */
  sizeAt: number;
  sizeLength: number;
  size: number | null;
  /** Where the data starts. */
  dataAt: number;
}

/** The element header at `at`, or null when the bytes are not one. */
function readHeader(b: Uint8Array, at: number): Header | null {
  if (at >= b.length) return null;
  const idLength = vintLength(b[at]!);
  if (idLength === 0 || idLength > 4 || at + idLength >= b.length) return null;
  let id = 0;
  for (let i = 0; i < idLength; i++) id = id * 256 + b[at + i]!;
  const sizeAt = at + idLength;
  const sizeLength = vintLength(b[sizeAt]!);
  if (sizeLength === 0 || sizeAt + sizeLength > b.length) return null;
  let size = b[sizeAt]! & (0xff >> sizeLength);
  let allOnes = size === 0xff >> sizeLength;
  for (let i = 1; i < sizeLength; i++) {
    size = size * 256 + b[sizeAt + i]!;
    allOnes &&= b[sizeAt + i] === 0xff;
  }
  return { id, sizeAt, sizeLength, size: allOnes ? null : size, dataAt: sizeAt + sizeLength };
}

/** `value` as a size field of exactly `length` bytes, or null when it does not fit. */
function sizeField(value: number, length: number): Uint8Array | null {
  // All value bits set is reserved for "unknown".
  if (length < 1 || length > 8 || value >= 2 ** (7 * length) - 1) return null;
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  out[0] = out[0]! | (0x80 >> (length - 1));
  return out;
}

function readUint(b: Uint8Array, at: number, length: number): number {
  let v = 0;
  for (let i = 0; i < length; i++) v = v * 256 + b[at + i]!;
  return v;
}

/**
 * The file with a Duration of `durationMs` in its Info, or the file as it was when it already has
 * one or is not a WebM this understands (nothing is ever lost by calling it).
 */
export function withDuration(file: Uint8Array<ArrayBuffer>, durationMs: number): Uint8Array<ArrayBuffer> {
  if (!(durationMs > 0) || !Number.isFinite(durationMs)) return file;
  const ebml = readHeader(file, 0);
  if (!ebml || ebml.id !== ID.EBML || ebml.size === null) return file;
  const segment = readHeader(file, ebml.dataAt + ebml.size);
  if (!segment || segment.id !== ID.Segment) return file;
  const segmentEnd = segment.size === null ? file.length : segment.dataAt + segment.size;

  for (let at = segment.dataAt; at < segmentEnd;) {
    const el = readHeader(file, at);
    // A child of unknown size (a live Cluster) before Info: nothing to walk past.
    if (!el || el.size === null) return file;
    if (el.id !== ID.Info) {
      at = el.dataAt + el.size;
      continue;
    }
    const infoEnd = el.dataAt + el.size;
    if (infoEnd > file.length) return file;
    let timecodeScale = 1_000_000;
    for (let c = el.dataAt; c < infoEnd;) {
      const child = readHeader(file, c);
      if (!child || child.size === null) return file;
      if (child.id === ID.Duration) return file;
      if (child.id === ID.TimecodeScale && child.size >= 1 && child.size <= 7)
        timecodeScale = readUint(file, child.dataAt, child.size) || timecodeScale;
      c = child.dataAt + child.size;
    }
    // Duration: ID 0x4489, size 8 (0x88), a big-endian float64 in TimecodeScale units.
    const duration = new Uint8Array(11);
    duration.set([0x44, 0x89, 0x88]);
    new DataView(duration.buffer).setFloat64(3, (durationMs * 1_000_000) / timecodeScale);
    const newSize =
      sizeField(el.size + duration.length, el.sizeLength) ?? sizeField(el.size + duration.length, 8);
    if (!newSize) return file;
    const out = new Uint8Array(file.length - el.sizeLength + newSize.length + duration.length);
    out.set(file.subarray(0, el.sizeAt), 0);
    out.set(newSize, el.sizeAt);
    let w = el.sizeAt + newSize.length;
    out.set(file.subarray(el.dataAt, infoEnd), w);
    w += infoEnd - el.dataAt;
    out.set(duration, w);
    w += duration.length;
    out.set(file.subarray(infoEnd), w);
    return out;
  }
  return file;
}

/** The Duration in a WebM file's Info, in milliseconds, or null when it has none. */
export function durationOf(file: Uint8Array): number | null {
  const ebml = readHeader(file, 0);
  if (!ebml || ebml.id !== ID.EBML || ebml.size === null) return null;
  const segment = readHeader(file, ebml.dataAt + ebml.size);
  if (!segment || segment.id !== ID.Segment) return null;
  for (let at = segment.dataAt; at < file.length;) {
    const el = readHeader(file, at);
    if (!el || el.size === null) return null;
    if (el.id === ID.Info) {
      let scale = 1_000_000;
      let duration: number | null = null;
      for (let c = el.dataAt; c < el.dataAt + el.size;) {
        const child = readHeader(file, c);
        if (!child || child.size === null) return null;
        if (child.id === ID.TimecodeScale) scale = readUint(file, child.dataAt, child.size);
        if (child.id === ID.Duration) {
          const dv = new DataView(file.buffer, file.byteOffset + child.dataAt, child.size);
          duration = child.size === 4 ? dv.getFloat32(0) : dv.getFloat64(0);
        }
        c = child.dataAt + child.size;
      }
      return duration === null ? null : (duration * scale) / 1_000_000;
    }
    at = el.dataAt + el.size;
  }
  return null;
}

/** The time of the last frame in a WebM file, in milliseconds (null: no frame found). */
export function lastFrameTime(file: Uint8Array): number | null {
  const ebml = readHeader(file, 0);
  if (!ebml || ebml.id !== ID.EBML || ebml.size === null) return null;
  const segment = readHeader(file, ebml.dataAt + ebml.size);
  if (!segment || segment.id !== ID.Segment) return null;
  const end = segment.size === null ? file.length : Math.min(file.length, segment.dataAt + segment.size);
  let scale = 1_000_000;
  let clusterTime = 0;
  let last: number | null = null;
  for (let at = segment.dataAt; at < end;) {
    const el = readHeader(file, at);
    if (!el) break;
    // Clusters, and the block groups in them, are entered: their children follow their header,
    // which is also the only way through a live Cluster of unknown size.
    if (el.id === ID.Cluster || el.id === ID.BlockGroup || el.id === ID.Info) {
      at = el.dataAt;
      continue;
    }
    if (el.size === null || el.dataAt + el.size > file.length) break;
    if (el.id === ID.TimecodeScale) scale = readUint(file, el.dataAt, el.size) || scale;
    else if (el.id === ID.Timecode) clusterTime = readUint(file, el.dataAt, el.size);
    else if ((el.id === ID.SimpleBlock || el.id === ID.Block) && el.size >= 4) {
      // The track number (a variable-length integer), then a signed 16-bit time relative to the cluster.
      const track = vintLength(file[el.dataAt]!);
      if (track > 0 && track + 2 <= el.size) {
        const dv = new DataView(file.buffer, file.byteOffset + el.dataAt + track, 2);
        const t = clusterTime + dv.getInt16(0);
        if (last === null || t > last) last = t;
      }
    }
    at = el.dataAt + el.size;
  }
  return last === null ? null : (last * scale) / 1_000_000;
}
