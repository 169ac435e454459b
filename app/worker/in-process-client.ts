/**
 * The engine host behind the same asynchronous interface the worker gives, without a worker: the
 * store's tests drive the real engine in process through it. `crash` does nothing here (it would
 * really crash or hang the test process).
 */

import { ENGINE_CALLS, type EngineClient } from './api';
import { EngineHost } from './engine-host';

export function inProcessClient(host = new EngineHost()): EngineClient {
  return Object.fromEntries(
    ENGINE_CALLS.map((name) => [
      name,
      name === 'crash'
        ? () => Promise.resolve()
        : (...a: unknown[]) => Promise.resolve((host[name] as (...x: unknown[]) => unknown).apply(host, a)),
    ]),
  ) as unknown as EngineClient;
}
