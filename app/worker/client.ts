/**
 * The page's handle on the engine worker, and the watchdog that keeps it alive.
 *
 * The worker starts on first use, not on import, so modules that import the store load where there
 * is no Worker (Vitest in Node). Every call is watched: if the worker dies (an uncaught error, a
 * failed module load) or does not answer in time (a hang), it is terminated and a new one started,
 * the last scenario the page loaded is loaded into it again, with the sandbox console's lines run
 * and the authoring edits made since then (in their order), and the listeners are told, so the page can say what happened and show the position
 * it was at. The call that was caught up in it fails with EngineRestarted; nothing the user did is
 * lost, because the client holds the scenario text, the console lines and the edits, the page the position,
 * and the history is deterministic.
 *
 * A trace session is restored the same way: the client keeps the request (for a file from disk
 * that is the File, a handle the browser lets a page read again, not a copy of its bytes), and the
 * new worker replays it again. If the file can no longer be read (it changed on disk), the
 * listeners are told the session could not be restored, and the page says to open it again.
 * Opening a trace can take long: its watchdog is fed by the progress the worker reports, so only a
 * worker that stops reporting is declared hung.
 */

import * as Comlink from 'comlink';
import {
  ENGINE_CALLS,
  type EngineApi,
  type EngineClient,
  type TraceProgress,
  type TraceRequest,
} from './api';
import { EngineRestarted } from './errors';

export { EngineRestarted };

/** How long a call may take before the worker is declared hung. Loading runs a whole scenario. */
const TIMEOUT_MS: Partial<Record<keyof EngineApi, number>> = { load: 60_000 };
let defaultTimeoutMs = 15_000;

/** Shortens the hang timeout (the recovery tests use it; a hang must not take 15 s to detect there). */
export function setWatchdogTimeout(ms: number): void {
  if (Number.isFinite(ms) && ms > 0) defaultTimeoutMs = ms;
}

/** 'not-restored': the restarted worker could not be given the session again (`reason` says why). */
export type EngineNotice = { kind: 'restarted'; reason: string } | { kind: 'not-restored'; reason: string };

type Listener = (n: EngineNotice) => void;

let worker: Worker | undefined;
let remote: Comlink.Remote<EngineApi> | undefined;
/** Rejects the calls in flight when the worker dies. */
let abort: ((reason: string) => void)[] = [];
/** What the worker's session was opened from: scenario text, or a trace request. */
let lastLoad: { text: string; name: string } | { trace: TraceRequest } | undefined;
/**
 * What changed the session since that load, in order: console lines and authoring edits (their
 * calls and arguments). A restarted worker is given them again, so it has the same session.
 */
const SESSION_CALLS = ['exec', 'editStep', 'editMeta', 'mergeStep'] as const;
type SessionOp = { name: (typeof SESSION_CALLS)[number]; args: unknown[] };
let sessionOps: SessionOp[] = [];
let restoring: Promise<void> | undefined;
const listeners = new Set<Listener>();

function spawn(): Comlink.Remote<EngineApi> {
  // Vite recognises this exact `new Worker(new URL(...), { type: 'module' })` form and bundles the worker.
  const w = new Worker(new URL('./engine-worker.ts', import.meta.url), { type: 'module' });
  w.addEventListener('error', (ev) => {
    ev.preventDefault();
    restart(`the engine crashed (${ev.message || 'an uncaught error in the worker'})`);
  });
  w.addEventListener('messageerror', () => restart('the engine sent a message the page could not read'));
  worker = w;
  remote = Comlink.wrap<EngineApi>(w);
  return remote;
}

function restart(reason: string): void {
  if (!worker) return;
  worker.terminate();
  worker = undefined;
  remote = undefined;
  const pending = abort;
  abort = [];
  for (const a of pending) a(reason);
  const r = spawn();
  // Load the session again, and run its console lines again, before anything else talks to the
  // new worker: the history is deterministic, so the page's session and position still hold.
  const again = lastLoad;
  const ops = sessionOps.slice();
  restoring = again
    ? (async () => {
        if ('trace' in again) {
          const opened = await r.openTrace(again.trace);
          if (opened.ok) return;
          lastLoad = undefined;
          for (const l of listeners)
            l({
              kind: 'not-restored',
              reason: `The engine ${reason.replace(/^the engine /, '')} and was restarted, but the trace could not be replayed again (${opened.errors.join('; ')}): open it again to go on.`,
            });
          return;
        }
        const loaded = await r.load(again.text, again.name);
        if (!loaded.ok) return;
        for (const op of ops) await (r[op.name] as (...a: unknown[]) => Promise<unknown>)(...op.args);
      })().catch(() => undefined)
    : undefined;
  for (const l of listeners) l({ kind: 'restarted', reason });
}

async function call<K extends keyof EngineApi>(
  name: K,
  args: Parameters<EngineApi[K]>,
): Promise<Awaited<ReturnType<EngineApi[K]>>> {
  const r = remote ?? spawn();
  // A cancel is for the open in progress: it must not wait behind anything.
  if (restoring && name !== 'cancelTrace') await restoring;
  const timeout = TIMEOUT_MS[name] ?? defaultTimeoutMs;
  return new Promise<Awaited<ReturnType<EngineApi[K]>>>((resolve, reject) => {
    const fail = (reason: string): void => reject(new EngineRestarted(reason));
    abort.push(fail);
    const hung = (): void => restart(`the engine did not answer for ${timeout / 1000} s`);
    let timer = setTimeout(hung, timeout);
    let callArgs: unknown[] = args;
    if (name === 'openTrace') {
      // The worker reports progress as it reads: each report shows it alive, and restarts the clock.
      const onProgress = args[1] as ((p: TraceProgress) => void) | undefined;
      callArgs = [
        args[0],
        Comlink.proxy((p: TraceProgress) => {
          clearTimeout(timer);
          timer = setTimeout(hung, timeout);
          onProgress?.(p);
        }),
      ];
    }
    const fn = r[name] as unknown as (...a: unknown[]) => Promise<Awaited<ReturnType<EngineApi[K]>>>;
    fn(...callArgs).then(
      (v) => {
        clearTimeout(timer);
        abort = abort.filter((a) => a !== fail);
        if (name === 'load' && (v as { ok: boolean }).ok) {
          lastLoad = { text: args[0] as string, name: args[1] as string };
          sessionOps = [];
        }
        if (name === 'openTrace' && (v as { ok: boolean }).ok) {
          lastLoad = { trace: args[0] as TraceRequest };
          sessionOps = [];
        }
        if ((SESSION_CALLS as readonly string[]).includes(name) && (v as { ok: boolean }).ok)
          sessionOps.push({ name: name as SessionOp['name'], args: [...args] });
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        abort = abort.filter((a) => a !== fail);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

const client = Object.fromEntries(
  ENGINE_CALLS.map((name) => [name, (...a: never[]) => call(name, a as never)]),
) as unknown as EngineClient;

export function getEngine(): EngineClient {
  return client;
}

/** Tells `l` when the worker had to be restarted; returns the unsubscribe function. */
export function onEngineNotice(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}
