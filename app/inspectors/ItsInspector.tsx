/**
 * The ITS inspector: one ITS (a host ITS, or a VM's virtual ITS: its-choice.ts), its registers
 * (GITS_CTLR, TYPER, CBASER, CREADR, CWRITER, the GITS_BASER<n> tables), its command queue as a
 * ring with the slots around GITS_CREADR and GITS_CWRITER decoded, the Device Table, the ITT of
 * one device, the Collection Table and the translation cache, all read from the engine at the
 * position shown.
 *
 * The entries the current event is about (the queue slot a command was read from, the DTE, ITE
 * and CTE of a translation, its cache entry) carry class `current` and data-current="true"; the ITT
 * shown follows the DeviceID of the current event unless the user picks a device.
 *
 * The ITS shown follows the current event (a VM's events are about its vITS, never the host ITS of
 * the same index), unless the user picks one or clicks one on the stage.
 *
 * Data attributes for tests: data-testid its-inspector (data-its, data-vm for a vITS, data-its-key
 * 'its0' / 'vm0.its0'), its-select, its-summary / its-registers / its-queue / its-ring /
 * its-devices / its-itt / its-collections / its-cache; rows data-slot (+ data-state,
 * data-command, data-creadr, data-cwriter), data-devid, data-eventid / data-intid / data-icid,
 * data-icid / data-target, and data-current="true" on the highlighted entry.
 */

import { useState } from 'react';
import type { ItsView } from '../../engine';
import { useApp } from '../store';
import type { ItsRef } from '../worker/api';
import { hex, sizeText } from './format';
import { chooseIts, isCurrentIts, itsChoices, itsOfCurrent, itsOfPlace } from './its-choice';
import { ItsQueue } from './ItsQueue';
import { Card, Flag, RegLine, StartHint, useCurrent, useLastDefined, ViewState, Grid } from './parts';
import { useInspect } from './use-inspect';

