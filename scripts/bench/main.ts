/**
 * The benchmark suite (`npm run bench [-- msi|commands|seek|import ...]`). Each benchmark prints its
 * figure next to a baseline measured in the same run and the budget it is held to; the whole set is
 * also written to reports/bench.json. Figures go into docs/performance.md with the command that
 * produced them. Benchmarks measure; they never fail the build: a budget missed is printed as such.
 *
 * Every measurement (one benchmark, one profile) runs in a process of its own, as a machine runs in
 * a worker of its own in the app: otherwise the JIT's view of one profile's code, and the heap of
 * the history the previous one left, would bend the next one's figure.
 */

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import type { ProfileName } from '../../engine/gic/gic-rules';
import { itsCommands, type CommandFigures } from './its-commands';
import { msiThroughput, type MsiFigures } from './msi-throughput';
import { seekBench, type SeekFigures } from './seek';
import { traceImport } from './trace-import';
import { vfioThroughput, type VfioFigures } from './vfio-throughput';
import { gicv4Throughput, type Gicv4Figures } from './gicv4-throughput';

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const verdict = (ok: boolean): string => (ok ? 'within budget' : 'OVER BUDGET');

type Measure = 'msi' | 'commands' | 'seek' | 'vfio' | 'gicv4';

/** One measurement, in this process (what a child runs). */
export function benchOne(name: Measure, profile: ProfileName): unknown {
  switch (name) {
    case 'msi':
      return msiThroughput(profile, profile === 'qemu' ? 50_000 : 100_000);
    case 'commands':
      return itsCommands(profile, profile === 'qemu' ? 100_000 : 1_000_000);
    case 'seek':
      return seekBench(profile);
    case 'vfio':
      return vfioThroughput();
    case 'gicv4':
      return gicv4Throughput();
  }
}

