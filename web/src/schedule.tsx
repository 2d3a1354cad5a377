// S9.1 Scheduled statuses: the windows queued for a person (what is set when, and how each stands
// now), a form to add one and a button to cancel each. The server decides every rule (limits,
// overlaps, a status changed by hand); this card shows its answers in words.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api.js';
import { when } from './format.js';
import { useAction, useLoad } from './hooks.js';
import { live } from './live.js';
import { StatusBadge, statusInfo } from './status.js';
import { ErrorNote, Notice } from './ui.js';

export interface ScheduledWindow {
  readonly id: string;
  readonly status: string;
  readonly text?: string;
  readonly from: string;
  readonly until?: string;
  readonly setBy: string;
  readonly state: 'pending' | 'active' | 'waiting' | 'overridden';
  /** S11.3: from the person's calendar; its title reaches the person only. */
  readonly source?: 'calendar';
  readonly title?: string;
}

/** How a window stands, in a person's words. */
const STATE_WORDS: Record<ScheduledWindow['state'], string> = {
  pending: 'Not begun',
  active: 'In force now',
  waiting: 'Open, under a later window',
  overridden: 'Replaced by a status set by hand',
};

/** What can be scheduled from the app (forwarding needs a destination: the API takes it). */
const OFFERED = ['dnd', 'busy', 'away', 'absent', 'at_desk', 'custom'];

