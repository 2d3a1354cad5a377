// One user's answering actions (S3.2) and settings (S2.5), as an admin edits them.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { loadGroups, loadQueues, loadSettings, loadUser } from '../directory.js';
import type { Action, ActionType, Settings, Target } from '../directory.js';
import { useLive, useLoad } from '../hooks.js';
import { live } from '../live.js';
import { ErrorNote, Loading, Notice } from '../ui.js';

const CONDITIONS: [keyof Settings['actions'], string][] = [
  ['dnd', 'When in Do not disturb'],
  ['busy', 'When busy'],
  ['unreachable', 'When unreachable'],
  ['noAnswer', 'When nobody answers'],
];
const ACTION_LABELS: Record<ActionType | '', string> = {
  '': 'Default',
  voicemail: 'Voicemail',
  busyTone: 'Busy tone',
  message: 'Play a message',
  redirect: 'Redirect to a colleague, group or queue',
  external: 'Send to an outside number',
  reject: 'Reject the call',
  queue: 'Put in a queue',
  wait: 'Wait until the call ends',
};
/** S11.4: `wait` is a busy action only. */
const offered = (c: string, type: string): boolean => type !== 'wait' || c === 'busy';

interface ActionDraft {
  type: ActionType | '';
  prompt: string;
  number: string;
  targetKind: 'user' | 'group' | 'queue';
  targetId: string;
  queueId: string;
  maxWaitSec: string;
}

function draftOf(a: Action | undefined): ActionDraft {
  const t = a?.target as { kind: string; id?: string } | undefined;
  return {
    type: a?.type ?? '',
    prompt: a?.prompt ?? '',
    number: a?.number ?? '',
    targetKind: t && (t.kind === 'user' || t.kind === 'group' || t.kind === 'queue') ? t.kind : 'user',
    targetId: t?.id ?? '',
    queueId: a?.queueId ?? '',
    maxWaitSec: String(a?.maxWaitSec ?? 60),
  };
}

function actionOf(d: ActionDraft): Action | undefined {
  switch (d.type) {
    case '':
      return undefined;
    case 'message':
      return d.prompt.trim() ? { type: 'message', prompt: d.prompt.trim() } : { type: 'message' };
    case 'external':
      return { type: 'external', number: d.number.trim() };
    case 'redirect':
      return { type: 'redirect', target: { kind: d.targetKind, id: d.targetId } as Target };
    case 'queue':
      return { type: 'queue', queueId: d.queueId };
    case 'wait':
      return { type: 'wait', maxWaitSec: Number(d.maxWaitSec) };
    default:
      return { type: d.type };
  }
}

export function UserSettings({ userRef }: { userRef: string }): JSX.Element {
  const user = useLoad(() => loadUser(userRef), `u:${userRef}`);
  const settings = useLoad(() => loadSettings(userRef), `s:${userRef}`);
  if (user.error || settings.error)
    return <ErrorNote error={user.error ?? settings.error} onRetry={() => (user.reload(), settings.reload())} />;
  if (!user.data || !settings.data) return <Loading what="the user's settings" />;
  return <SettingsForm key={userRef} user={user.data} settings={settings.data} />;
}

