// S9.2 in the browser: the tenant's reason codes (GET /api/v1/reasons), loaded once per page load
// and shared by every surface that shows a reason (labels, not codes) or lets one be picked.
import { useEffect, useState } from 'preact/hooks';
import { labelIn } from '../../src/core/reasons.js';
import type { ReasonCode } from '../../src/core/types.js';
import { api } from './api.js';

export type Reason = ReasonCode;

let current: readonly Reason[] | undefined;
let loading: Promise<readonly Reason[]> | undefined;
const listeners = new Set<() => void>();

function publish(list: readonly Reason[]): void {
  current = list;
  for (const f of listeners) f();
}

/** The tenant's list, fetched once (again with `fresh`). */
export function loadReasons(fresh = false): Promise<readonly Reason[]> {
  if (current !== undefined && !fresh) return Promise.resolve(current);
  if (loading === undefined || fresh) {
    loading = api<{ reasons: Reason[] }>('GET', '/api/v1/reasons').then(
      (r) => {
        publish(r.reasons);
        return r.reasons;
      },
      (e: unknown) => {
        loading = undefined;
        throw e;
      },
    );
  }
  return loading;
}

/** After an admin saved the list: every surface shows the new labels. */
export function reasonsSaved(list: readonly Reason[]): void {
  publish(list);
}

/** The list as known now (undefined while loading); re-renders when it arrives or changes. */
export function useReasons(): readonly Reason[] | undefined {
  const [list, setList] = useState(current);
  useEffect(() => {
    const update = (): void => setList(current);
    listeners.add(update);
    loadReasons().then(update, () => undefined);
    return () => void listeners.delete(update);
  }, []);
  return list;
}

/** What a surface shows for a code: the tenant's label, else the words for a system reason, else the code. */
export function reasonLabel(code: string | undefined): string {
  if (code === undefined) return '';
  return labelIn(current ?? [], code);
}
