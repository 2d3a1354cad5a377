// S11.2: office hours and night mode, as an admin sees and switches them: the company and every
// group and queue, open or closed right now and why (the server's words), night mode on or off,
// and each one's hours (edited in hours-editor.tsx).
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { HoursOverview, HoursStatus, OfficeHours } from '../../../src/core/index.js';
import { WEEKDAYS } from '../../../src/core/types.js';
import { api } from '../api.js';
import { useLoad } from '../hooks.js';
import { ErrorNote, Loading, Notice } from '../ui.js';
import { EditDialog } from './board.js';
import { actionWords } from './why.js';
import { HoursEditor } from './hours-editor.js';

const loadHours = (): Promise<HoursOverview> => api<HoursOverview>('GET', '/api/v1/hours');

const DAY_NAMES: Readonly<Record<string, string>> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};

/** "Mon–Fri 08:00–12:00, 13:00–18:00 · Sat 10:00–14:00": days with the same intervals joined. */
export function weeklySummary(hours: OfficeHours | undefined): string {
  const perDay = WEEKDAYS.map((d) =>
    (hours?.weekly ?? [])
      .filter((i) => i.day === d)
      .sort((a, b) => a.from.localeCompare(b.from))
      .map((i) => `${i.from}–${i.to}`)
      .join(', '),
  );
  const parts: string[] = [];
  for (let i = 0; i < 7; i++) {
    if (perDay[i] === '') continue;
    let j = i;
    while (j + 1 < 7 && perDay[j + 1] === perDay[i]) j++;
    const days = j === i ? DAY_NAMES[WEEKDAYS[i]!] : `${DAY_NAMES[WEEKDAYS[i]!]}–${DAY_NAMES[WEEKDAYS[j]!]}`;
    parts.push(`${days} ${perDay[i]}`);
    i = j;
  }
  return parts.join(' · ');
}

function hoursText(s: HoursStatus): string {
  const weekly = weeklySummary(s.hours);
  const own = weekly !== '' ? weekly : s.target.kind === 'tenant' ? 'Open every day' : 'The company’s hours';
  const n = s.hours?.holidays.length ?? 0;
  return n === 0 ? own : `${own}; ${n} holiday${n === 1 ? '' : 's'}`;
}

const nameOf = (s: HoursStatus): string =>
  s.target.kind === 'tenant'
    ? 'The company'
    : `${s.target.kind === 'group' ? 'Group' : 'Queue'} ${s.target.name}${s.target.extension ? ` (${s.target.extension})` : ''}`;

function OpenBadge({ s }: { s: HoursStatus }): JSX.Element {
  return s.open ? (
    <span class="badge compact c-green">
      <span aria-hidden="true">●</span> Open
    </span>
  ) : (
    <span class="badge compact c-red">
      <span aria-hidden="true">☾</span> Closed
    </span>
  );
}

export function OfficeHoursPage(): JSX.Element {
  const overview = useLoad(loadHours, 'hours');
  const [editing, setEditing] = useState<HoursStatus>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  if (overview.error) return <ErrorNote error={overview.error} onRetry={overview.reload} />;
  if (!overview.data) return <Loading what="office hours" />;
  const o = overview.data;
  const toggle = async (s: HoursStatus): Promise<void> => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const t = s.target;
      const body = { on: !s.nightMode, ...(t.kind === 'tenant' ? {} : { [t.kind]: t.id }) };
      const r = await api<HoursStatus>('PUT', '/api/v1/night-mode', body);
      setDone(`${nameOf(r)}: night mode ${r.nightMode ? 'on' : 'off'}; ${r.open ? 'open now' : r.reason}.`);
      overview.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const rows = [o.tenant, ...o.groups, ...o.queues];
  return (
    <>
      <p>
        It is <strong>{o.localTime}</strong> in {o.timezone} (the company’s time zone, under Policies). Outside its
        hours, or in night mode, a call gets the closed action.
      </p>
      <ErrorNote error={error} />
      {done && (
        <Notice kind="ok" focus>
          {done}
        </Notice>
      )}
      <div class="table-wrap card-box" style="padding:0.25rem 0.5rem">
        <table class="users hours">
          <thead>
            <tr>
              <th scope="col">Who</th>
              <th scope="col">Now</th>
              <th scope="col">Hours</th>
              <th scope="col">
                <span class="sr">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={`${s.target.kind}:${s.target.id ?? ''}`} data-hours={s.target.id ?? 'tenant'}>
                <th scope="row">{nameOf(s)}</th>
                <td data-label="Now">
                  <OpenBadge s={s} />
                  {!s.open && <div class="muted small">{s.reason}</div>}
                </td>
                <td data-label="Hours" class="small">
                  {hoursText(s)}
                  {s.hours?.closedAction && (
                    <div class="muted">When closed, the caller {actionWords(s.hours.closedAction)}.</div>
                  )}
                </td>
                <td class="actions">
                  <div class="agent-actions">
                    <button
                      type="button"
                      class="night"
                      aria-pressed={s.nightMode}
                      disabled={busy}
                      onClick={() => void toggle(s)}
                    >
                      <span aria-hidden="true">{s.nightMode ? '☾ ' : ''}</span>Night mode
                      <span class="sr"> for {nameOf(s)}</span>
                    </button>
                    <button type="button" onClick={() => setEditing(s)}>
                      Edit hours<span class="sr"> of {nameOf(s)}</span>
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted small">
        A group or queue with weekly hours of its own uses them instead of the company’s; the company’s holidays and
        night mode close it too. Admins can also dial <code>*28</code> (night mode on) and <code>*29</code> (off), or{' '}
        <code>*28</code>/<code>*29</code> followed by a group’s or queue’s extension.
      </p>
      {editing && (
        <EditDialog title={`Hours: ${nameOf(editing)}`} onClose={() => setEditing(undefined)}>
          <HoursEditor
            status={editing}
            onSaved={(what) => {
              setEditing(undefined);
              setDone(what);
              overview.reload();
            }}
          />
        </EditDialog>
      )}
    </>
  );
}
