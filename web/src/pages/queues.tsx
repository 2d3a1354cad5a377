// The queue wallboard (S4): per queue, waiting callers and their wait, today's counters, and
// every agent's state with reason and time in state. Supervisors of a queue and admins change
// agent states from here (S1.6).
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { loadQueues } from '../directory.js';
import type { QueueInfo } from '../directory.js';
import { clock, plural } from '../format.js';
import { useLive, useLoad, useNow } from '../hooks.js';
import { live } from '../live.js';
import type { AgentRow } from '../live.js';
import { useMe } from '../session.js';
import { StatusBadge, agentInfo } from '../status.js';
import { ErrorNote, Loading, Notice, Page, flash } from '../ui.js';

const REASONS: [string, string][] = [
  ['break', 'Break'],
  ['lunch', 'Lunch'],
  ['training', 'Training'],
  ['other', 'Other'],
];
const reasonLabel = (r: string | undefined): string => (r === undefined ? '' : (REASONS.find(([k]) => k === r)?.[1] ?? (r === 'missed' ? 'Missed a call' : r)));

export function Wallboard({ queueId }: { queueId?: string | undefined }): JSX.Element {
  useLive();
  const queues = useLoad(loadQueues, 'queues');
  if (queues.error) {
    return (
      <Page title="Queues">
        <ErrorNote error={queues.error} onRetry={queues.reload} />
      </Page>
    );
  }
  if (!queues.data) return <Loading what="the queues" />;
  const list = queueId ? queues.data.filter((q) => q.id === queueId || q.extension === queueId) : queues.data;
  return (
    <Page title="Queues" wide>
      {queues.data.length > 1 && (
        <nav class="tabs" aria-label="Queues">
          <a href="/queues" aria-current={queueId === undefined ? 'page' : undefined}>
            All queues
          </a>
          {queues.data.map((q) => (
            <a key={q.id} href={`/queues/${encodeURIComponent(q.id)}`} aria-current={queueId === q.id ? 'page' : undefined}>
              {q.name}
            </a>
          ))}
        </nav>
      )}
      {list.length === 0 && <p class="empty">{queueId ? `There is no queue “${queueId}”.` : 'This company has no call queues yet.'}</p>}
      {list.map((q) => (
        <QueuePanel key={q.id} q={q} />
      ))}
    </Page>
  );
}

