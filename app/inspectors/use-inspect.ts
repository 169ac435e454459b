/**
 * The hook every inspector uses to get its view of the machine: it asks the worker for one
 * engine view at the position shown, again whenever the position, the session or the request
 * changes, and keeps the last answer on screen while the next one is on its way (no flicker while
 * playing). Answers that arrive after a newer request was made are dropped.
 */

import { useEffect, useState } from 'react';
import { appStore, useApp } from '../store';
import type { InspectRequest, InspectResults } from '../worker/api';

export type Inspected<V extends InspectRequest['view']> =
  | { state: 'loading' }
  | { state: 'error'; error: string }
  | { state: 'ok'; view: InspectResults[V]; position: number };

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The view `request` names at the position shown; null: ask for nothing (yet). */
export function useInspect<R extends InspectRequest>(request: R | null): Inspected<R['view']> {
  const position = useApp((s) => s.frame?.position ?? 0);
  const session = useApp((s) => s.session);
  const [result, setResult] = useState<Inspected<R['view']>>({ state: 'loading' });
  // Requests are small plain records: their JSON is a stable dependency.
  const key = request ? JSON.stringify(request) : '';

  useEffect(() => {
    if (!request || !session) return;
    let live = true;
    appStore
      .getState()
      .inspect(request, position)
      .then(
        (r) => {
          if (!live) return;
          if (r.ok) setResult({ state: 'ok', view: r as InspectResults[R['view']], position });
          else setResult({ state: 'error', error: r.error });
        },
        (e: unknown) => live && setResult({ state: 'error', error: message(e) }),
      );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` stands for `request`
  }, [key, position, session]);

  return result;
}
