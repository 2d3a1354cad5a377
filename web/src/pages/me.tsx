// My status (S1.3, S2.1): the status everyone sees now, and the form to change or clear it.
// Automatic statuses (S2.2) are shown but never offered.
import type { JSX } from 'preact';
import { duration, when } from '../format.js';
import { loadPolicy, loadSettings } from '../directory.js';
import { useLive, useLoad, useNow } from '../hooks.js';
import { live } from '../live.js';
import { useMe } from '../session.js';
import { STATUS_CATALOG, StatusBadge } from '../status.js';
import { StatusForm } from '../statusform.js';
import { Loading, Notice, Page } from '../ui.js';
import { labelOf } from './board.js';

const AUTOMATIC = Object.values(STATUS_CATALOG).filter((s) => !s.manual);

export function MyStatus(): JSX.Element {
  useLive();
  useNow(30_000);
  const me = useMe();
  const policy = useLoad(loadPolicy, 'policy');
  const settings = useLoad(() => loadSettings(me.user?.id ?? ''), `settings:${me.user?.id}`);
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
        <h2 id="now-h" class="sr">Everyone sees you as</h2>
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
            {p.label} is set automatically{p.manual ? `; your chosen status (${STATUS_CATALOG[p.manual.status as keyof typeof STATUS_CATALOG]?.label ?? p.manual.status}) applies again when it ends` : ''}.
          </p>
        )}
      </section>
      <section class="card-box" aria-labelledby="set-h">
        <h2 id="set-h">Set my status</h2>
        <StatusForm target={p} self allowed={policy.data?.manualStatuses} forwardingAllowed={typeof fwd === 'boolean' ? fwd : undefined} />
      </section>
      <p class="muted small">
        Set automatically, never by hand: {AUTOMATIC.map((s) => s.label).join(', ')}. While this page is open it tells the server you are active, so you
        show as idle only after a while without using it.
      </p>
    </Page>
  );
}
