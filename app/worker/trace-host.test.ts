/**
 * A QEMU trace as the worker's session, driven directly (no worker): the public v3smp2 trace and
 * its dumps replayed from Blobs as the page hands them over, explored like a scenario (frames,
 * events, find, inspect, seeking back and forth), with its report, steps and line index; and bad
 * input (garbage, a truncated gzip, a cancel) refused with the open session left as it was.
 */

import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SessionInfo, TraceProgress, TraceRequest } from './api';
import { EngineHost } from './engine-host';

const T = 'public/traces/';
const bytes = (f: string): Buffer => readFileSync(T + f);
const input = (name: string, data: Uint8Array = bytes(name)) => ({
  name,
  blob: new Blob([new Uint8Array(data)]),
});
const V3: TraceRequest = {
  kind: 'files',
  trace: [input('v3smp2.trace.log.gz')],
  cmdq: input('v3smp2.cmdq.bin.gz'),
  proptable: input('v3smp2.proptable.bin.gz'),
};
const c27 = readFileSync('public/scenarios/conformance/kut-c27-its-int-dev2.json', 'utf8');

describe('a trace session', () => {
  const host = new EngineHost();
  const progress: TraceProgress[] = [];
  let s: SessionInfo;

  beforeAll(async () => {
    const r = await host.openTrace(V3, (p) => progress.push(p));
    if (!r.ok) throw new Error(r.errors.join('\n'));
    s = r.session;
  });

  it('agrees with QEMU, with the same tallies as the CLI', () => {
    const t = s.trace!;
    expect(t.agree).toBe(true);
    expect(t.lines).toBe(40243);
    expect(Object.fromEntries(t.tallies.map((x) => [x.id, [x.agreed, x.total]]))).toEqual({
      msis: [59, 59],
      commands: [61, 61],
      tableWrites: [22, 22],
      acknowledges: [2170, 2170],
      registerReads: [195, 195],
    });
    expect(t.shape).toEqual({ cpus: 2, gicVersion: 3 });
    expect(t.deliveries[1]).toEqual({
      cpu: 1,
      trace: '0:57 1:261 2:1 27:736 8193:10 8194:4 8198:10 8201:14',
      model: '0:57 1:261 2:1 27:736 8193:10 8194:4 8198:10 8201:14',
    });
    expect(t.inferred.join('\n')).toMatch(/two-level device table.*first: line 18468/);
    expect(s.passed).toBe(true);
    expect(s.shape.cpus).toHaveLength(2);
    expect(s.shape.devices.map((d) => d.name)).toEqual(['00:01.0', '00:02.0', '00:03.0']);
  });

  it('reported its progress through both passes, ending at 1', () => {
    expect(progress.some((p) => p.phase === 'scan')).toBe(true);
    expect(progress.some((p) => p.phase === 'replay')).toBe(true);
    const fractions = progress.map((p) => p.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ phase: 'replay', lines: 40243, fraction: 1 });
  });

  it('is cut into steps that cover the history and the trace, one per MAPD batch', () => {
    expect(s.steps[0]!.from).toBe(0);
    expect(s.steps.at(-1)!.to).toBe(s.length);
    for (let i = 1; i < s.steps.length; i++) {
      expect(s.steps[i]!.from).toBe(s.steps[i - 1]!.to);
      expect(s.steps[i]!.traceLines!.from).toBe(s.steps[i - 1]!.traceLines!.to + 1);
    }
    expect(s.steps.at(-1)!.traceLines!.to).toBe(40243);
    const mapd = s.steps.filter((st) => /^Commands: MAPD/.test(st.title));
    expect(mapd.map((st) => st.title)).toEqual([
      'Commands: MAPD, MAPTI ×3, INV ×3 (DeviceID 0x8)',
      'Commands: MAPD, MAPTI ×3, INV ×3 (DeviceID 0x10)',
      'Commands: MAPD, MAPTI ×2, INV ×2 (DeviceID 0x18)',
    ]);
    expect(s.steps.find((st) => st.title === 'The ITS is brought up')!.narration).toMatch(
      /`GITS_BASER0` = `0xf907000042590600`/,
    );
    expect(mapd[0]!.narration).toMatch(/^Trace lines 18,466–18,938\./);
    expect(mapd[0]!.narration).toMatch(
      /slot 8: `MAPD DeviceID 0x8 Size 0x1 ITT_addr 0x4819ba V 1` \(line 18466\)/,
    );
  });

  it('maps lines to positions and back', () => {
    // The MAPD's decode line makes no event: its commands run at the GITS_CWRITER write after it.
    const l = host.traceLine({ line: 18467 })!;
    expect(l).toMatchObject({ line: 18469, at: 'v3smp2.trace.log.gz:18469' });
    expect(l.text).toMatch(/gicv3_its_write GICv3 ITS write: offset 0x88 data 0x120/);
    const row = host.events(l.position - 1, l.position)[0]!;
    expect(row.traceLine).toBe(18469);
    expect(host.traceLine({ position: l.position })?.line).toBe(18469);
    // The events after it up to the next recorded line are that line's: the MAPD is among them.
    const rows = host.events(l.position - 1, l.position + 40).filter((r) => r.traceLine === 18469);
    expect(rows.some((r) => r.kind === 'its.cmd' && /MAPD/.test(r.text))).toBe(true);
    expect(host.traceLine({ position: 0 })).toBeNull();
    expect(host.traceLine({ line: 1e9 })).toBeNull();
  });

  it('seeks like a scenario: a position shown again is the same frame, forward or back', () => {
    const a = host.frame(9000);
    host.frame(s.length);
    host.frame(12);
    expect(host.frame(9000)).toEqual(a);
    const ack = host.find(0, 1, 'delivery', []);
    expect(host.frame(ack.position).event?.kind).toBe('icc.ack');
    const dte = host.inspect(s.length, { view: 'devices', its: 0 });
    expect(JSON.stringify(dte)).toMatch(/"devid":8/);
  });

  it('has no console: a trace is not extended', () => {
    const r = host.exec('msi 00:01.0 1');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/replayed trace/);
    expect(() => host.save()).toThrow(/not a scenario/);
  });
});

