// The tenant's policies, as an admin edits them.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { loadPolicy } from '../directory.js';
import type { Policy } from '../directory.js';
import { useLoad } from '../hooks.js';
import { MANUAL_STATUSES, StatusBadge, statusInfo } from '../status.js';
import { ErrorNote, Loading, Notice } from '../ui.js';

export function PolicyForm(): JSX.Element {
  const policy = useLoad(loadPolicy, 'policy');
  if (policy.error) return <ErrorNote error={policy.error} onRetry={policy.reload} />;
  if (!policy.data) return <Loading what="the policies" />;
  return <PolicyEditor policy={policy.data} />;
}

function PolicyEditor({ policy }: { policy: Policy }): JSX.Element {
  const [p, setP] = useState<Policy>(policy);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const num = (k: keyof Policy, label: string, hint: string, min: number, max: number): JSX.Element => (
    <label>
      {label}
      <input
        type="number"
        min={min}
        max={max}
        required
        value={String(p[k] ?? '')}
        onInput={(e) => setP({ ...p, [k]: Number(e.currentTarget.value) })}
      />
      <span class="hint">{hint}</span>
    </label>
  );
  const bool = (k: keyof Policy, label: string): JSX.Element => (
    <label class="check">
      <input type="checkbox" checked={Boolean(p[k])} onChange={(e) => setP({ ...p, [k]: e.currentTarget.checked })} />
      {label}
    </label>
  );
  const statuses = p.manualStatuses ?? MANUAL_STATUSES;
  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const changed = Object.fromEntries(
        Object.entries(p).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(policy[k as keyof Policy])),
      );
      const saved = await api<Policy>('PUT', '/api/v1/tenant/policy', changed);
      setP(saved);
      setDone(Object.keys(changed).length === 0 ? 'Nothing to change.' : 'Saved the policies.');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void save(e)}>
      <section class="card-box">
        <h2>Presence</h2>
        <div class="form-grid">
          {num('idleAfterSec', 'Idle after (seconds)', 'Without activity in the app, a user shows as idle.', 1, 86400)}
          {num(
            'sessionTimeoutSec',
            'App session timeout (seconds)',
            'An app that stops sending heartbeats is signed out.',
            1,
            86400,
          )}
          {num(
            'defaultDeskDelaySec',
            'Default desk delay (seconds)',
            'For “At the desk”, unless the user has their own.',
            1,
            600,
          )}
          {num('maxCallSec', 'Longest call (seconds)', 'A call with no update for this long is ended.', 60, 604800)}
          <label>
            Time zone
            <input
              value={p.timezone ?? ''}
              required
              onInput={(e) => setP({ ...p, timezone: e.currentTarget.value })}
              placeholder="e.g. Europe/Berlin"
            />
            <span class="hint">Days in reports and office hours follow this zone.</span>
          </label>
        </div>
        <div class="form-grid">
          {bool('statusIndependentOfLogin', 'Status independent of login')}
          {bool('adminsSetOthers', 'Admins may set others’ status')}
        </div>
      </section>
      <section class="card-box">
        <fieldset>
          <legend>Statuses people may choose</legend>
          <div class="choices">
            {MANUAL_STATUSES.map((s) => {
              const info = statusInfo(s);
              const on = statuses.includes(s);
              return (
                <label key={s} class="check">
                  <input
                    type="checkbox"
                    checked={on}
                    disabled={s === 'available'}
                    onChange={(e) =>
                      setP({
                        ...p,
                        manualStatuses: e.currentTarget.checked ? [...statuses, s] : statuses.filter((x) => x !== s),
                      })
                    }
                  />
                  <StatusBadge status={s} label={info.label} colour={info.colour} icon={info.icon} compact />
                </label>
              );
            })}
          </div>
        </fieldset>
      </section>
      <ErrorNote error={error} />
      {done && (
        <Notice kind="ok" focus>
          {done}
        </Notice>
      )}
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Saving…' : 'Save policies'}
      </button>
    </form>
  );
}
