import { describe, expect, it } from 'vitest';
import { durationOf, lastFrameTime, withDuration } from './webm-duration';

const bytes = (...parts: (number | number[] | Uint8Array)[]): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : [...p])));

/** A 1-byte EBML size of n (n < 127). */
const size1 = (n: number) => 0x80 | n;

/**
 * A WebM shaped as Chromium's MediaRecorder writes it: the EBML header, a Segment of unknown
 * size, Info (TimecodeScale, MuxingApp, no Duration), Tracks, then Clusters of unknown size.
 */
function liveWebm(infoPadding = 0): Uint8Array<ArrayBuffer> {
  const header = bytes([0x42, 0x82], 0x84, [0x77, 0x65, 0x62, 0x6d]); // DocType 'webm'
  const info = bytes(
    [0x2a, 0xd7, 0xb1],
    0x83,
    [0x0f, 0x42, 0x40], // TimecodeScale 1,000,000 ns
    [0x4d, 0x80],
    size1(4 + infoPadding),
    Array.from({ length: 4 + infoPadding }, () => 0x41), // MuxingApp 'AAAA…'
  );
  const tracks = bytes([0x16, 0x54, 0xae, 0x6b], 0x83, [1, 2, 3]);
  const unknownSize = [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
  /** A SimpleBlock of track 1 at `rel` ms into its cluster, one byte of frame data. */
  const block = (rel: number) => [0xa3, 0x85, 0x81, (rel >> 8) & 0xff, rel & 0xff, 0x80, 0x00];
  // Two live clusters (at 0 and 1000 ms); the last frame is 1000 + 234 ms.
  const cluster = bytes(
    [0x1f, 0x43, 0xb6, 0x75],
    unknownSize,
    [0xe7, 0x81, 0x00],
    block(0),
    block(400),
    [0x1f, 0x43, 0xb6, 0x75],
    unknownSize,
    [0xe7, 0x82, 0x03, 0xe8],
    block(100),
    block(234),
  );
  return bytes(
    [0x1a, 0x45, 0xdf, 0xa3],
    size1(header.length),
    header,
    [0x18, 0x53, 0x80, 0x67],
    [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    [0x15, 0x49, 0xa9, 0x66],
    size1(info.length),
    info,
    tracks,
    cluster,
  );
}

describe('withDuration', () => {
  it('adds the Duration to Info and leaves what follows as it was', () => {
    const file = liveWebm();
    expect(durationOf(file)).toBeNull();
    const fixed = withDuration(file, 12_345.5);
    expect(durationOf(fixed)).toBeCloseTo(12_345.5, 6);
    expect(fixed.length).toBe(file.length + 11);
    // Tracks and the clusters, byte for byte, at the end.
    const tail = 8 + 2 * 12 + 3 + 4 + 4 * 7;
    expect([...fixed.subarray(fixed.length - tail)]).toEqual([...file.subarray(file.length - tail)]);
    expect(lastFrameTime(fixed)).toBe(1234);
  });

  it('widens Info’s size field when the new size no longer fits in it', () => {
    // Info of 14 + 106 = 120 bytes: 131 does not fit a 1-byte size (at most 126).
    const file = liveWebm(106);
    const fixed = withDuration(file, 2000);
    expect(durationOf(fixed)).toBeCloseTo(2000, 6);
    expect(fixed.length).toBe(file.length + 11 + 7);
  });

  it('leaves alone a file that has a Duration, is not WebM, or gets no usable duration', () => {
    const once = withDuration(liveWebm(), 1000);
    expect(withDuration(once, 5000)).toBe(once);
    const notWebm = bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
    expect(withDuration(notWebm, 1000)).toBe(notWebm);
    const file = liveWebm();
    expect(withDuration(file, 0)).toBe(file);
    expect(withDuration(file, NaN)).toBe(file);
    expect(withDuration(file.subarray(0, 20), 1000)).toEqual(file.subarray(0, 20));
  });
});

describe('lastFrameTime', () => {
  it('finds the last frame through live clusters of unknown size', () => {
    expect(lastFrameTime(liveWebm())).toBe(1234);
  });

  it('is null for what is not a WebM, or has no frame', () => {
    expect(lastFrameTime(bytes(1, 2, 3))).toBeNull();
    const noClusters = liveWebm().subarray(0, 4 + 1 + 7 + 4 + 8 + 4 + 1 + 14);
    expect(lastFrameTime(noClusters)).toBeNull();
  });
});