describe('a trace that cannot be opened', () => {
  function withScenario(): EngineHost {
    const host = new EngineHost();
    const r = host.load(c27, 'c27.json');
    if (!r.ok) throw new Error(r.errors.join('\n'));
    return host;
  }
  const stillC27 = (host: EngineHost): void => {
    expect(host.events(0, 3).length).toBe(3);
    expect(host.frame(5).position).toBe(5);
    expect(host.traceLine({ line: 1 })).toBeNull();
  };
  const text = gunzipSync(bytes('v3smp2.trace.log.gz')).toString('utf8');
  const lines = text.split('\n');

  it('refuses a file that is not a trace, naming the file and line', async () => {
    const host = withScenario();
    const r = await host.openTrace({
      kind: 'files',
      trace: [input('notes.log', Buffer.from('hello world\n'))],
    });
    expect(r).toEqual({
      ok: false,
      errors: [
        "notes.log:1: not a QEMU trace log: bad prefix: expected a decimal thread id at column 1, found 'hello world'",
      ],
    });
    stillC27(host);
  });

  it('refuses a garbage line in the middle, with its line and what is wrong', async () => {
    const host = withScenario();
    const bad = [...lines];
    bad[19165] = bad[19165]!.replace('requester_id 0x10', 'requester_id zz');
    const r = await host.openTrace({ kind: 'files', trace: [input('v3.log.gz', gzipSync(bad.join('\n')))] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toBe(
      "v3.log.gz:19166: gicv3_its_translation_write: expected ' requester_id 0x' before requesterId at column 108, found ' requester_id zz'",
    );
    stillC27(host);
  });

  it('skips other subsystems’ events, and says so', async () => {
    const host = new EngineHost();
    const withOther = [
      ...lines.slice(0, 800),
      '1@2.000003:virtio_queue_notify vdev 0x1 n 0',
      ...lines.slice(800, 2000),
    ];
    const r = await host.openTrace({
      kind: 'files',
      trace: [input('x.log', Buffer.from(withOther.join('\n')))],
    });
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.session.trace!.skipped).toEqual([{ event: 'virtio_queue_notify', count: 1, first: 801 }]);
  });

  it('refuses a truncated gzip, naming it', async () => {
    const host = withScenario();
    const gz = bytes('v3smp2.trace.log.gz');
    const r = await host.openTrace({
      kind: 'files',
      trace: [input('cut.log.gz', gz.subarray(0, gz.length / 2))],
    });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors[0]).toMatch(
        /^cut\.log\.gz: the gzip data is corrupt or ends too early \(after line \d+\)/,
      );
    stillC27(host);
  });

  it('refuses a command queue dump that is not one', async () => {
    const host = withScenario();
    const r = await host.openTrace({ ...V3, cmdq: input('x.cmdq.bin', new Uint8Array(100)) });
    expect(r).toMatchObject({
      ok: false,
      errors: [
        expect.stringMatching(/^x\.cmdq\.bin: 100 bytes is not a whole number of 32-byte ITS commands/),
      ],
    });
    stillC27(host);
  });

  it('stops when cancelled, and keeps the session', async () => {
    const host = withScenario();
    const r = await host.openTrace(V3, (p) => {
      if (p.phase === 'replay') host.cancelTrace();
    });
    expect(r).toMatchObject({ ok: false, cancelled: true });
    stillC27(host);
  });

  it('is superseded by a scenario loaded while it is read', async () => {
    const host = new EngineHost();
    let loaded = false;
    const r = await host.openTrace(V3, () => {
      if (!loaded) loaded = host.load(c27, 'c27.json').ok;
    });
    expect(r).toMatchObject({ ok: false, cancelled: true });
    stillC27(host);
  });
});