/** `runner`: the script that, given `--one <name> <profile>`, prints benchOne's result as JSON. */
export async function benchMain(args: string[], root: string, runner: string): Promise<number> {
  const inChild = <T>(name: Measure, profile: ProfileName): T =>
    JSON.parse(
      execFileSync(process.execPath, [runner, '--one', name, profile], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    ) as T;
  const all = ['msi', 'commands', 'seek', 'vfio', 'gicv4', 'import'];
  const which = args.length ? args : all;
  const unknown = which.filter((w) => !all.includes(w));
  if (unknown.length) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')} (known: ${all.join(', ')})`);
    return 2;
  }
  const results: Record<string, unknown> = {
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    date: new Date().toISOString(),
  };
  console.log(
    `GIC Lab benchmarks — node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`,
  );

  if (which.includes('msi')) {
    console.log(
      '\nMSIs through translate -> pending -> acknowledge -> EOI, events recorded (64 devices x 32 events, 16 CPUs)',
    );
    console.log(
      '  baseline: the same machine, only the lookups (DTE, ITE, CTE) and the pending bit; budget: at most 5x',
    );
    const rows = [];
    for (const p of ['kvm', 'spec', 'qemu'] as const) {
      const r = inChild<MsiFigures>('msi', p);
      rows.push(r);
      console.log(
        `  ${p.padEnd(5)} ${fmt(r.perSecond).padStart(9)} MSI/s (${r.eventsPerMsi.toFixed(1)} events each, ${fmt(r.perSecond * r.eventsPerMsi)} events/s)` +
          ` | minimal loop ${fmt(r.minimalPerSecond).padStart(10)}/s | ratio ${r.ratio.toFixed(2)}x: ${verdict(r.ratio <= 5)}`,
      );
      console.log(
        `        kernel floor (same tasks and recorded events, no model) ${fmt(r.kernelFloorPerSecond)}/s:` +
          ` ${(r.minimalPerSecond / r.kernelFloorPerSecond).toFixed(2)}x the minimal loop`,
      );
    }
    results.msi = rows;
  }
  if (which.includes('commands')) {
    console.log(
      '\nITS commands, 1,000,000-command mixed stream (queue in memory, CWRITER, one event per command)',
    );
    console.log('  baseline: reading and decoding the same commands from memory');
    const rows = [];
    for (const p of ['kvm', 'spec', 'qemu'] as const) {
      const r = inChild<CommandFigures>('commands', p);
      rows.push(r);
      console.log(
        `  ${p.padEnd(5)} ${fmt(r.perSecond).padStart(9)} commands/s over ${fmt(r.commands)} (${r.errors} errors) | decode only ${fmt(r.baselinePerSecond)}/s | ratio ${r.ratio.toFixed(2)}x`,
      );
    }
    results.commands = rows;
  }
  if (which.includes('seek')) {
    console.log('\nSeek to event 900,000 of a 1,000,000-event history (median of 15); budget: under 50 ms');
    console.log('  baseline: the same seek replaying from the start, without snapshots');
    const rows = [];
    for (const p of ['spec', 'kvm'] as const) {
      const r = inChild<SeekFigures>('seek', p);
      rows.push(r);
      console.log(
        `  ${p.padEnd(5)} median ${r.medianMs.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms (${r.snapshots} snapshots over ${fmt(r.history)} events)` +
          ` | without snapshots ${r.baselineMs.toFixed(0)} ms: ${verdict(r.medianMs < 50)}`,
      );
    }
    results.seek = rows;
  }
  if (which.includes('vfio')) {
    console.log(
      "\nKVM's software path: a passed-through device's MSI to the guest's EOI (host ITS, host LPI, VFIO, eventfd, irqfd, vITS, vgic, kick, entry, list register)",
    );
    console.log('  baseline: the physical path of the same run (a device the host keeps, to the host EOI)');
    const r = inChild<VfioFigures>('vfio', 'spec');
    results.vfio = r;
    console.log(
      `  software ${fmt(r.softwarePerSecond).padStart(9)} MSI/s (${r.softwareEventsPerMsi.toFixed(1)} events each)` +
        ` | physical ${fmt(r.physicalPerSecond)} MSI/s (${r.physicalEventsPerMsi.toFixed(1)} events each) | the physical path is ${r.ratio.toFixed(2)}x faster`,
    );
    console.log(
      `  modelled latency, device write to the guest's ICV_IAR1_EL1: ${fmt(r.modelledLatencyNs)} ns with ${r.exitsPerMsi} exit(s) on the way` +
        ` | the cost model's sum for the running-vCPU path (vfioSoftwarePath): ${fmt(r.costModelPathNs)} ns`,
    );
  }
  if (which.includes('gicv4')) {
    console.log(
      "\nGICv4 direct injection: a passed-through device's MSI to the guest's EOI (host ITS straight to a vLPI, the redistributor, the guest's ICV_*)",
    );
    console.log("  baseline: KVM's software path in the same run (a second VM with GICv4 off)");
    const r = inChild<Gicv4Figures>('gicv4', 'spec');
    results.gicv4 = r;
    console.log(
      `  direct ${fmt(r.directPerSecond).padStart(9)} MSI/s (${r.directEventsPerMsi.toFixed(1)} events each)` +
        ` | software ${fmt(r.softwarePerSecond)} MSI/s (${r.softwareEventsPerMsi.toFixed(1)} events each) | the direct path is ${r.ratio.toFixed(2)}x faster to model`,
    );
    console.log(
      `  modelled latency, device write to the guest's ICV_IAR1_EL1: direct ${fmt(r.directLatencyNs)} ns with ${r.directExits} exit(s)` +
        ` | software ${fmt(r.softwareLatencyNs)} ns with ${r.softwareExits} exit(s)`,
    );
  }
  if (which.includes('import')) {
    console.log(
      '\nImporting the v4nested trace (parse + decode, both parts); budget: under 3x plain line reading',
    );
    const t = join(root, 'public', 'traces');
    const r = await traceImport([
      join(t, 'v4nested.trace.filtered.part00.log.gz'),
      join(t, 'v4nested.trace.filtered.part01.log.gz'),
    ]);
    results.import = r;
    console.log(
      `  ${fmt(r.lines)} lines, ${fmt(r.records)} records (${r.errors} unparsable), ${fmt(r.commands)} ITS commands (${r.gicv4Commands} GICv4, counted)` +
        ` | import ${r.importSeconds.toFixed(2)} s (${fmt(r.lines / r.importSeconds)} lines/s) vs reading ${r.readSeconds.toFixed(2)} s | ratio ${r.ratio.toFixed(2)}x: ${verdict(r.ratio < 3)}`,
    );
    console.log(
      `  the whole replay on the model (giclab replay-qemu, profile qemu): ${r.replaySeconds.toFixed(2)} s (${fmt(r.lines / r.replaySeconds)} lines/s), ` +
        (r.replayAgrees ? 'full agreement with QEMU' : `${fmt(r.replayDisagreements)} disagreement(s)`),
    );
  }
  mkdirSync(join(root, 'reports'), { recursive: true });
  writeFileSync(join(root, 'reports', 'bench.json'), JSON.stringify(results, null, 2));
  console.log('\nwritten: reports/bench.json');
  return 0;
}
