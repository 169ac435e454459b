/**
 * Share links: the state of a session packed into the URL fragment (`#share=<payload>`), so a link
 * reopens the same scenario, the same sandbox edits and the same step with no server involved
 * (a fragment is never sent in an HTTP request).
 *
 * The payload is versioned JSON, deflated (the browser's own CompressionStream, 'deflate-raw')
 * and written in base64url (RFC 4648 §5: only A-Z a-z 0-9 - _, no padding, so it needs no
 * percent-encoding in a URL):
 *
 *   { "v": 1, "scenario": "conformance/kut-c27-its-int-dev2.json", "at": 42 }   a catalog scenario
 *   { "v": 1, "text": "<scenario JSON>", "name": "x.json", "at": 42 }          anything else
 *
 * A link is input from anyone, so the decoder trusts nothing in it: the fragment's length is
 * bounded before any work, the inflated size is bounded *while* inflating (a deflate bomb stops
 * at the limit instead of filling memory), the text must be UTF-8 and JSON, and zod checks every
 * field. Every refusal is a sentence that names what is wrong, and no input makes the decoder
 * throw (the property tests feed it random and hostile strings). What a payload carries is then
 * only ever handed to the engine's normal scenario validation (openText) or the scenario fetcher
 * (which takes only a relative path under /scenarios/); nothing from a link becomes HTML.
 *
 * This module is pure (no DOM, no store) so that it can be tested in Node.
 */

import './zod-jitless';
import { z } from 'zod';
import { isScenarioPath } from '../scenarios';

/** What a link reproduces: a catalog scenario by its path, or a whole scenario text. */
export type SharedState =
  | { scenario: string; at: number }
  | {
      text: string;
      /** The file name the session is shown (and diagnosed) under. */
      name: string;
      at: number;
    };

export const SHARE_VERSION = 1;
/** The fragment key: `#share=<payload>`. */
export const SHARE_KEY = 'share';

export const SHARE_LIMITS = {
  /**
   * Longest payload accepted (characters of base64url). A large shipped scenario sent as text
   * makes about 10,000; this is room for a long sandbox session, while staying far below what
   * browsers accept in a URL (Chromium: 2 MB).
   */
  fragmentChars: 65_536,
  /** Largest inflated payload (bytes of UTF-8 JSON): the largest shipped scenario is 100 kB. */
  jsonBytes: 1_048_576,
  /** Longest catalog path. */
  pathChars: 200,
  /** Longest file name for a scenario given as text. */
  nameChars: 120,
  /** Highest position (a history is far shorter: the runner stops runaway runs long before). */
  at: 1_000_000_000,
} as const;

/** The name a text session gets when the link names none. */
export const DEFAULT_NAME = 'shared-link.json';

export type DecodeResult = { ok: true; state: SharedState } | { ok: false; error: string };
export type EncodeResult = { ok: true; payload: string } | { ok: false; error: string };

const refuse = (why: string): { ok: false; error: string } => ({ ok: false, error: `share link: ${why}` });

// ------------------------------------------------------------------------------------ base64url

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

