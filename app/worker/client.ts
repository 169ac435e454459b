/**
 * The page's handle on the engine worker, and the watchdog that keeps it alive.
 *
 * The worker starts on first use, not on import, so modules that import the store load where there
 * is no Worker (Vitest in Node). Every call is watched: if the worker dies (an uncaught error, a
 * failed module load) or does not answer in time (a hang), it is terminated and a new one started,
 * the last scenario the page loaded is loaded into it again, with the sandbox console's lines run
 * since then, and the listeners are told, so the page can say what happened and show the position
 * it was at. The call that was caught up in it fails with EngineRestarted; nothing the user did is
 * lost, because the client holds the scenario text and the console lines, the page the position,
 * and the history is deterministic.
 */

import * as Comlink from 'comlink';
import { ENGINE_CALLS, type EngineApi, type EngineClient } from './api';
import { EngineRestarted } from './errors';

export { EngineRestarted };

/** How long a call may take before the worker is declared hung. Loading runs a whole scenario. */
const TIMEOUT_MS: Partial<Record<keyof EngineApi, number>> = { load: 60_000 };
let defaultTimeoutMs = 15_000;

/** Shortens the hang timeout (the recovery tests use it; a hang must not take 15 s to detect there). */
export function setWatchdogTimeout(ms: number): void {
  if (Number.isFinite(ms) && ms > 0) defaultTimeoutMs = ms;
}

export type EngineNotice = { kind: 'restarted'; reason: string };

type Listener = (n: EngineNotice) => void;

let worker: Worker | undefined;
let remote: Comlink.Remote<EngineApi> | undefined;
/** Rejects the calls in flight when the worker dies. */
let abort: ((reason: string) => void)[] = [];
let lastLoad: [string, string] | undefined;
/** The console lines the worker ran since that load, in order: a restarted worker runs them again. */
let consoleLines: string[] = [];
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
  const lines = consoleLines.slice();
  restoring = again
    ? (async () => {
        const loaded = await r.load(again[0], again[1]);
        if (!loaded.ok) return;
        for (const l of lines) await r.exec(l);
      })().catch(() => undefined)
    : undefined;
  for (const l of listeners) l({ kind: 'restarted', reason });
}

async function call<K extends keyof EngineApi>(
  name: K,
  args: Parameters<EngineApi[K]>,
): Promise<ReturnType<EngineApi[K]>> {
  const r = remote ?? spawn();
  if (restoring) await restoring;
  const timeout = TIMEOUT_MS[name] ?? defaultTimeoutMs;
  return new Promise<ReturnType<EngineApi[K]>>((resolve, reject) => {
    const fail = (reason: string): void => reject(new EngineRestarted(reason));
    abort.push(fail);
    const timer = setTimeout(() => restart(`the engine did not answer for ${timeout / 1000} s`), timeout);
    const fn = r[name] as unknown as (...a: Parameters<EngineApi[K]>) => Promise<ReturnType<EngineApi[K]>>;
    fn(...args).then(
      (v) => {
        clearTimeout(timer);
        abort = abort.filter((a) => a !== fail);
        if (name === 'load' && (v as { ok: boolean }).ok) {
          lastLoad = args as unknown as [string, string];
          consoleLines = [];
        }
        if (name === 'exec' && (v as { ok: boolean }).ok) consoleLines.push(args[0] as string);
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
