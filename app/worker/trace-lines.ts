/**
 * Bytes of a trace, as they arrive in chunks (a file read as a stream, gunzipped on the way), cut
 * into lines. A chunk may end in the middle of a line, or of a UTF-8 sequence, or between the CR
 * and the LF of a CRLF: the splitter carries the rest over to the next chunk, so the lines it
 * gives are exactly the file's lines, numbered from 1, without their line ends.
 *
 * It also enforces the bounds that keep a bad or huge file from taking the page down: at most
 * `maxBytes` of text in all (a trace bigger than that belongs to the CLI), no line longer than
 * `maxLineChars` (QEMU's trace lines are a few hundred characters; a file without line ends is not a
 * trace), and text only (a NUL or bytes that are not UTF-8 mean a binary file). Each refusal is a
 * TraceInputError whose message names the file, the line and what is wrong.
 */

/** A refusal of an input file; its message is the sentence the page shows. */
export class TraceInputError extends Error {
  override name = 'TraceInputError';
}

export interface LineLimits {
  /** Most bytes of (decompressed) text. */
  maxBytes: number;
  /** Longest line, in characters. */
  maxLineChars: number;
}

/**
 * 200 MB of text is about two million QEMU trace lines, a replay of a minute and a history of a
 * few hundred MB in the worker: as much as a browser tab should take on.
 */
export const TRACE_LIMITS: LineLimits = { maxBytes: 200 * 1024 * 1024, maxLineChars: 4096 };

/** '200 MB', '64 KiB': sizes the way a person reads them. */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KiB`;
  return `${bytes} bytes`;
}

export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private rest = '';
  private bytesSeen = 0;
  /** Lines given so far (the number of the last one). */
  line = 0;

  constructor(
    private readonly file: string,
    private readonly limits: LineLimits = TRACE_LIMITS,
  ) {}

  /** Bytes of text taken so far. */
  get bytes(): number {
    return this.bytesSeen;
  }

  /** Takes a chunk; calls `each` for every line it completes. */
  push(chunk: Uint8Array, each: (text: string, line: number) => void): void {
    this.bytesSeen += chunk.byteLength;
    if (this.bytesSeen > this.limits.maxBytes)
      throw new TraceInputError(
        `${this.file}: more than ${sizeText(this.limits.maxBytes)} of trace text (after line ${this.line}): too large to replay in the browser; replay it with the CLI (npx giclab replay-qemu), or cut it into parts`,
      );
    const text = this.rest + this.decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.emit(text.slice(start, nl), each);
      start = nl + 1;
    }
    this.rest = text.slice(start);
    if (this.rest.length > this.limits.maxLineChars) this.tooLong();
  }

  /** The end of the input: the last line, if it had no line end. */
  end(each: (text: string, line: number) => void): void {
    const tail = this.rest + this.decoder.decode();
    this.rest = '';
    if (tail !== '') this.emit(tail, each);
  }

  private emit(raw: string, each: (text: string, line: number) => void): void {
    const n = ++this.line;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.length > this.limits.maxLineChars) {
      this.line--;
      this.tooLong();
    }
    // U+FFFD is what the decoder makes of bytes that are not UTF-8; QEMU writes ASCII.
    if (text.includes('\u0000') || text.includes('\uFFFD'))
      throw new TraceInputError(
        `${this.file}:${n}: binary data, not text: this is not a QEMU trace log (.log, or .log.gz)`,
      );
    each(text, n);
  }

  private tooLong(): never {
    throw new TraceInputError(
      `${this.file}:${this.line + 1}: a line longer than ${this.limits.maxLineChars} characters: not a QEMU trace log`,
    );
  }
}
