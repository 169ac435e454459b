/**
 * Reading trace files in the worker: gzip found by its magic bytes, a truncated or corrupt gzip
 * reported as such, a served file fetched (or not found), the dumps' size bound.
 */

import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TraceInputError } from './trace-lines';
import { inputBlob, readBinary, readChunk, textChunks } from './trace-source';

const enc = new TextEncoder();

async function readAll(blob: Blob, name = 'f'): Promise<string> {
  const { reader, gzip } = await textChunks(blob, () => undefined);
  const parts: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await readChunk(reader, name, gzip, () => 'here');
    if (done) break;
    parts.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(parts));
}

describe('trace sources', () => {
  const text = 'line one\nline two\n'.repeat(1000);

  it('reads plain text as it is, and gzip (by its magic bytes, whatever the name) gunzipped', async () => {
    expect(await readAll(new Blob([enc.encode(text)]))).toBe(text);
    expect(await readAll(new Blob([gzipSync(text)]))).toBe(text);
  });

  it('counts the raw bytes read, for the progress bar', async () => {
    const gz = gzipSync(text);
    let raw = 0;
    const { reader } = await textChunks(new Blob([gz]), (n) => (raw = n));
    while (!(await reader.read()).done);
    expect(raw).toBe(gz.length);
  });

  it('reports a truncated gzip, naming the file', async () => {
    const gz = gzipSync(text);
    const cut = new Blob([gz.subarray(0, gz.length - 20)]);
    await expect(readAll(cut, 'v3.log.gz')).rejects.toThrow(TraceInputError);
    await expect(readAll(cut, 'v3.log.gz')).rejects.toThrow(
      /^v3\.log\.gz: the gzip data is corrupt or ends too early \(here\)/,
    );
  });

  it('reports corrupt gzip data', async () => {
    const gz = Buffer.from(gzipSync(text));
    gz.fill(0x55, 20, 60);
    await expect(readAll(new Blob([gz]), 'bad.gz')).rejects.toThrow(/^bad\.gz: the gzip data is corrupt/);
  });

  it('reads a dump whole, and refuses one above its bound', async () => {
    const dump = new Uint8Array(64 * 32).fill(7);
    expect(await readBinary('q.cmdq.bin.gz', new Blob([gzipSync(dump)]), 1 << 20)).toEqual(dump);
    await expect(readBinary('q.cmdq.bin', new Blob([dump]), 1024)).rejects.toThrow(
      /^q\.cmdq\.bin: more than 1 KiB: not a dump of this kind/,
    );
  });

  it('fetches a served file, and says when it is not there (an HTML fallback page is not a file)', async () => {
    const body = enc.encode('abc');
    const ok = await inputBlob({ name: 'a.log', url: 'http://x/traces/a.log' }, () =>
      Promise.resolve(new Response(body, { headers: { 'content-length': '3' } })),
    );
    expect(new Uint8Array(await ok.arrayBuffer())).toEqual(body);
    const html = (): Promise<Response> =>
      Promise.resolve(new Response('<html>', { headers: { 'content-type': 'text/html' } }));
    await expect(inputBlob({ name: 'b.log', url: 'http://x/traces/b.log' }, html)).rejects.toThrow(
      /^b\.log: not found \(http:\/\/x\/traces\/b\.log\)/,
    );
    const missing = (): Promise<Response> => Promise.resolve(new Response('', { status: 404 }));
    await expect(inputBlob({ name: 'c.log', url: 'http://x/c.log' }, missing)).rejects.toThrow(/HTTP 404/);
  });
});