export function toBase64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += ALPHABET[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

/**
 * Strict base64url: no padding, no whitespace, no other alphabet, and the unused low bits of the
 * last character must be zero, so that one byte string has exactly one spelling.
 */
export function fromBase64url(text: string): { ok: true; bytes: Uint8Array } | { ok: false; error: string } {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || VALUE[c] === -1) {
      return {
        ok: false,
        error: `the payload is not valid base64url (character ${i + 1} is ${JSON.stringify(text[i])}; only A-Z a-z 0-9 - _ may appear)`,
      };
    }
  }
  if (text.length % 4 === 1)
    return {
      ok: false,
      error: 'the payload is not valid base64url (its length is impossible: it was cut short)',
    };
  const bytes = new Uint8Array(Math.floor((text.length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let j = 0;
  for (let i = 0; i < text.length; i++) {
    acc = ((acc << 6) | VALUE[text.charCodeAt(i)]!) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[j++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0)
    return { ok: false, error: 'the payload is not valid base64url (its last character has stray bits)' };
  return { ok: true, bytes };
}

// ------------------------------------------------------------------------------ deflate (raw)

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    total += value.byteLength;
  }
  return concat(parts, total);
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const cs = new CompressionStream('deflate-raw');
  const writer = cs.writable.getWriter();
  // Not awaited before reading: a large input would wait on backpressure that only reading relieves.
  const written = writer.write(bytes as Uint8Array<ArrayBuffer>).then(() => writer.close());
  const out = await collect(cs.readable);
  await written;
  return out;
}

/**
 * Inflates at most `limit` bytes. The count is checked on every chunk the stream yields, so a
 * deflate bomb (deflate reaches about 1000:1) is stopped at the limit, never held whole.
 */
export async function inflateBounded(
  bytes: Uint8Array,
  limit: number,
): Promise<{ ok: true; bytes: Uint8Array } | { ok: false; why: 'too-large' | 'corrupt' | 'unsupported' }> {
  let ds: DecompressionStream;
  try {
    ds = new DecompressionStream('deflate-raw');
  } catch {
    // No DecompressionStream, or one without raw deflate (browsers before 2023).
    return { ok: false, why: 'unsupported' };
  }
  const writer = ds.writable.getWriter();
  // The writing side fails when the data is corrupt or the reading side gives up; that failure
  // is reported by the reader, so it is swallowed here (and never becomes an unhandled rejection).
  const written = writer
    .write(bytes as Uint8Array<ArrayBuffer>)
    .then(() => writer.close())
    .catch(() => undefined);
  const reader = ds.readable.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel().catch(() => undefined);
        await written;
        return { ok: false, why: 'too-large' };
      }
      parts.push(value);
    }
  } catch {
    await written;
    return { ok: false, why: 'corrupt' };
  }
  await written;
  return { ok: true, bytes: concat(parts, total) };
}

// --------------------------------------------------------------------------------- the payload

const field = (name: string): string => `field \`${name}\``;

/**
 * The payload, version 1. Strict: an unknown field is refused rather than ignored, so a link that
 * means more than this page understands says so instead of half-working.
 */
const payloadSchema = z
  .strictObject({
    v: z.literal(SHARE_VERSION),
    scenario: z
      .string({ error: 'must be a text' })
      .max(SHARE_LIMITS.pathChars, { error: `must be at most ${SHARE_LIMITS.pathChars} characters` })
      .refine(isScenarioPath, {
        error: 'must be a path under /scenarios/ such as conformance/kut-c27-its-int-dev2.json',
      })
      .optional(),
    text: z.string({ error: 'must be a text' }).min(1, { error: 'must not be empty' }).optional(),
    name: z
      .string({ error: 'must be a text' })
      .min(1, { error: 'must not be empty' })
      .max(SHARE_LIMITS.nameChars, { error: `must be at most ${SHARE_LIMITS.nameChars} characters` })
      // A file name, shown in the picker and in diagnostics: no control characters, no path.
      // eslint-disable-next-line no-control-regex
      .regex(/^[^\u0000-\u001f\u007f/\\]+$/, {
        error: 'must be a file name (no slashes or control characters)',
      })
      .optional(),
    at: z
      .number({ error: 'must be a whole number' })
      .int({ error: 'must be a whole number' })
      .min(0, { error: 'must not be negative' })
      .max(SHARE_LIMITS.at, { error: `must be at most ${SHARE_LIMITS.at}` }),
  })
  .superRefine((p, ctx) => {
    if ((p.scenario === undefined) === (p.text === undefined))
      ctx.addIssue({
        code: 'custom',
        message: 'must hold either `scenario` (a path) or `text` (a scenario)',
        path: [],
      });
    else if (p.scenario !== undefined && p.name !== undefined)
      ctx.addIssue({ code: 'custom', message: 'goes with `text` only', path: ['name'] });
  });