describe('a trace lesson', () => {
  const LESSON = 'public/scenarios/track5/5.1-a-linux-guest-boots.json';
  const text = readFileSync(LESSON, 'utf8');
  /** The served /traces/ folder, read from the repository. */
  const served = (url: string): Promise<Response> => {
    const name = url.replace('http://app/traces/', '');
    try {
      return Promise.resolve(new Response(new Uint8Array(bytes(name))));
    } catch {
      return Promise.resolve(new Response('', { status: 404 }));
    }
  };
  const open = (t = text) =>
    new EngineHost({ fetcher: served }).openTrace({
      kind: 'lesson',
      text: t,
      name: 'track5/5.1-a-linux-guest-boots.json',
      base: 'http://app/traces/',
    });

  it('5.1: fetches its trace, every expectation holds and every prediction has its answer', async () => {
    const r = await open();
    if (!r.ok) throw new Error(r.errors.join('\n'));
    const s = r.session;
    expect(s).toMatchObject({ id: 'track5-a-linux-guest-boots', title: 'A Linux guest boots', passed: true });
    expect(s.trace!.agree).toBe(true);
    expect(s.trace!.files).toEqual(['v3smp2.trace.log.gz']);
    expect(s.shape.devices.map((d) => d.name)).toEqual(['virtio-net', 'virtio-blk', 'virtio-rng']);
    const failing = s.steps.flatMap((st) =>
      st.expectations.filter((x) => !x.ok).map((x) => `${st.title}: ${x.text}: ${x.message}`),
    );
    expect(failing).toEqual([]);
    expect(s.steps.flatMap((st) => st.expectations).length).toBeGreaterThan(20);
    const answers = Object.fromEntries(
      s.steps.filter((st) => st.predict).map((st) => [st.title, st.predict!.answer]),
    );
    expect(answers).toEqual({
      'The first MSI': 0,
      'Ping, block reads and the hardware RNG': 1,
      'Affinity moves to CPU 1: MOVI': 0,
      'The next transmit interrupt': 1,
    });
    const net = s.steps.find((st) => st.title.startsWith('virtio-net'))!;
    expect(net.traceLines).toEqual({ from: 18466, to: 18938 });
    expect(net.narration).toMatch(/^The virtio-pci module enables/);
    expect(net.narration).toMatch(/\*From the trace, lines 18,466–18,938:\*/);
    expect(net.inspect).toBe('its');
    // A prediction's step keeps what its lines did for the reveal: it would give the answer away.
    const first = s.steps.find((st) => st.title === 'The first MSI')!;
    expect(first.narration).not.toMatch(/From the trace/);
    expect(first.predict!.explain).toMatch(/^MAPC ICID 0 put collection 0 on redistributor 0/);
    expect(first.predict!.explain).toMatch(/\*From the trace, lines 19,166–19,443:\*/);
  });

  it('the example of docs/scenario-format.md replays, its expectation holds, its prediction is answered', async () => {
    const md = readFileSync('docs/scenario-format.md', 'utf8');
    const section = md.slice(md.indexOf('## Trace lessons'));
    const example = /```json\n([\s\S]*?)```/.exec(section)![1]!;
    const r = await open(example);
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.session.steps.map((st) => st.expectations.every((x) => x.ok))).toEqual([true, true, true]);
    expect(r.session.steps[1]!.expectations).toHaveLength(1);
    expect(r.session.steps[2]!.predict?.answer).toBe(1);
    expect(r.session.passed).toBe(true);
  });

  it('fails an expectation that does not hold (the checks are real)', async () => {
    const r = await open(text.replace('"expect cte 0 valid=1 target=0"', '"expect cte 0 valid=1 target=1"'));
    if (!r.ok) throw new Error(r.errors.join('\n'));
    const step = r.session.steps.find((st) => st.title === 'Collection 0 is CPU 0')!;
    expect(step.passed).toBe(false);
    expect(step.expectations[0]).toMatchObject({ ok: false, text: 'expect cte 0 valid=1 target=1' });
    expect(r.session.passed).toBe(false);
  });

  it('refuses a lesson whose trace is not the one it was written for, or is missing', async () => {
    expect(await open(text.replace('"lines": 40243', '"lines": 40244'))).toEqual({
      ok: false,
      errors: [
        'track5/5.1-a-linux-guest-boots.json: the lesson is about a trace of 40244 lines, but v3smp2.trace.log.gz has 40243: a different trace is served under that name',
      ],
    });
    const r = await open(text.replace('"files": ["v3smp2.trace.log.gz"]', '"files": ["gone.log.gz"]'));
    expect(r).toEqual({
      ok: false,
      errors: ['gone.log.gz: not found (http://app/traces/gone.log.gz, HTTP 404)'],
    });
  });

  it('refuses a lesson that does not validate, with its place in the file', async () => {
    const r = await open(text.replace('"line": 666', '"line": 0'));
    expect(r).toMatchObject({
      ok: false,
      errors: [expect.stringMatching(/^track5\/5\.1-a-linux-guest-boots\.json:\d+:\d+: steps\[1\]\.line: /)],
    });
  });
});
