/**
 * The page's handle on the engine worker. The worker starts on first use, not on import, so
 * modules that import the store can be loaded where there is no Worker (Vitest in node).
 */

import * as Comlink from 'comlink';
import type { EngineApi, EngineClient } from './api';

let client: EngineClient | undefined;

export function getEngine(): EngineClient {
  // Vite recognises this exact `new Worker(new URL(...), { type: 'module' })` form and bundles the worker.
  client ??= Comlink.wrap<EngineApi>(
    new Worker(new URL('./engine-worker.ts', import.meta.url), { type: 'module' }),
  );
  return client;
}
