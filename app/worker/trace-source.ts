/**
 * Where the bytes of a trace come from, in the worker: a file the user chose (a Blob: the page
 * hands the worker the File itself, which costs no copy, and the worker reads it as a stream, as
 * often as it needs to), or a file the app serves under /traces/ (a lesson's, fetched once into a
 * Blob, with its download counted). Gzip is recognised by its magic bytes, not by the name, and
 * undone with DecompressionStream on the way. Every failure is a TraceInputError naming the file
 * and what is wrong: not found, too large, a gzip stream that is corrupt or ends too early.
 */

import type { TraceInput } from './api';
import { sizeText, TraceInputError } from './trace-lines';

/** What fetches a URL: the worker's fetch, or a stand-in in the tests. */
export type Fetcher = (url: string) => Promise<Response>;

/** Largest file the worker downloads or reads (compressed): a runaway guard before decompression. */
export const MAX_FILE_BYTES = 512 * 1024 * 1024;

const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** The input as a Blob: a chosen file as it is, a served one downloaded (`onBytes`: bytes so far, total). */
export async function inputBlob(
  input: TraceInput,
  fetcher: Fetcher,
  onBytes?: (bytes: number, total: number | undefined) => void,
  cancelled?: () => boolean,
): Promise<Blob> {
  if ('blob' in input) {
    if (input.blob.size > MAX_FILE_BYTES)
      throw new TraceInputError(
        `${input.name}: ${sizeText(input.blob.size)} is too large to open in the browser (the limit is ${sizeText(MAX_FILE_BYTES)})`,
      );
    return input.blob;
  }
  let res: Response;
  try {
    res = await fetcher(input.url);
  } catch (e) {
    throw new TraceInputError(`${input.name}: could not be fetched from ${input.url} (${message(e)})`);
  }
  // Vite's servers answer an unknown path with index.html and status 200 (SPA fallback).
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok || type.includes('text/html') || !res.body)
    throw new TraceInputError(
      `${input.name}: not found (${input.url}${res.ok ? '' : `, HTTP ${res.status}`})`,
    );
  const length = Number(res.headers.get('content-length') ?? NaN);
  const total = Number.isFinite(length) && length > 0 ? length : undefined;
  const parts: Uint8Array[] = [];
  let bytes = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > MAX_FILE_BYTES) {
      await reader.cancel();
      throw new TraceInputError(`${input.name}: more than ${sizeText(MAX_FILE_BYTES)}: too large to open`);
    }
    parts.push(value);
    onBytes?.(bytes, total);
    if (cancelled?.()) {
      await reader.cancel();
      break;
    }
  }
  return new Blob(parts as BlobPart[]);
}

/**
 * The bytes of a Blob as a stream of chunks, gunzipped if it is gzip (its magic bytes say so, not
 * its name); `onRaw` counts the bytes read from the Blob (what a progress bar compares with its size).
 */
export async function textChunks(
  blob: Blob,
  onRaw: (bytes: number) => void,
): Promise<{ reader: ReadableStreamDefaultReader<Uint8Array>; gzip: boolean }> {
  const head = new Uint8Array(await blob.slice(0, 2).arrayBuffer());
  let raw = 0;
  const counted = blob.stream().pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, out) {
        raw += chunk.byteLength;
        onRaw(raw);
        out.enqueue(chunk);
      },
    }),
  );
  if (!isGzip(head)) return { reader: counted.getReader(), gzip: false };
  const gunzipped = counted.pipeThrough(
    new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
  );
  return { reader: gunzipped.getReader(), gzip: true };
}

/** Reads one chunk; a gzip or read error becomes a sentence about the file (and how far it got). */
export async function readChunk(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  name: string,
  gzip: boolean,
  where: () => string,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  try {
    return await reader.read();
  } catch (e) {
    const why = message(e);
    if (!gzip || (e instanceof Error && e.name === 'NotReadableError'))
      throw new TraceInputError(
        `${name}: the file could not be read (${where()}; it may have changed on disk): ${why}`,
      );
    throw new TraceInputError(
      `${name}: the gzip data is corrupt or ends too early (${where()}): ${why || 'decompression failed'}`,
    );
  }
}

/**
 * A whole small binary file (a command-queue or property-table dump), gunzipped if it is gzip,
 * refused if larger than `max` bytes.
 */
export async function readBinary(name: string, blob: Blob, max: number): Promise<Uint8Array> {
  const { reader, gzip } = await textChunks(blob, () => undefined);
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await readChunk(reader, name, gzip, () => `after ${n} bytes`);
    if (done) break;
    n += value.byteLength;
    if (n > max) {
      await reader.cancel();
      throw new TraceInputError(`${name}: more than ${sizeText(max)}: not a dump of this kind`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
