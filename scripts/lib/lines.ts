/**
 * Reading text files line by line, gzip or not, without loading them whole: a trace of millions
 * of lines streams through in constant memory.
 */

import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip, gunzipSync } from 'node:zlib';

export async function* readLines(file: string): AsyncGenerator<string> {
  const raw = createReadStream(file);
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const rl = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
    raw.destroy();
  }
}

/** A whole (small) binary file, gunzipped if its name ends in .gz. */
export function readBinary(file: string): Uint8Array {
  const buf = readFileSync(file);
  return new Uint8Array(file.endsWith('.gz') ? gunzipSync(buf) : buf);
}
