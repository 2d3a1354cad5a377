// S11.1 on "Why didn't it ring?": a past call from the call log — pick one of the recent calls, or
// open one by its id (/why?call=<id>) — with the decisions as they were taken at that moment.
import type { JSX } from 'preact';
import { api } from '../api.js';
import { OutcomeBadge, callLine, loadCalls, nameOf } from '../calls.js';
import type { CallView } from '../calls.js';
import { when } from '../format.js';
import { useLoad } from '../hooks.js';
import { ErrorNote, Loading } from '../ui.js';
import type { Decision } from '../../../src/core/wire.js';

/** The picker of recent calls: the ones the reader may see (their own; a supervisor's queues; an admin all). */
export function PastCallPicker({
  selected,
  onPick,
}: {
  selected: string | undefined;
  onPick: (id: string | undefined) => void;
}): JSX.Element {
  const calls = useLoad(() => loadCalls(undefined, 30), 'why-calls');
  const list = calls.data?.calls ?? [];
  return (
    <div class="card-box">
      <h2 id="past-h">A past call</h2>
      <ErrorNote error={calls.error} onRetry={calls.reload} />
      {calls.data && list.length === 0 ? (
        <p class="muted">No calls in the call log yet.</p>
      ) : (
        <div class="stack">
          <label for="why-call">Call</label>
          <select
            id="why-call"
            name="call"
            value={selected ?? ''}
            onChange={(e) => {
              const id = e.currentTarget.value;
              history.replaceState(null, '', id === '' ? '/why' : `/why?call=${encodeURIComponent(id)}`);
              onPick(id === '' ? undefined : id);
            }}
          >
            <option value="">Choose a call…</option>
            {list.map((c) => (
              <option key={c.id} value={c.id}>
                {when(c.startedAt)} · {callLine(c)} · {c.outcome ?? 'in progress'}
              </option>
            ))}
          </select>
        </div>
      )}
    </div>
  );
}

/** One past call and its decisions, drawn by the page's own decision view. */
export function PastCall({ id, render }: { id: string; render: (d: Decision) => JSX.Element }): JSX.Element {
  const call = useLoad(() => api<CallView>('GET', `/api/v1/calls/${encodeURIComponent(id)}`), `call:${id}`);
  if (call.error !== undefined) return <ErrorNote error={call.error} onRetry={call.reload} />;
  const c = call.data;
  if (c === undefined) return <Loading what="the call" />;
  const decisions = c.decisions ?? [];
  return (
    <section class="card-box" aria-labelledby="call-h">
      <h2 id="call-h">
        The call of {when(c.startedAt)}: {callLine(c)}
      </h2>
      <p>
        How it ended: <OutcomeBadge c={c} />
        {c.answeredBy !== undefined && <span class="muted"> · answered by {nameOf(c.answeredBy)}</span>}
        {c.offers.length > 0 && (
          <span class="muted"> · offered to {[...new Set(c.offers.map((o) => nameOf(o.userId)))].join(', ')}</span>
        )}
      </p>
      {decisions.length === 0 && <p class="muted">Switchboard did not route this call: the PBX reported it.</p>}
      {decisions.map((d, i) => (
        <div key={i}>
          {decisions.length > 1 && <h3>{i === 0 ? 'As first routed' : `Routed again (${i + 1})`}</h3>}
          {render(d)}
        </div>
      ))}
    </section>
  );
}
