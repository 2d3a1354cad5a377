// A user's page (S6.5): live status, a day's status history as a timeline chart, time in each
// status per day, and the list of changes with their causes.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { agentWords, queueName, reasonLabel } from '../agent.js';
import { useReasons } from '../reasons.js';
import { api } from '../api.js';
import { RecentCalls } from '../calls.js';
import { duration, when } from '../format.js';
import { useLive, useLoad, useNow } from '../hooks.js';
import { live } from '../live.js';
import { useMe } from '../session.js';
import { StatusBadge, agentInfo, statusInfo } from '../status.js';
import type { Colour } from '../status.js';
import { ScheduleCard } from '../schedule.js';
import { StatusForm } from '../statusform.js';
import { ErrorNote, Loading, Notice, Page } from '../ui.js';
import { EditDialog, labelOf } from './board.js';
import type { HistoryPage, HistoryRow, StatusReport as Report } from '../../../src/core/wire.js';

const DAY = 24 * 3600_000;
const FILL: Record<Colour, string> = { green: '#2da44e', yellow: '#d4a72c', red: '#cf222e', grey: '#afb8c1' };

function startOfDay(t: number): number {
  const d = new Date(t);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

function dateInput(t: number): string {
  const d = new Date(t);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function causeWords(cause: string): string {
  if (cause === 'self') return 'by themself';
  if (cause === 'system') return 'automatically';
  if (cause === 'sip') return 'by their phone';
  if (cause === 'pbx') return 'by the PBX';
  if (cause === 'fac') return 'by a feature code';
  const [kind, id] = cause.split(':');
  if (kind === 'admin') return `by ${live.presence.get(id ?? '')?.name ?? 'an admin'} (admin)`;
  if (kind === 'supervisor') return `by ${live.presence.get(id ?? '')?.name ?? 'a supervisor'} (supervisor)`;
  if (kind === 'apikey') return 'by an integration';
  // S9.2: system:reason_expired:<code>
  if (kind === 'system' && id === 'reason_expired') return `automatically: ${reasonLabel(cause.split(':')[2])} ran out`;
  return cause;
}

export function UserPage({ userRef }: { userRef: string }): JSX.Element {
  useLive();
  useReasons(); // S9.2: reasons by label
  useNow(30_000);
  const me = useMe();
  const p = live.presence.get(userRef) ?? [...live.presence.values()].find((x) => x.extension === userRef);
  const [day, setDay] = useState(() => dateInput(Date.now()));
  const [editing, setEditing] = useState(false);
  const userId = p?.userId ?? userRef;
  const dayStart = startOfDay(new Date(`${day}T00:00:00`).getTime() || Date.now());
  // A week before the day too, to know the status the day started in.
  const history = useLoad(
    () =>
      api<HistoryPage>(
        'GET',
        `/api/v1/users/${encodeURIComponent(userId)}/history?from=${new Date(dayStart - 7 * DAY).toISOString()}&to=${new Date(Math.min(dayStart + DAY, Date.now())).toISOString()}`,
      ),
    `h:${userId}:${dayStart}:${live.changedAt.get(`u:${userId}`) ?? 0}`,
  );
  const report = useLoad(
    () =>
      api<Report>(
        'GET',
        `/api/v1/users/${encodeURIComponent(userId)}/report?from=${new Date(startOfDay(Date.now()) - 6 * DAY).toISOString()}&to=${new Date().toISOString()}`,
      ),
    `r:${userId}:${Math.floor(Date.now() / 60_000)}`,
  );

  if (!live.loaded) return <Loading what="the team" />;
  if (!p) {
    return (
      <Page title="Not found">
        <ErrorNote error={new Error(`There is nobody with the id or extension “${userRef}” in your company.`)} />
        <a href="/">Back to the team board</a>
      </Page>
    );
  }
  const isAdmin = me.role === 'admin';
  const mayRead = me.role !== 'user' || me.user?.id === p.userId;
  const statusRows = (history.data?.history ?? []).filter((r) => r.kind === 'status');
  const agentRows = live.agentRowsOf(p.userId);
  const now = Date.now();

  return (
    <Page
      title={p.name}
      actions={
        isAdmin && (
          <>
            <button type="button" onClick={() => setEditing(true)}>
              Change status
            </button>
            <a class="button-link" href={`/admin/users/${encodeURIComponent(p.userId)}`}>
              Settings
            </a>
          </>
        )
      }
    >
      <section class="card-box now">
        <div class="now-row">
          <span title={labelOf(p)} class="now-badge">
            <StatusBadge status={p.status} label={labelOf(p)} colour={p.colour} icon={p.icon} />
          </span>
          <span class="muted">
            extension {p.extension} · since {when(p.since)} ({duration(Date.now() - p.since)})
            {p.until !== undefined ? ` · until ${when(p.until)}` : ''}
          </span>
        </div>
        {p.text && p.status !== 'custom' && <p class="now-text">“{p.text}”</p>}
        {agentRows.length > 0 && (
          <ul class="agent-states">
            {agentRows.map((r) => {
              const info = agentInfo(r.state);
              return (
                <li key={r.queueId} data-queue={r.queueId}>
                  <span class="muted">Agent in {queueName(r.queueId)}:</span>{' '}
                  <StatusBadge
                    status={r.state}
                    label={agentWords(r, now)}
                    colour={info.colour}
                    icon={info.icon}
                    compact
                  />
                </li>
              );
            })}
          </ul>
        )}
      </section>
      {!mayRead ? (
        <Notice>Status history is visible to {p.name}, supervisors and administrators.</Notice>
      ) : (
        <>
          <RecentCalls userId={p.userId} />
          <section class="card-box" aria-labelledby="tl-h">
            <div class="page-head" style="margin-bottom:0.5rem">
              <h2 id="tl-h" style="margin:0">
                Status through the day
              </h2>
              <label class="inline-field">
                Day{' '}
                <input
                  type="date"
                  value={day}
                  max={dateInput(Date.now())}
                  onChange={(e) => setDay(e.currentTarget.value || dateInput(Date.now()))}
                />
              </label>
            </div>
            <ErrorNote error={history.error} onRetry={history.reload} />
            {history.data && <Timeline rows={statusRows} dayStart={dayStart} />}
          </section>
          <section class="card-box" aria-labelledby="rep-h">
            <h2 id="rep-h">Time in each status, last 7 days</h2>
            <ErrorNote error={report.error} onRetry={report.reload} />
            {report.data && <ReportView report={report.data} />}
          </section>
          <section class="card-box" aria-labelledby="hist-h">
            <h2 id="hist-h">Changes that day</h2>
            {history.data && (
              <ChangeList
                rows={(history.data.history ?? []).filter(
                  (r) => Date.parse(r.at) >= dayStart && Date.parse(r.at) < dayStart + DAY,
                )}
              />
            )}
          </section>
        </>
      )}
      {isAdmin && (
        <ScheduleCard
          userId={p.userId}
          self={p.userId === me.user?.id}
          name={p.name}
          refreshKey={`${p.status}:${p.since}:${p.manual?.setAt ?? ''}`}
        />
      )}
      {editing && (
        <EditDialog title={`Change ${p.name}’s status`} onClose={() => setEditing(false)}>
          <StatusForm target={p} self={p.userId === me.user?.id} canBlock={isAdmin && p.userId !== me.user?.id} />
        </EditDialog>
      )}
    </Page>
  );
}

/** One day as a bar from 00:00 to 24:00, a segment per status, hour ticks below. */
function Timeline({ rows, dayStart }: { rows: readonly HistoryRow[]; dayStart: number }): JSX.Element {
  const end = Math.min(dayStart + DAY, Date.now());
  const before = rows.filter((r) => Date.parse(r.at) < dayStart).pop();
  const within = rows.filter((r) => Date.parse(r.at) >= dayStart && Date.parse(r.at) < end);
  const segments: { from: number; to: number; status: string | undefined }[] = [];
  let cur: string | undefined = before?.value;
  let at = dayStart;
  for (const r of within) {
    const t = Date.parse(r.at);
    if (t > at) segments.push({ from: at, to: t, status: cur });
    cur = r.value;
    at = t;
  }
  if (end > at) segments.push({ from: at, to: end, status: cur });
  const W = 960;
  const x = (t: number): number => ((t - dayStart) / DAY) * W;
  const used = [...new Set(segments.map((s) => s.status).filter((s): s is string => s !== undefined))];
  return (
    <>
      <svg
        class="timeline"
        viewBox={`0 0 ${W} 48`}
        role="img"
        aria-label={`Status timeline: ${segments.map((s) => `${s.status ? statusInfo(s.status).label : 'no data'} from ${when(s.from, s.from)}`).join('; ')}`}
      >
        <defs>
          <pattern id="nodata" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="6" height="6" fill="#f3f4f6" />
            <line x1="0" y1="0" x2="0" y2="6" stroke="#d0d7de" stroke-width="2" />
          </pattern>
        </defs>
        <rect x="0" y="4" width={W} height="32" rx="4" fill="#f3f4f6" />
        {segments.map((s, i) => (
          <rect
            key={i}
            x={x(s.from)}
            y="4"
            width={Math.max(1, x(s.to) - x(s.from))}
            height="32"
            fill={s.status ? FILL[statusInfo(s.status).colour] : 'url(#nodata)'}
          >
            <title>
              {s.status ? statusInfo(s.status).label : 'No data'}: {when(s.from, s.from)}–{when(s.to, s.from)} (
              {duration(s.to - s.from)})
            </title>
          </rect>
        ))}
        {end < dayStart + DAY && (
          <line x1={x(end)} x2={x(end)} y1="0" y2="40" stroke="#1f2328" stroke-width="2" stroke-dasharray="3 2" />
        )}
        {Array.from({ length: 25 }, (_, h) => (
          <line key={h} x1={(h / 24) * W} x2={(h / 24) * W} y1="38" y2={h % 6 === 0 ? 46 : 42} stroke="#8c959f" />
        ))}
      </svg>
      {/* D9: the hours as text, not inside the scaled drawing, so they stay readable on a phone. */}
      <div class="timeline-hours" aria-hidden="true">
        {[0, 3, 6, 9, 12, 15, 18, 21, 24].map((h) => (
          <span key={h} class={h % 6 === 0 ? 'major' : 'minor'} style={`left:${(h / 24) * 100}%`}>
            {String(h).padStart(2, '0')}:00
          </span>
        ))}
      </div>
      <div class="legend">
        {used.map((s) => {
          const info = statusInfo(s);
          return <StatusBadge key={s} status={s} label={info.label} colour={info.colour} icon={info.icon} compact />;
        })}
        {segments.some((s) => s.status === undefined) && (
          <span class="muted small">Hatched: no history for that time.</span>
        )}
      </div>
    </>
  );
}

function ReportView({ report }: { report: Report }): JSX.Element {
  const days = [...report.days].reverse();
  if (days.length === 0) return <p class="muted">No history in the last 7 days.</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Share of the day</th>
            <th scope="col">Time in each status</th>
          </tr>
        </thead>
        <tbody>
          {days.map((d) => {
            const entries = Object.entries(d.statusMs)
              .filter(([, ms]) => ms > 0)
              .sort((a, b) => b[1] - a[1]);
            const total = entries.reduce((s, [, ms]) => s + ms, 0) || 1;
            return (
              <tr key={d.date}>
                <td style="white-space:nowrap">{d.date}</td>
                <td style="min-width:140px">
                  <svg viewBox="0 0 100 10" width="100%" height="12" preserveAspectRatio="none" aria-hidden="true">
                    {
                      entries.reduce<{ x: number; els: JSX.Element[] }>(
                        (acc, [s, ms]) => {
                          const w = (ms / total) * 100;
                          acc.els.push(
                            <rect key={s} x={acc.x} y="0" width={w} height="10" fill={FILL[statusInfo(s).colour]} />,
                          );
                          acc.x += w;
                          return acc;
                        },
                        { x: 0, els: [] },
                      ).els
                    }
                  </svg>
                </td>
                <td>
                  {entries
                    .map(([s, ms]) => `${statusInfo(s).label} ${ms < 60_000 ? '<1 min' : duration(ms)}`)
                    .join(' · ') || '—'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p class="muted small">Days in the company’s time zone ({report.timezone}).</p>
    </div>
  );
}

function ChangeList({ rows }: { rows: readonly HistoryRow[] }): JSX.Element {
  if (rows.length === 0) return <p class="muted">No changes that day.</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Change</th>
            <th scope="col">By</th>
          </tr>
        </thead>
        <tbody>
          {[...rows].reverse().map((r, i) => {
            const info = r.kind === 'status' ? statusInfo(r.value) : agentInfo(r.value);
            return (
              <tr key={i}>
                <td style="white-space:nowrap">{when(r.at)}</td>
                <td>
                  {r.kind === 'agent' && <span class="muted small">{queueName(r.queueId ?? '')}: </span>}
                  <StatusBadge status={r.value} label={info.label} colour={info.colour} icon={info.icon} compact />
                  {r.reason && <span class="muted small"> ({reasonLabel(r.reason)})</span>}
                </td>
                <td>{causeWords(r.cause)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
