// The queue wallboard (S4): per queue, waiting callers and their wait, today's counters, and
// every agent's state with reason and time in state (wrap-up with its countdown). Supervisors of
// a queue and admins change any agent's state from here, an agent their own (S1.6); a plain
// user sees the queues they are an agent of.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { AgentControls, agentCommand, reasonLabel } from '../agent.js';
import { loadQueues } from '../directory.js';
import { useReasons } from '../reasons.js';
import { ReasonReport } from './queue-report.js';
import type { QueueInfo } from '../directory.js';
import { clock, plural } from '../format.js';
import { useLive, useLoad, useNow } from '../hooks.js';
import { live } from '../live.js';
import type { AgentRow } from '../live.js';
import { useMe } from '../session.js';
import { StatusBadge, agentInfo } from '../status.js';
import { ErrorNote, Loading, Notice, Page, flash } from '../ui.js';

export function Wallboard({ queueId }: { queueId?: string | undefined }): JSX.Element {
  useLive();
  // S9.2: reasons are shown by the tenant's label; re-render once the list is known.
  useReasons();
  const me = useMe();
  const queues = useLoad(loadQueues, 'queues');
  if (queues.error) {
    return (
      <Page title="Queues">
        <ErrorNote error={queues.error} onRetry={queues.reload} />
      </Page>
    );
  }
  if (!queues.data) return <Loading what="the queues" />;
  // S5.1: a queue's live state is for its agents, supervisors and admins.
  const mine =
    me.role === 'user' ? queues.data.filter((q) => me.user !== null && q.agents.includes(me.user.id)) : queues.data;
  const list = queueId ? mine.filter((q) => q.id === queueId || q.extension === queueId) : mine;
  return (
    <Page title="Queues" wide>
      {mine.length > 1 && (
        <nav class="tabs" aria-label="Queues">
          <a href="/queues" aria-current={queueId === undefined ? 'page' : undefined}>
            All queues
          </a>
          {mine.map((q) => (
            <a
              key={q.id}
              href={`/queues/${encodeURIComponent(q.id)}`}
              aria-current={queueId === q.id ? 'page' : undefined}
            >
              {q.name}
            </a>
          ))}
        </nav>
      )}
      {list.length === 0 && (
        <p class="empty">
          {queueId
            ? `There is no queue “${queueId}” for you.`
            : me.role === 'user'
              ? 'You are not an agent of any queue.'
              : 'This company has no call queues yet.'}
        </p>
      )}
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
  const canCommand =
    me.role === 'admin' || (me.role === 'supervisor' && me.user !== null && q.supervisors.includes(me.user.id));
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
      setDone(await agentCommand(q.id, q.name, userId, userId === me.user?.id ? 'You' : name, action, reason));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };
  const mayCommand = (userId: string): boolean => canCommand || userId === me.user?.id;
  const showChange = agents.some((a) => mayCommand(a.row.userId));

  return (
    <section class="queue card-box" aria-labelledby={`q-${q.id}`} data-queue={q.id}>
      <h2 id={`q-${q.id}`}>
        {q.name} {q.extension && <span class="muted">· {q.extension}</span>}
      </h2>
      <div class="tiles">
        <div class={`tile${waiting.length > 0 ? ' alert' : ''}`}>
          <div class="n" data-testid="waiting">
            {waiting.length}
          </div>
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
          <div class="n" data-testid="answered">
            {snap?.answeredToday ?? 0}
          </div>
          <div class="l">answered today</div>
        </div>
        <div class="tile">
          <div class="n" data-testid="missed">
            {snap?.missedToday ?? 0}
          </div>
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
      {done && (
        <Notice kind="ok" focus>
          {done}
        </Notice>
      )}
      <div class="table-wrap">
        <table class="agents">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">State</th>
              <th scope="col">Reason</th>
              <th scope="col">In state</th>
              <th scope="col">Calls</th>
              {showChange && <th scope="col">Change</th>}
            </tr>
          </thead>
          <tbody>
            {agents.map(({ row, name, extension }) => (
              <AgentLine
                key={row.userId}
                row={row}
                name={name}
                extension={extension}
                now={now}
                showChange={showChange}
                canCommand={mayCommand(row.userId)}
                busy={busy}
                command={command}
                flashAt={live.changedAt.get(`a:${q.id}:${row.userId}`)}
              />
            ))}
          </tbody>
        </table>
      </div>
      {agents.length === 0 && <p class="empty">No agents in this queue.</p>}
      <p class="muted small">{plural(snap?.overflowedToday ?? 0, 'caller')} overflowed today.</p>
      <ReasonReport queueId={q.id} name={q.name} />
    </section>
  );
}

function AgentLine({
  row,
  name,
  extension,
  now,
  showChange,
  canCommand,
  busy,
  command,
  flashAt,
}: {
  row: AgentRow;
  name: string;
  extension: string;
  now: number;
  showChange: boolean;
  canCommand: boolean;
  busy: string | undefined;
  command: (userId: string, name: string, action: string, reason?: string) => Promise<void>;
  flashAt: number | undefined;
}): JSX.Element {
  const info = agentInfo(row.state);
  const s = row.state;
  const ref = useRef<HTMLTableRowElement>(null);
  useEffect(() => {
    if (flashAt !== undefined && Date.now() - flashAt < 1500) flash(ref.current);
  }, [flashAt]);
  const mine = busy?.startsWith(`${row.userId}:`)
    ? busy.slice(row.userId.length + 1)
    : busy === undefined
      ? undefined
      : '';
  return (
    <tr ref={ref} data-agent={row.userId} data-state={s}>
      <td>
        <a href={`/users/${encodeURIComponent(row.userId)}`}>{name}</a> <span class="muted small">{extension}</span>
      </td>
      <td>
        <StatusBadge status={s} label={info.label} colour={info.colour} icon={info.icon} compact />
      </td>
      <td data-label="Reason" data-reason={row.reason}>
        {reasonLabel(row.reason)}
        {s === 'not_ready' && row.reasonUntil !== undefined && (
          <span class="muted small"> · {clock(row.reasonUntil - now)} left</span>
        )}
      </td>
      <td data-label={s === 'wrap_up' && row.wrapUpUntil !== undefined ? 'Wrap-up left' : 'In state'} class="since">
        {s === 'wrap_up' && row.wrapUpUntil !== undefined
          ? clock(row.wrapUpUntil - now)
          : s === 'logged_out' || row.since === 0
            ? ''
            : clock(now - row.since)}
      </td>
      <td data-label="Calls">{row.callsToday ?? ''}</td>
      {showChange && (
        <td class="actions">
          {canCommand && (
            <AgentControls
              row={row}
              name={name}
              busy={mine}
              onCommand={(action, reason) => void command(row.userId, name, action, reason)}
            />
          )}
        </td>
      )}
    </tr>
  );
}
