// S9.2: the tenant's reason codes, as an admin edits them on the Policies page: code, label,
// productive or not, and an optional longest time after which the state ends by itself. The
// server checks the list (SWB_ERR_INVALID names the field); this form only helps fill it in.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useLoad } from '../hooks.js';
import { loadReasons, reasonsSaved } from '../reasons.js';
import type { Reason } from '../reasons.js';
import { ErrorNote, Loading, Notice } from '../ui.js';

/** A row as typed: the longest time in minutes, empty for none. */
interface Row {
  code: string;
  label: string;
  productive: boolean;
  maxMin: string;
  endState: 'ready' | 'logged_out';
}

const MAX_CODES = 100;

const toRow = (r: Reason): Row => ({
  code: r.code,
  label: r.label,
  productive: r.productive,
  maxMin: r.maxSec === undefined ? '' : String(Math.round(r.maxSec / 60)),
  endState: r.endState ?? 'ready',
});

const toReason = (r: Row): Reason => ({
  code: r.code.trim(),
  label: r.label.trim(),
  productive: r.productive,
  ...(r.maxMin.trim() !== '' ? { maxSec: Math.round(Number(r.maxMin) * 60) } : {}),
  ...(r.endState === 'logged_out' ? { endState: 'logged_out' as const } : {}),
});

export function ReasonsForm(): JSX.Element {
  const list = useLoad(() => loadReasons(true), 'reasons');
  if (list.error) return <ErrorNote error={list.error} onRetry={list.reload} />;
  if (!list.data) return <Loading what="the reason codes" />;
  return <ReasonsEditor initial={list.data} />;
}

function ReasonsEditor({ initial }: { initial: readonly Reason[] }): JSX.Element {
  const [rows, setRows] = useState<Row[]>(() => initial.map(toRow));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const change = (i: number, patch: Partial<Row>): void =>
    setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const saved = await api<{ reasons: Reason[] }>('PUT', '/api/v1/reasons', { reasons: rows.map(toReason) });
      setRows(saved.reasons.map(toRow));
      reasonsSaved(saved.reasons);
      setDone(`Saved ${saved.reasons.length} reason codes.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void save(e)} aria-labelledby="reasons-title">
      <section class="card-box">
        <h2 id="reasons-title">Reason codes</h2>
        <p class="hint">
          Agents pick one when they go not ready, and anyone may add one to Away or Do not disturb. A longest time ends
          the state by itself: not ready becomes ready (or logged out, as chosen), Away or Do not disturb is cleared.
          Codes: lowercase letters, digits, _ and -.
        </p>
        <div class="table-wrap">
          <table class="reasons">
            <thead>
              <tr>
                <th scope="col">Code</th>
                <th scope="col">Label</th>
                <th scope="col">Productive</th>
                <th scope="col">Longest time (min)</th>
                <th scope="col">Then</th>
                <th scope="col">
                  <span class="sr-only">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i} data-reason-row={r.code}>
                  <td>
                    <input
                      aria-label={`Code of reason ${i + 1}`}
                      value={r.code}
                      required
                      maxLength={32}
                      pattern="[a-z0-9_\-]{1,32}"
                      onInput={(e) => change(i, { code: e.currentTarget.value })}
                    />
                  </td>
                  <td>
                    <input
                      aria-label={`Label of reason ${i + 1}`}
                      value={r.label}
                      required
                      maxLength={64}
                      onInput={(e) => change(i, { label: e.currentTarget.value })}
                    />
                  </td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Reason ${i + 1} is productive`}
                      checked={r.productive}
                      onChange={(e) => change(i, { productive: e.currentTarget.checked })}
                    />
                  </td>
                  <td>
                    <input
                      type="number"
                      aria-label={`Longest time of reason ${i + 1} in minutes (empty: none)`}
                      min={1}
                      max={1440}
                      value={r.maxMin}
                      onInput={(e) => change(i, { maxMin: e.currentTarget.value })}
                    />
                  </td>
                  <td>
                    <select
                      aria-label={`After the longest time of reason ${i + 1}`}
                      value={r.endState}
                      disabled={r.maxMin.trim() === ''}
                      onChange={(e) =>
                        change(i, { endState: e.currentTarget.value === 'logged_out' ? 'logged_out' : 'ready' })
                      }
                    >
                      <option value="ready">Ready</option>
                      <option value="logged_out">Logged out</option>
                    </select>
                  </td>
                  <td>
                    <button
                      type="button"
                      aria-label={`Remove reason ${r.label || i + 1}`}
                      onClick={() => setRows(rows.filter((_, j) => j !== i))}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {rows.length === 0 && <p class="empty">No reason codes: agents go not ready without a reason.</p>}
        <button
          type="button"
          disabled={rows.length >= MAX_CODES}
          onClick={() => setRows([...rows, { code: '', label: '', productive: false, maxMin: '', endState: 'ready' }])}
        >
          Add a reason
        </button>
      </section>
      <ErrorNote error={error} />
      {done && (
        <Notice kind="ok" focus>
          {done}
        </Notice>
      )}
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Saving…' : 'Save reason codes'}
      </button>
    </form>
  );
}
