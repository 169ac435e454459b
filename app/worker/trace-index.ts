/**
 * Where each trace line is in the replay's history, both ways: the position that shows the events
 * a line made (a click on a line of the report goes there), and the line an event came from (a row
 * of the event log, a step, the current position can say it).
 *
 * Only lines that made events are recorded, in trace order; their events are consecutive and start
 * where the previous recorded line's end, so one sorted pair of typed arrays answers both questions
 * with a binary search. Memory is bounded: at most `cap` lines are indexed (8 bytes each; the
 * default covers the largest trace the page accepts), and the lines' text is kept only within a
 * character budget, for the report and the trace panel to quote.
 */

export class LineIndex {
  private lines: Uint32Array<ArrayBuffer> = new Uint32Array(4096);
  private froms: Uint32Array<ArrayBuffer> = new Uint32Array(4096);
  private texts: (string | undefined)[] = [];
  private n = 0;
  private chars = 0;
  /** More lines made events than the index holds: later lines are not indexed. */
  full = false;

  constructor(
    private readonly cap = 4_000_000,
    private readonly textBudget = 16_000_000,
  ) {}

  get size(): number {
    return this.n;
  }

  /** Line `line` made the events from position `from` on (lines in increasing order). */
  add(line: number, from: number, text?: string): void {
    if (this.n >= this.cap) {
      this.full = true;
      return;
    }
    if (this.n === this.lines.length) {
      const grow = (a: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> => {
        const b = new Uint32Array(Math.min(this.cap, a.length * 2));
        b.set(a);
        return b;
      };
      this.lines = grow(this.lines);
      this.froms = grow(this.froms);
    }
    this.lines[this.n] = line;
    this.froms[this.n] = from;
    if (text !== undefined && this.chars + text.length <= this.textBudget) {
      this.texts[this.n] = text;
      this.chars += text.length;
    }
    this.n++;
  }

  /**
   * The first indexed line at or after `line`: its number, the position of its first event, and
   * its text if kept. Undefined past the last one.
   */
  at(line: number): { line: number; from: number; text?: string } | undefined {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.lines[mid]! < line) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= this.n) return undefined;
    const text = this.texts[lo];
    return { line: this.lines[lo]!, from: this.froms[lo]!, ...(text !== undefined ? { text } : {}) };
  }

  /** The line that made event `seq`; undefined for events before the first indexed line. */
  lineOf(seq: number): number | undefined {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.froms[mid]! <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? undefined : this.lines[lo - 1];
  }

  /** The text of `line` if it made events and was kept. */
  textOf(line: number): string | undefined {
    const e = this.at(line);
    return e && e.line === line ? e.text : undefined;
  }
}
