// My status (S1.3, S2.1): the status everyone sees now, the form to change or clear it, and the
// statuses scheduled ahead (S9.1) and the calendar that schedules meetings (S11.3).
// Automatic statuses (S2.2) are shown but never offered.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { AgentControls, agentCommand, agentWords } from '../agent.js';
import { RecentCalls } from '../calls.js';
import { clock, duration, when } from '../format.js';
import { loadPolicy, loadQueues, loadSettings } from '../directory.js';
import type { QueueInfo } from '../directory.js';
import { useLive, useLoad, useNow } from '../hooks.js';
import { live } from '../live.js';
import { useMe } from '../session.js';
import { STATUS_CATALOG, StatusBadge, agentInfo } from '../status.js';
import { ScheduleCard } from '../schedule.js';
import { CalendarCard } from '../calendar.js';
import { StatusForm } from '../statusform.js';
import { ErrorNote, Loading, Notice, Page } from '../ui.js';
import { labelOf } from './board.js';

const AUTOMATIC = Object.values(STATUS_CATALOG).filter((s) => !s.manual);

export function MyStatus(): JSX.Element {
  useLive();
  useNow(30_000);
  const me = useMe();
  const policy = useLoad(loadPolicy, 'policy');
  const settings = useLoad(() => loadSettings(me.user?.id ?? ''), `settings:${me.user?.id}`);
  const queues = useLoad(loadQueues, 'queues');
  if (me.user === null) {
    return (
      <Page title="My status">
        <Notice>This sign-in is an API key: it has no status of its own.</Notice>
      </Page>
    );
  }
  const p = live.presence.get(me.user.id);
  if (!p) return <Loading what="your status" />;
  const automatic = !STATUS_CATALOG[p.status as keyof typeof STATUS_CATALOG]?.manual;
  const fwd = settings.data?.forwardingAllowed;
  return (
    <Page title="My status">
      <section class="now card-box" aria-labelledby="now-h">
        <h2 id="now-h" class="sr">
          Everyone sees you as
        </h2>
        <div class="now-row">
          <StatusBadge status={p.status} label={labelOf(p)} colour={p.colour} icon={p.icon} />
          <span class="muted">
            since {when(p.since)} ({duration(Date.now() - p.since)})
          </span>
          {p.until !== undefined && <span class="muted">· until {when(p.until)}</span>}
        </div>
        {p.text && p.status !== 'custom' && <p class="now-text">“{p.text}”</p>}
        {automatic && (
          <p class="muted small">
            {p.label} is set automatically
            {p.manual
              ? `; your chosen status (${STATUS_CATALOG[p.manual.status as keyof typeof STATUS_CATALOG]?.label ?? p.manual.status}) applies again when it ends`
              : ''}
            .
          </p>
        )}
      </section>
      {queues.data && (
        <MyQueues userId={me.user.id} queues={queues.data.filter((q) => q.agents.includes(me.user!.id))} />
      )}
      <section class="card-box" aria-labelledby="set-h">
        <h2 id="set-h">Set my status</h2>
        <StatusForm
          target={p}
          self
          allowed={policy.data?.manualStatuses}
          forwardingAllowed={typeof fwd === 'boolean' ? fwd : undefined}
        />
      </section>
      <ScheduleCard
        userId={me.user.id}
        self
        name={p.name}
        allowed={policy.data?.manualStatuses}
        refreshKey={`${p.status}:${p.since}:${p.manual?.setAt ?? ''}`}
      />
      <CalendarCard userId={me.user.id} />
      <RecentCalls userId={me.user.id} title="My recent calls" />
      <p class="muted small">
        Set automatically, never by hand: {AUTOMATIC.map((s) => s.label).join(', ')}. While this page is open it tells
        the server you are active, so you show as idle only after a while without using it.
      </p>
    </Page>
  );
}

/** S1.6: the agent's own state in each of their queues, and the controls to change it. */
function MyQueues({ userId, queues }: { userId: string; queues: readonly QueueInfo[] }): JSX.Element | null {
  const now = useNow(1000);
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  if (queues.length === 0) return null;
  const command = async (q: QueueInfo, action: string, reason?: string): Promise<void> => {
    setError(undefined);
    setDone(undefined);
    setBusy(`${q.id}:${action}`);
    try {
      setDone(await agentCommand(q.id, q.name, userId, 'You', action, reason));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <section class="card-box" aria-labelledby="myq-h">
      <h2 id="myq-h">My queues</h2>
      <ErrorNote error={error} />
      {done && (
        <Notice kind="ok" focus>
          {done}
        </Notice>
      )}
      <ul class="my-queues">
        {queues.map((q) => {
          const row = live.agents.get(q.id)?.get(userId) ?? { userId, queueId: q.id, state: 'logged_out', since: 0 };
          const info = agentInfo(row.state);
          const mine = busy?.startsWith(`${q.id}:`) ? busy.slice(q.id.length + 1) : busy === undefined ? undefined : '';
          return (
            <li key={q.id} data-queue={q.id} data-state={row.state}>
              <div class="myq-head">
                <a href={`/queues/${encodeURIComponent(q.id)}`} class="myq-name">
                  {q.name}
                </a>
                <StatusBadge
                  status={row.state}
                  label={agentWords(row, now)}
                  colour={info.colour}
                  icon={info.icon}
                  compact
                />
                {row.state !== 'logged_out' && row.state !== 'wrap_up' && row.since > 0 && (
                  <span class="muted small">for {clock(now - row.since)}</span>
                )}
              </div>
              {row.state === 'wrap_up' && (
                <p class="muted small">
                  Wrap-up: time to finish the last call’s notes before the next one. “Ready” ends it now.
                </p>
              )}
              <AgentControls
                row={row}
                name={q.name}
                busy={mine}
                onCommand={(action, reason) => void command(q, action, reason)}
              />
            </li>
          );
        })}
      </ul>
    </section>
  );
}