/** One sentence per problem zod found, naming the field. */
function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 3)
    .map((i) => {
      if (i.code === 'unrecognized_keys')
        return `unknown ${i.keys.length === 1 ? 'field' : 'fields'} ${i.keys
          .slice(0, 3)
          .map((k) => `\`${k.slice(0, 40)}\``)
          .join(', ')} (this page reads version ${SHARE_VERSION} links)`;
      if (i.path.length === 0) return `the payload ${i.message}`;
      if (i.path[0] === 'v') return `${field('v')} must be ${SHARE_VERSION}`;
      return `${field(String(i.path[0]))} ${i.message}`;
    })
    .join('; ');
}

function validate(doc: unknown): DecodeResult {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    return refuse('the payload is not a JSON object');
  // The version first: a newer link deserves that answer, not a list of fields it does not know.
  const v = (doc as { v?: unknown }).v;
  if (v === undefined) return refuse(`the payload has no version (${field('v')})`);
  if (v !== SHARE_VERSION)
    return refuse(
      `version ${JSON.stringify(v)?.slice(0, 20)} is not one this page reads (it reads version ${SHARE_VERSION}; the link may come from a newer GIC Lab)`,
    );
  const r = payloadSchema.safeParse(doc);
  if (!r.success) return refuse(describeIssues(r.error.issues));
  const p = r.data;
  if (p.scenario !== undefined) return { ok: true, state: { scenario: p.scenario, at: p.at } };
  return { ok: true, state: { text: p.text!, name: p.name ?? DEFAULT_NAME, at: p.at } };
}

/** The wire form of a state (field order fixed, so equal states make equal links). */
function toWire(s: SharedState): Record<string, unknown> {
  return 'scenario' in s
    ? { v: SHARE_VERSION, scenario: s.scenario, at: s.at }
    : { v: SHARE_VERSION, text: s.text, name: s.name, at: s.at };
}

/**
 * The payload for a state, or why there is none: the state is checked against the same rules the
 * decoder applies (so no link this page makes is one it refuses) and against the size limits.
 */
export async function encodeShare(state: SharedState): Promise<EncodeResult> {
  const wire = toWire(state);
  const checked = validate(wire);
  if (!checked.ok) return checked;
  const json = new TextEncoder().encode(JSON.stringify(wire));
  if (json.byteLength > SHARE_LIMITS.jsonBytes)
    return refuse(
      `this session is ${json.byteLength} bytes, more than the ${SHARE_LIMITS.jsonBytes} a link may carry: save it as a scenario file instead`,
    );
  const payload = toBase64url(await deflate(json));
  if (payload.length > SHARE_LIMITS.fragmentChars)
    return refuse(
      `this session makes a link of ${payload.length} characters, more than the ${SHARE_LIMITS.fragmentChars} allowed: save it as a scenario file instead`,
    );
  return { ok: true, payload };
}

/** Reads a payload. Never throws: anything wrong is a refusal that says what. */
export async function decodeShare(payload: string): Promise<DecodeResult> {
  try {
    if (payload.length === 0) return refuse('the link has `#share=` but no payload after it');
    if (payload.length > SHARE_LIMITS.fragmentChars)
      return refuse(
        `the payload is ${payload.length} characters, more than the ${SHARE_LIMITS.fragmentChars} a link may have`,
      );
    const b = fromBase64url(payload);
    if (!b.ok) return refuse(b.error);
    const inflated = await inflateBounded(b.bytes, SHARE_LIMITS.jsonBytes);
    if (!inflated.ok)
      return refuse(
        inflated.why === 'too-large'
          ? `the payload inflates to more than ${SHARE_LIMITS.jsonBytes} bytes, larger than a link may carry`
          : inflated.why === 'unsupported'
            ? 'this browser cannot read share links (it has no raw-deflate DecompressionStream): open the link in a current browser'
            : 'the payload is not valid compressed data (was the link cut short when it was copied?)',
      );
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(inflated.bytes);
    } catch {
      return refuse('the payload is not UTF-8 text');
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return refuse('the payload is not JSON');
    }
    return validate(doc);
  } catch (e) {
    // Nothing above should throw; if a browser's stream implementation does, it is still a refusal.
    return refuse(`the payload could not be read (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** The payload in a URL fragment (`#share=…`, with or without the '#'), or null when there is none. */
export function shareFragment(hash: string): string | null {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  const prefix = `${SHARE_KEY}=`;
  return h.startsWith(prefix) ? h.slice(prefix.length) : null;
}

/** The full link: this page (origin and path, no query) with the payload in the fragment. */
export function shareUrl(page: { origin: string; pathname: string }, payload: string, embed = false): string {
  return `${page.origin}${page.pathname}${embed ? '?embed' : ''}#${SHARE_KEY}=${payload}`;
}

const escapeAttribute = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** An `<iframe>` for a wiki page or a slide, 16:9 like a projector. */
export function iframeSnippet(embedUrl: string, title: string): string {
  return `<iframe src="${escapeAttribute(embedUrl)}" title="${escapeAttribute(
    `GIC Lab: ${title}`,
  )}" width="800" height="450" loading="lazy" style="border: 0"></iframe>`;
}