function QueuePanel({ q }: { q: QueueInfo }): JSX.Element {
  const me = useMe();
  const now = useNow(1000);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const snap = live.queues.get(q.id);
  const states = live.agents.get(q.id);
  const canCommand = me.role === 'admin' || (me.role === 'supervisor' && me.user !== null && q.supervisors.includes(me.user.id));
  const agents = q.agents.map((id) => {
    const row: AgentRow = states?.get(id) ?? { userId: id, queueId: q.id, state: 'logged_out', since: 0 };
    const p = live.presence.get(id);
    return { row, name: p?.name ?? id, extension: p?.extension ?? '', presence: p };
  });
  const waiting = snap?.waiting ?? [];
  const longest = waiting.reduce((m, w) => Math.max(m, now - w.arrivedAt), 0);
  const count = (s: string): number => agents.filter((a) => a.row.state === s).length;
  const loggedIn = agents.length - count('logged_out');

  const command = async (userId: string, name: string, action: string, reason?: string): Promise<void> => {
    setError(undefined);
    setDone(undefined);
    setBusy(`${userId}:${action}`);
    try {
      await api('POST', `/api/v1/queues/${encodeURIComponent(q.id)}/agents/${encodeURIComponent(userId)}/${action}`, reason ? { reason } : {});
      const words: Record<string, string> = { login: 'logged in', logout: 'logged out', ready: 'ready', not_ready: 'not ready' };
      setDone(`${name} is ${words[action] ?? action} in ${q.name}.`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <section class="queue card-box" aria-labelledby={`q-${q.id}`} data-queue={q.id}>
      <h2 id={`q-${q.id}`}>
        {q.name} {q.extension && <span class="muted">· {q.extension}</span>}
      </h2>
      <div class="tiles">
        <div class={`tile${waiting.length > 0 ? ' alert' : ''}`}>
          <div class="n" data-testid="waiting">{waiting.length}</div>
          <div class="l">waiting</div>
        </div>
        <div class="tile">
          <div class="n">{waiting.length > 0 ? clock(longest) : '–'}</div>
          <div class="l">longest wait</div>
        </div>
        <div class="tile">
          <div class="n">
            {count('ready')}
            <span class="muted small"> / {loggedIn}</span>
          </div>
          <div class="l">ready / logged in</div>
        </div>
        <div class="tile">
          <div class="n" data-testid="answered">{snap?.answeredToday ?? 0}</div>
          <div class="l">answered today</div>
        </div>
        <div class="tile">
          <div class="n" data-testid="missed">{snap?.missedToday ?? 0}</div>
          <div class="l">missed today</div>
        </div>
      </div>
      {waiting.length > 0 && (
        <>
          <h3>Waiting callers</h3>
          <ol class="waiting-list" aria-label={`Callers waiting in ${q.name}`}>
            {waiting.map((w, i) => (
              <li key={w.callId}>
                {w.position ?? i + 1}. {w.caller} · {clock(now - w.arrivedAt)}
              </li>
            ))}
          </ol>
        </>
      )}
      <h3 style="margin-top:0.75rem">Agents</h3>
      <ErrorNote error={error} />
      {done && <Notice kind="ok">{done}</Notice>}
      <div class="table-wrap">
        <table class="agents">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">State</th>
              <th scope="col">Reason</th>
              <th scope="col">In state</th>
              <th scope="col">Calls</th>
              {canCommand && <th scope="col">Change</th>}
            </tr>
          </thead>
          <tbody>
            {agents.map(({ row, name, extension }) => (
              <AgentLine key={row.userId} row={row} name={name} extension={extension} now={now} canCommand={canCommand} busy={busy} command={command} flashAt={live.changedAt.get(`a:${q.id}:${row.userId}`)} />
            ))}
          </tbody>
        </table>
      </div>
      {agents.length === 0 && <p class="empty">No agents in this queue.</p>}
      <p class="muted small">{plural(snap?.overflowedToday ?? 0, 'caller')} overflowed today.</p>
    </section>
  );
}

function AgentLine({
  row,
  name,
  extension,
  now,
  canCommand,
  busy,
  command,
  flashAt,
}: {
  row: AgentRow;
  name: string;
  extension: string;
  now: number;
  canCommand: boolean;
  busy: string | undefined;
  command: (userId: string, name: string, action: string, reason?: string) => Promise<void>;
  flashAt: number | undefined;
}): JSX.Element {
  const [reason, setReason] = useState('break');
  const info = agentInfo(row.state);
  const s = row.state;
  const ref = useRef<HTMLTableRowElement>(null);
  useEffect(() => {
    if (flashAt !== undefined && Date.now() - flashAt < 1500) flash(ref.current);
  }, [flashAt]);
  const b = (action: string, label: string, r?: string): JSX.Element => (
    <button type="button" disabled={busy !== undefined} aria-label={`${label}: ${name}`} onClick={() => void command(row.userId, name, action, r)}>
      {busy === `${row.userId}:${action}` ? '…' : label}
    </button>
  );
  return (
    <tr ref={ref} data-agent={row.userId} data-state={s}>
      <td>
        <a href={`/users/${encodeURIComponent(row.userId)}`}>{name}</a> <span class="muted small">{extension}</span>
      </td>
      <td>
        <StatusBadge status={s} label={info.label} colour={info.colour} icon={info.icon} compact />
      </td>
      <td data-label="Reason">{reasonLabel(row.reason)}</td>
      <td data-label="In state" class="since">
        {s === 'logged_out' || row.since === 0 ? '' : clock(now - row.since)}
      </td>
      <td data-label="Calls">{row.callsToday ?? ''}</td>
      {canCommand && (
        <td class="actions">
          <div class="agent-actions">
            {s === 'logged_out' && b('login', 'Log in')}
            {(s === 'not_ready' || s === 'wrap_up') && b('ready', 'Ready')}
            {(s === 'ready' || s === 'wrap_up' || s === 'not_ready') && (
              <>
                <select aria-label={`Not-ready reason for ${name}`} value={reason} onChange={(e) => setReason(e.currentTarget.value)}>
                  {REASONS.map(([k, l]) => (
                    <option key={k} value={k}>
                      {l}
                    </option>
                  ))}
                </select>
                {b('not_ready', 'Not ready', reason)}
              </>
            )}
            {s !== 'logged_out' && b('logout', 'Log out')}
          </div>
        </td>
      )}
    </tr>
  );
}