function localInput(t: number): string {
  return new Date(t - new Date(t).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

const span = (w: ScheduledWindow): string =>
  w.until === undefined ? `from ${when(w.from)}, until changed` : `${when(w.from)} – ${when(w.until)}`;

export function ScheduleCard({
  userId,
  self,
  name,
  allowed,
  refreshKey,
}: {
  userId: string;
  self: boolean;
  name: string;
  /** The tenant's policy `manualStatuses`; undefined: all. */
  allowed?: readonly string[];
  /** Changes when the person's presence changes: a window may have begun or ended. */
  refreshKey: string;
}): JSX.Element {
  const path = `/api/v1/users/${encodeURIComponent(userId)}/schedule`;
  // A schedule.changed event (another tab, an admin) moves this too.
  const moved = live.changedAt.get(`s:${userId}`) ?? 0;
  const list = useLoad(
    () => api<{ windows: ScheduledWindow[]; max: number }>('GET', path),
    `${path}:${refreshKey}:${moved}`,
  );
  const [adding, setAdding] = useState(false);
  // Focus follows the form: into it when opened, back to its button when closed (never <body>).
  const opener = useRef<HTMLButtonElement>(null);
  const opened = useRef(false);
  useEffect(() => {
    if (!adding && opened.current) opener.current?.focus();
    opened.current = adding;
  }, [adding]);
  const { busy, error, done, run } = useAction<string>(() => list.reload());
  const cancel = (w: ScheduledWindow) =>
    run(async () => {
      await api('DELETE', `${path}/${encodeURIComponent(w.id)}`);
      return `Cancelled ${statusInfo(w.status).label} ${span(w)}.`;
    });
  const windows = list.data?.windows ?? [];
  return (
    <section class="card-box schedule" aria-labelledby={`sched-h-${userId}`}>
      <h2 id={`sched-h-${userId}`}>{self ? 'My scheduled statuses' : 'Scheduled statuses'}</h2>
      <p class="muted small">
        A scheduled status is set at its start; at its end the status {self ? 'you' : name} had before comes back. A
        status set by hand during a window stays when the window ends.
      </p>
      <ErrorNote error={list.error} onRetry={list.reload} />
      {windows.length === 0 && !list.loading && <p class="muted">Nothing scheduled.</p>}
      {windows.length > 0 && (
        <ul class="schedule-list">
          {windows.map((w) => {
            const info = statusInfo(w.status);
            return (
              <li key={w.id} data-window={w.id} data-state={w.state}>
                <StatusBadge status={w.status} label={info.label} colour={info.colour} icon={info.icon} compact />
                <span class="sched-when">{span(w)}</span>
                {w.text && <span class="muted">“{w.text}”</span>}
                {w.source === 'calendar' && (
                  <span class="sched-source">
                    {self ? 'From your calendar' : 'From the calendar'}
                    {w.title !== undefined && w.title !== w.text ? `: ${w.title}` : ''}
                  </span>
                )}
                <span class={`sched-state s-${w.state}`}>{STATE_WORDS[w.state]}</span>
                <button
                  type="button"
                  class="link"
                  onClick={() => void cancel(w)}
                  aria-disabled={busy ? 'true' : undefined}
                  aria-label={`Cancel ${info.label} ${span(w)}`}
                >
                  Cancel
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <ErrorNote error={error} />
      {done && (
        <Notice kind="ok" focus>
          {done}
        </Notice>
      )}
      {adding ? (
        <AddWindow
          userId={userId}
          allowed={allowed}
          full={list.data !== undefined && windows.length >= list.data.max}
          onClose={() => setAdding(false)}
          onAdd={(body) =>
            run(async () => {
              const w = await api<ScheduledWindow>('POST', path, body);
              return `Scheduled ${statusInfo(w.status).label} ${span(w)}.`;
            })
          }
        />
      ) : (
        <div class="buttons">
          <button type="button" ref={opener} onClick={() => setAdding(true)} aria-expanded="false">
            Schedule a status…
          </button>
        </div>
      )}
    </section>
  );
}

function AddWindow({
  userId,
  allowed,
  full,
  onClose,
  onAdd,
}: {
  userId: string;
  allowed?: readonly string[];
  full: boolean;
  onClose: () => void;
  onAdd: (body: Record<string, string>) => Promise<void>;
}): JSX.Element {
  const offered = OFFERED.filter((s) => allowed === undefined || allowed.includes(s));
  const [status, setStatus] = useState(offered[0] ?? 'dnd');
  const [text, setText] = useState('');
  const [from, setFrom] = useState(() => localInput(Date.now() + 3600_000));
  const [until, setUntil] = useState(() => localInput(Date.now() + 2 * 3600_000));
  const id = (f: string) => `sched-${f}-${userId}`;
  const first = useRef<HTMLSelectElement>(null);
  useEffect(() => first.current?.focus(), []);
  const submit = (e: Event): void => {
    e.preventDefault();
    const body: Record<string, string> = { status, from: new Date(from).toISOString() };
    if (until !== '') body.until = new Date(until).toISOString();
    if (text.trim() !== '') body.text = text.trim();
    void onAdd(body);
  };
  return (
    <form class="schedule-form" onSubmit={submit} aria-label="Schedule a status">
      <label for={id('status')}>
        Status
        <select id={id('status')} ref={first} value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
          {offered.map((s) => (
            <option key={s} value={s}>
              {s === 'custom' ? 'Custom text' : statusInfo(s).label}
            </option>
          ))}
        </select>
      </label>
      <label for={id('from')}>
        Starts
        <input
          id={id('from')}
          type="datetime-local"
          required
          value={from}
          onInput={(e) => setFrom(e.currentTarget.value)}
        />
      </label>
      <label for={id('until')}>
        Ends
        <input id={id('until')} type="datetime-local" value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
        <span class="hint">Leave empty to keep it until changed.</span>
      </label>
      <label for={id('text')}>
        Text {status === 'custom' ? '(shown as the status)' : '(optional)'}
        <input
          id={id('text')}
          maxLength={100}
          required={status === 'custom'}
          value={text}
          placeholder="e.g. Board meeting"
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </label>
      <div class="buttons">
        <button type="submit" class="primary" aria-disabled={full ? 'true' : undefined}>
          Schedule
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
        {full && <span class="hint">The most windows a person may have are queued: cancel one first.</span>}
      </div>
    </form>
  );
}