function SettingsForm({
  user,
  settings,
}: {
  user: { id: string; name: string; extension: string; email?: string; role?: string };
  settings: Settings;
}): JSX.Element {
  useLive();
  const groups = useLoad(loadGroups, 'groups');
  const queues = useLoad(loadQueues, 'queues');
  const [name, setName] = useState(user.name);
  const [email, setEmail] = useState(user.email ?? '');
  const [role, setRole] = useState(user.role ?? 'user');
  const [desk, setDesk] = useState(settings.deskDelaySec === undefined ? '' : String(settings.deskDelaySec));
  const [ring, setRing] = useState(String(settings.ringTimeoutSec));
  const [flags, setFlags] = useState({
    callWaiting: settings.callWaiting,
    forwardingAllowed: settings.forwardingAllowed,
    absentAtLogout: settings.absentAtLogout,
    voicemail: settings.voicemail,
  });
  const [actions, setActions] = useState<Record<string, ActionDraft>>(() =>
    Object.fromEntries(CONDITIONS.map(([c]) => [c, draftOf(settings.actions[c])])),
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const people = [...live.presence.values()]
    .filter((p) => p.userId !== user.id)
    .sort((a, b) => a.name.localeCompare(b.name));

  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const actionBody: Record<string, Action> = {};
      for (const [c] of CONDITIONS) {
        const a = actionOf(actions[c]!);
        if (a) actionBody[c] = a;
      }
      // D1: one request for the user and their settings, so the save is all or nothing; an
      // empty desk delay is the company default ("default"), never null.
      const patch: Record<string, unknown> = {
        settings: {
          deskDelaySec: desk.trim() === '' ? 'default' : Number(desk),
          ringTimeoutSec: Number(ring),
          ...flags,
          actions: actionBody,
        },
      };
      if (name.trim() !== user.name) patch.name = name.trim();
      if (email.trim() !== (user.email ?? '') && email.trim() !== '') patch.email = email.trim();
      if (role !== user.role) patch.role = role;
      await api('PATCH', `/api/v1/users/${encodeURIComponent(user.id)}`, patch);
      setDone(`Saved ${name.trim() || user.name}’s settings.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const setAction = (c: string, patch: Partial<ActionDraft>): void =>
    setActions((a) => ({ ...a, [c]: { ...a[c]!, ...patch } }));
  const flag = (k: keyof typeof flags, label: string): JSX.Element => (
    <label class="check">
      <input
        type="checkbox"
        checked={flags[k]}
        onChange={(e) => setFlags({ ...flags, [k]: e.currentTarget.checked })}
      />
      {label}
    </label>
  );

  return (
    <form onSubmit={(e) => void save(e)}>
      <p>
        <a href="/admin">← All users</a>
      </p>
      <section class="card-box">
        <h2>
          {user.name} <span class="muted">· {user.extension}</span>
        </h2>
        <div class="form-grid">
          <label>
            Name
            <input value={name} required maxLength={100} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label>
            Email
            <input type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          </label>
          <label>
            Role
            <select value={role} onChange={(e) => setRole(e.currentTarget.value)}>
              <option value="user">User</option>
              <option value="supervisor">Supervisor</option>
              <option value="admin">Administrator</option>
            </select>
          </label>
        </div>
      </section>
      <section class="card-box">
        <h2>Calls</h2>
        <div class="form-grid">
          <label>
            Desk delay (seconds)
            <input
              type="number"
              min={0}
              max={600}
              value={desk}
              placeholder="company default"
              onInput={(e) => setDesk(e.currentTarget.value)}
            />
            <span class="hint">
              How long the app waits before ringing in “At the desk”. Empty: the company default.
            </span>
          </label>
          <label>
            Ring time (seconds)
            <input
              type="number"
              min={1}
              max={600}
              required
              value={ring}
              onInput={(e) => setRing(e.currentTarget.value)}
            />
            <span class="hint">After this, the no-answer action runs.</span>
          </label>
        </div>
        <div class="form-grid">
          {flag('callWaiting', 'Call waiting')}
          {flag('voicemail', 'Voicemail')}
          {flag('forwardingAllowed', 'May forward calls')}
          {flag('absentAtLogout', 'Absent after signing out')}
        </div>
      </section>
      <section class="card-box">
        <h2>Answering actions</h2>
        <div class="form-grid">
          {CONDITIONS.map(([c, label]) => {
            const d = actions[c]!;
            return (
              <fieldset key={c}>
                <legend>{label}</legend>
                <label>
                  <span class="sr">{label}: action</span>
                  <select
                    value={d.type}
                    onChange={(e) => setAction(c, { type: e.currentTarget.value as ActionType | '' })}
                  >
                    {Object.entries(ACTION_LABELS)
                      .filter(([v]) => offered(c, v))
                      .map(([v, l]) => (
                        <option key={v} value={v}>
                          {l}
                        </option>
                      ))}
                  </select>
                </label>
                {d.type === 'wait' && (
                  <label>
                    Longest wait (seconds)
                    <input
                      type="number"
                      required
                      min={10}
                      max={600}
                      value={d.maxWaitSec}
                      onInput={(e) => setAction(c, { maxWaitSec: e.currentTarget.value })}
                    />
                    <span class="hint">
                      With call waiting off, the caller hears that the user is on another call and rings them as soon as
                      it ends. After this, the no-answer action runs.
                    </span>
                  </label>
                )}
                {d.type === 'message' && (
                  <label>
                    Message
                    <input
                      value={d.prompt}
                      maxLength={200}
                      onInput={(e) => setAction(c, { prompt: e.currentTarget.value })}
                    />
                  </label>
                )}
                {d.type === 'external' && (
                  <label>
                    Number
                    <input
                      inputMode="tel"
                      required
                      pattern="\+?[0-9]{2,20}"
                      value={d.number}
                      onInput={(e) => setAction(c, { number: e.currentTarget.value })}
                    />
                  </label>
                )}
                {d.type === 'redirect' && (
                  <>
                    <label>
                      To a
                      <select
                        value={d.targetKind}
                        onChange={(e) =>
                          setAction(c, { targetKind: e.currentTarget.value as ActionDraft['targetKind'], targetId: '' })
                        }
                      >
                        <option value="user">colleague</option>
                        <option value="group">group</option>
                        <option value="queue">queue</option>
                      </select>
                    </label>
                    <label>
                      Destination
                      <select
                        required
                        value={d.targetId}
                        onChange={(e) => setAction(c, { targetId: e.currentTarget.value })}
                      >
                        <option value="">Choose…</option>
                        {(d.targetKind === 'user'
                          ? people.map((p) => ({ id: p.userId, label: `${p.name} (${p.extension})` }))
                          : d.targetKind === 'group'
                            ? (groups.data ?? []).map((g) => ({ id: g.id, label: g.name }))
                            : (queues.data ?? []).map((q) => ({ id: q.id, label: q.name }))
                        ).map((o) => (
                          <option key={o.id} value={o.id}>
                            {o.label}
                          </option>
                        ))}
                      </select>
                    </label>
                  </>
                )}
                {d.type === 'queue' && (
                  <label>
                    Queue
                    <select
                      required
                      value={d.queueId}
                      onChange={(e) => setAction(c, { queueId: e.currentTarget.value })}
                    >
                      <option value="">Choose…</option>
                      {(queues.data ?? []).map((q) => (
                        <option key={q.id} value={q.id}>
                          {q.name}
                        </option>
                      ))}
                    </select>
                  </label>
                )}
              </fieldset>
            );
          })}
        </div>
      </section>
      <ErrorNote error={error} />
      {done && (
        <Notice kind="ok" focus>
          {done}
        </Notice>
      )}
      <div class="buttons">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}

// ------------------------------------------------------------------ policies
