/**
 * The memory inspector: the structures the GIC and the ITSs keep in RAM (command queues, device
 * and collection tables, ITTs, LPI property and pending tables), each a click away, and a hex dump
 * of any range (16 bytes a row) with the bytes of each structure tinted by kind and the entries in
 * them (queue slots, DTEs, ITEs, CTEs) named over the row they start in.
 *
 * Address spaces: the host's physical memory, or (a machine that runs VMs) a VM's guest physical
 * memory, where the guest keeps its virtual ITS's queue and tables and the LPI tables it gives its
 * vgic. The queue slot the current command was read from is highlighted in the space it is in.
 *
 * An address that is not hex, or not RAM, is refused inline and the previous dump stays. Data
 * attributes: data-testid memory-inspector (data-space 'host' / 'vm0') / mem-space / mem-addr /
 * mem-len / mem-go / mem-error / mem-structures (items data-kind, data-base) / mem-hex (data-addr,
 * data-len); rows data-addr (hex), data-structure, data-kind; entry captions data-entry-kind,
 * data-entry-addr (data-current on the current command's slot).
 */

import { useState, type FormEvent } from 'react';
import type { MemoryDump, MemoryMapView, MemoryStructure } from '../../engine';
import { useApp } from '../store';
import { hex, hexByte, parseAddress, sizeText } from './format';
import { asciiOf, hexRows, ROW_BYTES } from './hex-rows';
import { StartHint, useCurrent, useLastGood, ViewState } from './parts';
import { useInspect } from './use-inspect';

/** The engine's MEMORY_WINDOW: the most bytes one read returns (engine/platform/memory-inspect.ts). */
const WINDOW = 4096;
const LENGTHS = [64, 128, 256, 512, 1024, 2048, WINDOW];

const KIND_LABEL: Record<MemoryStructure['kind'], string> = {
  'its-command-queue': 'command queue',
  'its-device-table': 'device table',
  'its-device-l1': 'device table, level 1',
  'its-device-l2': 'device table, level 2',
  'its-collection-table': 'collection table',
  'its-collection-l1': 'collection table, level 1',
  'its-collection-l2': 'collection table, level 2',
  'its-table': 'ITS table',
  'its-itt': 'ITT',
  'lpi-property-table': 'LPI property table',
  'lpi-pending-table': 'LPI pending table',
};

/** The tint family of a structure kind (inspectors.css: .k-queue, .k-dt, ...). */
function tint(kind: MemoryStructure['kind'] | undefined): string {
  switch (kind) {
    case 'its-command-queue':
      return 'k-queue';
    case 'its-device-table':
    case 'its-device-l1':
    case 'its-device-l2':
      return 'k-dt';
    case 'its-collection-table':
    case 'its-collection-l1':
    case 'its-collection-l2':
    case 'its-table':
      return 'k-ct';
    case 'its-itt':
      return 'k-itt';
    case 'lpi-property-table':
      return 'k-prop';
    case 'lpi-pending-table':
      return 'k-pend';
    default:
      return '';
  }
}

function inRam(map: MemoryMapView | undefined, addr: number): boolean {
  return !map || map.ram.some((r) => addr >= r.base && addr < r.base + r.size);
}