export function ItsInspector() {
  const shape = useApp((s) => s.session?.shape);
  const place = useApp((s) => s.place);
  const cur = useCurrent();
  // A pick holds until the user clicks an ITS on the stage (a new place): that one is then shown.
  const clicked = itsOfPlace(place);
  const [picked, setPicked] = useState<{ value: string; place: unknown }>({ value: 'auto', place: null });
  const pickIts = picked.place === place ? picked.value : (clicked ?? 'auto');
  const fromEvent = itsOfCurrent(cur);
  const lastIts = useLastDefined(fromEvent);
  const choices = shape ? itsChoices(shape) : [];
  const chosen = chooseIts(choices, pickIts, fromEvent, lastIts);
  const ref: ItsRef | undefined =
    chosen && (chosen.vm === undefined ? { its: chosen.its } : { its: chosen.its, vm: chosen.vm });
  const its = chosen?.its ?? 0;
  const vm = chosen?.vm;
  const key = chosen?.key ?? '';
  // A device picked for one ITS means nothing on another: the pick is per ITS.
  const [devPick, setDevPick] = useState<{ its: string; devid: number } | null>(null);
  const pickDev = devPick?.its === key ? devPick.devid : 'auto';
  const setPickDev = (d: number | 'auto') => setDevPick(d === 'auto' ? null : { its: key, devid: d });

  const view = useInspect(ref ? { view: 'its', ...ref } : null);
  const devs = useInspect(ref ? { view: 'devices', ...ref } : null);
  const cols = useInspect(ref ? { view: 'collections', ...ref } : null);
  const cache = useInspect(ref ? { view: 'cache', ...ref } : null);

  // The ITT shown: the user's device, else the current event's, else the last one an event named
  // on this ITS, else the first mapped.
  const on = ref !== undefined && isCurrentIts(cur, ref);
  const evDev = on ? cur.devid : undefined;
  const lastDev = useLastDefined(evDev !== undefined ? `${key}/${evDev}` : undefined);
  const lastDevHere = lastDev?.startsWith(`${key}/`) ? Number(lastDev.slice(key.length + 1)) : undefined;
  const firstDev = devs.state === 'ok' ? devs.view.devices[0]?.devid : undefined;
  const devid = pickDev !== 'auto' ? pickDev : (evDev ?? lastDevHere ?? firstDev);
  const itt = useInspect(ref && devid !== undefined ? { view: 'itt', ...ref, devid } : null);
  // A vITS's collections target vCPUs (its GITS_TYPER.PTA is 0: RDbase is a vCPU number).
  const pe = vm === undefined ? 'PE' : 'vCPU';

  if (!shape) return <p className="empty">Open a scenario to inspect its ITS.</p>;
  if (!chosen)
    return (
      <div className="insp" data-testid="its-inspector">
        <p className="empty" data-testid="its-none">
          This machine has no ITS.
        </p>
      </div>
    );

  // The collection of the current event's translation: from its ITE, when the ITT shown has it.
  const curIte =
    itt.state === 'ok' && on && cur.devid === itt.view.devid && cur.eventid !== undefined
      ? itt.view.events.find((e) => e.eventid === cur.eventid)
      : undefined;
  const curIcid = on ? (cur.icid ?? curIte?.icid) : undefined;

  return (
    <div className="insp" data-testid="its-inspector" data-its={its} data-vm={vm} data-its-key={key}>
      <div className="insp-bar">
        {choices.length > 1 && (
          <label>
            ITS{' '}
            <select
              value={pickIts}
              onChange={(e) => setPicked({ value: e.target.value, place })}
              data-testid="its-select"
            >
              <option value="auto">follow the current event ({chosen.name})</option>
              {choices.map((x) => (
                <option key={x.key} value={x.key}>
                  {x.label}
                </option>
              ))}
            </select>
          </label>
        )}
        {view.state === 'ok' && (
          <span className="muted" data-testid="its-summary">
            {vm === undefined ? (
              <>
                its{its} at {hex(view.view.base)}
              </>
            ) : (
              <>
                {chosen.name}, KVM's emulation, at {hex(view.view.base)} in the guest's address space
              </>
            )}{' '}
            · {view.view.profile} profile ·{' '}
            {view.view.source === 'kvm lists'
              ? "mappings kept in KVM's lists (memory holds them after a save)"
              : 'tables read from memory'}
          </span>
        )}
        <StartHint />
      </div>
      <Grid label="ITS tables and registers" className="its-grid">
        <Card title="Registers" testid="its-registers" area="regs">
          {view.state === 'ok' ? <Registers v={view.view} /> : <ViewState r={view} what="ITS registers" />}
        </Card>
        <Card
          title="Command queue"
          testid="its-queue"
          className="its-queue"
          area="queue"
          extra={
            view.state === 'ok' && view.view.queue.slots > 0 ? (
              <span className="muted">
                {view.view.queue.waiting} waiting · {view.view.queue.slots} slots
              </span>
            ) : undefined
          }
        >
          {view.state === 'ok' ? (
            <ItsQueue v={view.view} cur={cur} vm={vm} />
          ) : (
            <ViewState r={view} what="command queue" />
          )}
        </Card>
        <Card title="Device Table" testid="its-devices" area="dt">
          {devs.state === 'ok' ? (
            <>
              <TableInfo
                table={devs.view.table}
                problem={devs.view.problem}
                level1={devs.view.level1?.length}
              />
              {devs.view.devices.length === 0 ? (
                <p className="insp-msg">No device is mapped (no MAPD yet).</p>
              ) : (
                <table className="insp-table">
                  <thead>
                    <tr>
                      <th scope="col">DeviceID</th>
                      <th scope="col">ITT</th>
                      <th scope="col" className="num" title="EventID bits (Size + 1)">
                        bits
                      </th>
                      <th scope="col">DTE at</th>
                      {devs.view.source === 'kvm lists' && (
                        <th scope="col" className="num">
                          events
                        </th>
                      )}
                    </tr>
                  </thead>
                  <tbody>
                    {devs.view.devices.map((d) => {
                      const current = on && cur.devid === d.devid;
                      return (
                        <tr
                          key={d.devid}
                          data-devid={d.devid}
                          data-itt={hex(d.itt)}
                          data-current={current || undefined}
                          className={`${current ? 'current' : ''} ${d.devid === devid ? 'picked' : ''} clickable`}
                          title="Show this device's ITT"
                          onClick={() => setPickDev(d.devid)}
                        >
                          <td className="mono">
                            {d.devid} <span className="muted">({hex(d.devid)})</span>
                          </td>
                          <td className="mono">{hex(d.itt)}</td>
                          <td className="num">{d.eventIdBits}</td>
                          <td className="mono muted">{d.dte !== undefined ? hex(d.dte) : '—'}</td>
                          {devs.view.source === 'kvm lists' && <td className="num">{d.events ?? ''}</td>}
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
              {devs.view.capped && <p className="insp-msg">More devices than the view lists.</p>}
            </>
          ) : (
            <ViewState r={devs} what="Device Table" />
          )}
        </Card>
        <Card
          title={devid !== undefined ? `ITT of DeviceID ${devid}` : 'ITT'}
          testid="its-itt"
          area="itt"
          extra={
            devs.state === 'ok' && devs.view.devices.length > 0 ? (
              <select
                aria-label="Device whose ITT is shown"
                value={String(pickDev)}
                onChange={(e) => setPickDev(e.target.value === 'auto' ? 'auto' : Number(e.target.value))}
                data-testid="itt-device"
              >
                <option value="auto">follow the event</option>
                {devs.view.devices.map((d) => (
                  <option key={d.devid} value={d.devid}>
                    DeviceID {d.devid}
                  </option>
                ))}
              </select>
            ) : undefined
          }
        >
          {devid === undefined ? (
            <p className="insp-msg">No device to show: no MAPD yet, and the current event names none.</p>
          ) : itt.state === 'ok' ? (
            <div data-devid={itt.view.devid} className="itt">
              {itt.view.problem && <p className="insp-msg insp-error">{itt.view.problem}</p>}
              {itt.view.itt !== undefined && (
                <p className="insp-info">
                  ITT at <span className="mono">{hex(itt.view.itt)}</span>, {itt.view.eventIdBits} EventID
                  bits ({2 ** (itt.view.eventIdBits ?? 0)} events × {itt.view.entrySize} B)
                </p>
              )}
              {itt.view.mapped && itt.view.events.length === 0 && (
                <p className="insp-msg">No event mapped yet (no MAPTI / MAPI).</p>
              )}
              {itt.view.events.length > 0 && (
                <table className="insp-table">
                  <thead>
                    <tr>
                      <th scope="col">EventID</th>
                      <th scope="col">LPI</th>
                      <th scope="col" className="num">
                        ICID
                      </th>
                      <th scope="col">{pe}</th>
                      <th scope="col">ITE at</th>
                    </tr>
                  </thead>
                  <tbody>
                    {itt.view.events.map((e) => {
                      const current = on && cur.devid === itt.view.devid && cur.eventid === e.eventid;
                      return (
                        <tr
                          key={e.eventid}
                          data-eventid={e.eventid}
                          data-intid={e.intid}
                          data-icid={e.icid}
                          data-current={current || undefined}
                          className={current ? 'current' : ''}
                        >
                          <td className="num">{e.eventid}</td>
                          <td className="mono">
                            {e.intid}
                            {!e.physical && <span className="muted"> (virtual)</span>}
                          </td>
                          <td className="num">{e.icid >= 0 ? e.icid : '—'}</td>
                          <td>{e.target >= 0 ? `${pe} ${e.target}` : <span className="muted">none</span>}</td>
                          <td className="mono muted">{hex(e.addr)}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
            </div>
          ) : (
            <ViewState r={itt} what="ITT" />
          )}
        </Card>
        <Card title="Collection Table" testid="its-collections" area="ct">
          {cols.state === 'ok' ? (
            <>
              <TableInfo
                table={cols.view.table}
                problem={cols.view.problem}
                level1={cols.view.level1?.length}
              />
              {cols.view.collections.length === 0 ? (
                <p className="insp-msg">No collection is mapped (no MAPC yet).</p>
              ) : (
                <table className="insp-table">
                  <thead>
                    <tr>
                      <th scope="col" className="num">
                        ICID
                      </th>
                      <th scope="col">target</th>
                      <th scope="col">RDbase</th>
                      <th scope="col">CTE at</th>
                    </tr>
                  </thead>
                  <tbody>
                    {cols.view.collections.map((c) => {
                      const current = curIcid === c.icid;
                      return (
                        <tr
                          key={c.icid}
                          data-icid={c.icid}
                          data-target={c.target}
                          data-current={current || undefined}
                          className={current ? 'current' : ''}
                        >
                          <td className="num">{c.icid}</td>
                          <td>
                            {c.target >= 0 ? (
                              vm === undefined ? (
                                `redistributor ${c.target}`
                              ) : (
                                `vCPU ${c.target}`
                              )
                            ) : (
                              <span className="muted">none</span>
                            )}
                          </td>
                          <td className="mono">{c.rdbase >= 0 ? hex(c.rdbase) : '—'}</td>
                          <td className="mono muted">{c.addr !== undefined ? hex(c.addr) : '—'}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
            </>
          ) : (
            <ViewState r={cols} what="Collection Table" />
          )}
        </Card>
        <Card
          title="Translation cache"
          testid="its-cache"
          area="cache"
          extra={
            cache.state === 'ok' ? (
              <span className="muted">
                {cache.view.policy === 'none'
                  ? 'none in this profile'
                  : `${cache.view.entries.length}${cache.view.capacity !== null ? ` / ${cache.view.capacity}` : ''}`}
              </span>
            ) : undefined
          }
        >
          {cache.state === 'ok' ? (
            cache.view.policy === 'none' ? (
              <p className="insp-msg">
                This profile's ITS has no translation cache: every MSI walks the tables.
              </p>
            ) : cache.view.entries.length === 0 ? (
              <p className="insp-msg">Empty: no MSI has been translated since the last invalidation.</p>
            ) : (
              <>
                <p className="insp-info">
                  {cache.view.policy === 'bounded-lru'
                    ? 'Least recently used first.'
                    : 'In the order translations filled it (KVM never reorders).'}
                </p>
                <table className="insp-table">
                  <thead>
                    <tr>
                      <th scope="col">DeviceID</th>
                      <th scope="col">EventID</th>
                      <th scope="col">LPI</th>
                      <th scope="col">{pe}</th>
                      <th scope="col" className="num">
                        ICID
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {cache.view.entries.map((e) => {
                      const current = on && cur.devid === e.devid && cur.eventid === e.eventid;
                      return (
                        <tr
                          key={`${e.devid}:${e.eventid}`}
                          data-devid={e.devid}
                          data-eventid={e.eventid}
                          data-intid={e.intid}
                          data-current={current || undefined}
                          className={current ? 'current' : ''}
                        >
                          <td className="num">{e.devid}</td>
                          <td className="num">{e.eventid}</td>
                          <td className="mono">{e.intid}</td>
                          <td>
                            {pe} {e.cpu}
                          </td>
                          <td className="num">{e.icid}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </>
            )
          ) : (
            <ViewState r={cache} what="translation cache" />
          )}
        </Card>
      </Grid>
    </div>
  );
}

function TableInfo({
  table,
  problem,
  level1,
}: {
  table:
    | { baser: number; indirect: boolean; bytes: number; base: number; entrySize: number; ids: number }
    | undefined;
  problem: string | undefined;
  level1: number | undefined;
}) {
  return (
    <>
      {table && (
        <p className="insp-info">
          GITS_BASER{table.baser}: {table.indirect ? 'two-level' : 'flat'}, {sizeText(table.bytes)} at{' '}
          <span className="mono">{hex(table.base)}</span>, {table.entrySize}-byte entries, {table.ids} IDs
          {table.indirect && level1 !== undefined && `, ${level1} valid level-1 entries`}
        </p>
      )}
      {problem && <p className="insp-msg insp-error">{problem}</p>}
    </>
  );
}

function Registers({ v }: { v: ItsView }) {
  const t = v.typer;
  return (
    <div className="reg-lines">
      <RegLine
        name="GITS_CTLR"
        value={v.ctlr.value}
        fields={v.ctlr.fields}
        summary={
          <>
            <Flag on={v.ctlr.enabled}>Enabled</Flag> <Flag on={v.ctlr.quiescent}>Quiescent</Flag>
          </>
        }
      />
      <RegLine
        name="GITS_TYPER"
        value={t.value}
        fields={t.fields}
        summary={
          <>
            {t.physical && 'Physical '}
            {t.virtual && 'Virtual '}· ITT entry {t.ittEntrySize} B · DeviceID {t.deviceIdBits} bits · EventID{' '}
            {t.eventIdBits} bits · ICID {t.collectionIdBits} bits · PTA={t.pta ? 1 : 0} · HCC={t.hcc}
          </>
        }
      />
      <RegLine
        name="GITS_CBASER"
        value={v.cbaser.value}
        fields={v.cbaser.fields}
        summary={
          v.cbaser.valid ? (
            <>
              <Flag on>Valid</Flag> {sizeText(v.cbaser.size)} at{' '}
              <span className="mono">{hex(v.cbaser.base)}</span>
            </>
          ) : (
            <Flag on={false}>not Valid: no queue</Flag>
          )
        }
      />
      <RegLine
        name="GITS_CREADR"
        value={v.creadr.value}
        fields={v.creadr.fields}
        summary={
          <>
            offset {hex(v.creadr.offset)} = slot {v.queue.readSlot}
            {v.creadr.stalled && (
              <span className="bad"> · Stalled{v.creadr.stallReason ? `: ${v.creadr.stallReason}` : ''}</span>
            )}
          </>
        }
      />
      <RegLine
        name="GITS_CWRITER"
        value={v.cwriter.value}
        fields={v.cwriter.fields}
        summary={
          <>
            offset {hex(v.cwriter.offset)} = slot {v.queue.writeSlot}
            {v.cwriter.retry && ' · Retry'}
          </>
        }
      />
      {v.basers
        .filter((b) => b.type !== 0 || b.valid)
        .map((b) => (
          <RegLine
            key={b.n}
            name={`GITS_BASER${b.n}`}
            value={b.value}
            fields={b.fields}
            summary={
              b.valid ? (
                <>
                  {b.typeName}: {b.indirect ? 'two-level' : 'flat'}, {b.pages} × {sizeText(b.pageSize)} at{' '}
                  <span className="mono">{hex(b.base)}</span>, {b.entrySize}-byte entries
                </>
              ) : (
                <span className="muted">{b.typeName}, not Valid</span>
              )
            }
          />
        ))}
      <p className="insp-info">
        Translation cache: {v.cache.policy}, {v.cache.entries} entries
        {v.cache.capacity !== null ? ` of ${v.cache.capacity}` : ''}
      </p>
    </div>
  );
}