export function MemoryInspector() {
  const shape = useApp((s) => s.session?.shape);
  const vms = shape?.vms ?? [];
  // The address space: the host's, or VM `space`'s guest physical memory (a VM the machine lacks:
  // the host's).
  const [spacePick, setSpacePick] = useState<number | null>(null);
  const space = spacePick !== null && spacePick < vms.length ? spacePick : undefined;
  const vmName = space !== undefined ? vms[space]!.name : undefined;
  const inSpace = space !== undefined ? { vm: space } : {};
  const mapR = useInspect(shape ? { view: 'memoryMap', ...inSpace } : null);
  const map = mapR.state === 'ok' ? mapR.view : undefined;
  const [chosen, setChosen] = useState<number | null>(null);
  const [len, setLen] = useState(256);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const cur = useCurrent();
  // The queue slot the current command was read from, by address, in the space its ITS reads: a
  // host ITS's queue is in host memory, a VM's virtual ITS's in that VM's guest memory.
  const queueOwner = `${vmName !== undefined ? `${vmName}.` : ''}its${cur.its ?? 0}`;
  const queue =
    cur.slot !== undefined && cur.vm === space
      ? map?.structures.find((s) => s.kind === 'its-command-queue' && s.owner === queueOwner)
      : undefined;
  const currentAddr = queue && cur.slot !== undefined ? queue.base + cur.slot * 32 : undefined;

  // Until the user chooses, show the first command queue, else the first structure, else RAM.
  const auto =
    map?.structures.find((s) => s.kind === 'its-command-queue')?.base ??
    map?.structures[0]?.base ??
    map?.ram[0]?.base;
  const addr = chosen ?? auto;
  const dumpR = useInspect(addr !== undefined ? { view: 'memory', addr, len, ...inSpace } : null);
  const good = useLastGood(dumpR);

  if (!shape) return <p className="empty">Open a scenario to inspect its memory.</p>;

  const go = (a: number): void => {
    if (!inRam(map, a)) {
      const ram = map?.ram.map((r) => `${r.name} ${hex(r.base)}–${hex(r.base + r.size - 1)}`).join(', ');
      setError(`${hex(a)} is not RAM${ram ? ` (RAM: ${ram})` : ''}`);
      return;
    }
    setError(null);
    setChosen(a);
    setText(hex(a));
  };
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const p = parseAddress(text);
    if (!p.ok) setError(p.error);
    else go(p.value);
  };
  const shownError = error ?? (dumpR.state === 'error' ? dumpR.error : null);
  // Addresses of one space mean nothing in another: a new space starts from its own structures.
  const pickSpace = (v: string): void => {
    setSpacePick(v === 'host' ? null : Number(v));
    setChosen(null);
    setText('');
    setError(null);
  };
  const spaceName = vmName !== undefined ? `${vmName}'s guest physical memory` : 'host physical memory';

  return (
    <div className="insp" data-testid="memory-inspector" data-space={vmName ?? 'host'}>
      <form className="insp-bar" onSubmit={submit}>
        {vms.length > 0 && (
          <label>
            Address space{' '}
            <select
              value={space ?? 'host'}
              onChange={(e) => pickSpace(e.target.value)}
              data-testid="mem-space"
              title="Host physical addresses, or a VM's guest physical addresses (its own RAM)"
            >
              <option value="host">host physical</option>
              {vms.map((v) => (
                <option key={v.index} value={v.index}>
                  {v.name} guest physical
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          Address{' '}
          <input
            className="mono"
            size={14}
            value={text}
            placeholder={addr !== undefined ? hex(addr) : '0x40000000'}
            onChange={(e) => setText(e.target.value)}
            aria-invalid={error !== null}
            data-testid="mem-addr"
          />
        </label>
        <label>
          bytes{' '}
          <select value={len} onChange={(e) => setLen(Number(e.target.value))} data-testid="mem-len">
            {LENGTHS.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" data-testid="mem-go">
          Show
        </button>
        <button
          type="button"
          disabled={addr === undefined || addr < len}
          onClick={() => addr !== undefined && go(Math.max(0, addr - len))}
          title="The previous bytes"
        >
          ◂ {len}
        </button>
        <button
          type="button"
          disabled={addr === undefined}
          onClick={() => addr !== undefined && go(addr + len)}
          title="The next bytes"
        >
          {len} ▸
        </button>
        {shownError && (
          <span className="insp-error inline" role="alert" data-testid="mem-error">
            {shownError}
          </span>
        )}
        <StartHint />
      </form>
      <div className="mem-panes">
        <div className="mem-structures" data-testid="mem-structures">
          <h3>In {spaceName}</h3>
          {map ? (
            <Structures map={map} onPick={go} at={addr} vm={vmName} vms={vms.length} />
          ) : (
            <ViewState r={mapR} what="memory map" />
          )}
        </div>
        <div className="mem-dump" tabIndex={0} role="region" aria-label="Memory, byte by byte">
          {good ? <Dump d={good.view} currentAddr={currentAddr} /> : <ViewState r={dumpR} what="memory" />}
        </div>
      </div>
    </div>
  );
}

function Structures({
  map,
  onPick,
  at,
  vm,
  vms,
}: {
  map: MemoryMapView;
  onPick: (a: number) => void;
  at: number | undefined;
  /** The VM whose guest physical memory this is; undefined: the host's. */
  vm: string | undefined;
  /** How many VMs the machine runs. */
  vms: number;
}) {
  return (
    <>
      {map.structures.length === 0 ? (
        <p className="insp-msg">
          {vm !== undefined
            ? `No structure yet: ${vm}'s guest has pointed no GITS_CBASER, GITS_BASER<n> or GICR_PROPBASER at its RAM.`
            : 'No structure yet: no GITS_CBASER, GITS_BASER<n> or GICR_PROPBASER points at RAM.'}
          {vm === undefined &&
            vms > 0 &&
            " A VM's virtual ITS and LPI tables are in its guest physical memory: choose it above."}
        </p>
      ) : (
        <ul>
          {map.structures.map((s) => (
            <li key={`${s.kind}:${s.base}`}>
              <button
                type="button"
                className={`struct ${tint(s.kind)} ${at !== undefined && at >= s.base && at < s.base + s.size ? 'here' : ''}`}
                data-kind={s.kind}
                data-base={hex(s.base)}
                title={[
                  s.note,
                  s.source === 'kvm lists' ? "entries live in KVM's lists until the tables are saved" : '',
                ]
                  .filter(Boolean)
                  .join('; ')}
                onClick={() => onPick(s.base)}
              >
                <span className="struct-name">{s.name}</span>
                <span className="muted mono small">
                  {hex(s.base)} · {sizeText(s.size)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {map.capped && <p className="insp-info">Not every ITT is listed (a view was capped).</p>}
      <p className="insp-info">
        {vm !== undefined ? `${vm} guest RAM` : 'Host RAM'}:{' '}
        {map.ram.map((r) => (
          <span key={r.name} className="mono">
            {r.name} {hex(r.base)}–{hex(r.base + r.size - 1)}{' '}
          </span>
        ))}
      </p>
    </>
  );
}

function Dump({ d, currentAddr }: { d: MemoryDump; currentAddr: number | undefined }) {
  const { rows, structures, entries } = hexRows(d);
  const noRam = d.ram.length === 0;
  return (
    <div data-testid="mem-hex" data-addr={hex(d.addr)} data-len={d.len}>
      {noRam && <p className="insp-msg insp-error">None of these bytes is RAM: they read as 0.</p>}
      {d.capped && (
        <p className="insp-info">
          Showing {d.len} of the {d.requested} bytes asked for.
        </p>
      )}
      <table className="hex">
        <thead>
          <tr>
            <th scope="col">address</th>
            {Array.from({ length: ROW_BYTES }, (_, i) => (
              <th key={i} scope="col" className={i === 8 ? 'b gap' : 'b'}>
                {i.toString(16)}
              </th>
            ))}
            <th scope="col" className="ascii">
              ASCII
            </th>
            <th scope="col">structure</th>
          </tr>
        </thead>
        <tbody>
          {rows.flatMap((row) => {
            const first = row.cells.find((c) => c.value !== null);
            const s = first && first.structure >= 0 ? structures[first.structure] : undefined;
            const out = row.starts.map((k) => {
              const e = entries[k]!;
              return (
                <tr
                  key={`e${e.addr}:${k}`}
                  className={
                    e.addr === currentAddr && e.kind === 'command' ? 'entry-cap current' : 'entry-cap'
                  }
                  data-current={(e.addr === currentAddr && e.kind === 'command') || undefined}
                  data-entry-kind={e.kind}
                  data-entry-addr={hex(e.addr)}
                >
                  <td />
                  <td colSpan={ROW_BYTES + 2} className={tint(s?.kind)}>
                    <span className="cap mono">{hex(e.addr)}</span> {e.label}
                  </td>
                </tr>
              );
            });
            out.push(
              <tr
                key={row.addr}
                data-addr={hex(row.addr)}
                data-structure={s?.name}
                data-kind={s?.kind}
                className={tint(s?.kind)}
              >
                <td className="mono addr">{hex(row.addr, 8)}</td>
                {row.cells.map((c, i) => {
                  const cs = c.structure >= 0 ? structures[c.structure] : undefined;
                  const cls = [
                    'b',
                    'mono',
                    i === 8 ? 'gap' : '',
                    cs ? `in ${tint(cs.kind)}` : '',
                    c.entry >= 0 ? (c.entry % 2 ? 'e1' : 'e0') : '',
                    c.entry >= 0 && entries[c.entry]!.addr === c.addr ? 'e-start' : '',
                    c.value !== null && !c.ram ? 'noram' : '',
                    c.value === 0 ? 'zero' : '',
                  ]
                    .filter(Boolean)
                    .join(' ');
                  return (
                    <td key={i} className={cls}>
                      {c.value === null ? '' : hexByte(c.value)}
                    </td>
                  );
                })}
                <td className="mono ascii">{row.cells.map((c) => asciiOf(c.value)).join('')}</td>
                <td className="anno">
                  {row.structures.map((k) => structures[k]!.name).join(' · ') || (
                    <span className="muted">—</span>
                  )}
                </td>
              </tr>,
            );
            return out;
          })}
        </tbody>
      </table>
      {structures.length > 0 && (
        <p className="insp-info">
          {structures.map((s) => (
            <span key={`${s.kind}:${s.base}`} className={`legend-item ${tint(s.kind)}`}>
              <span className="swatch" /> {KIND_LABEL[s.kind]}: {s.name} ({hex(s.base)}, {sizeText(s.size)})
              {s.note ? ` — ${s.note}` : ''}
            </span>
          ))}
        </p>
      )}
    </div>
  );
}
