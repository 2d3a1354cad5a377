// "Why didn't it ring?" (S3, S9.5): pick a caller and a target, see the routing decision the
// server would take right now, with the rules that applied in words (POST /api/v1/route).
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { loadGroups, loadQueues } from '../directory.js';
import { useLive, useLoad } from '../hooks.js';
import { live } from '../live.js';
import { useMe } from '../session.js';
import { ErrorNote, Page } from '../ui.js';
import { PastCall, PastCallPicker } from './why-call.js';
import type { AnsweringAction, Decision, Owner, RouteTarget } from '../../../src/core/wire.js';

const nameOf = (id: string | undefined): string => (id === undefined ? 'someone' : (live.presence.get(id)?.name ?? id));
const CONDITION: Record<string, string> = {
  dnd: 'do not disturb',
  busy: 'busy',
  unreachable: 'unreachable',
  noAnswer: 'no answer',
  closed: 'closed: outside office hours, a holiday or night mode',
};
const DEVICE: Record<string, string> = {
  app: 'app',
  terminal: 'desk phone',
  pbx: 'PBX phone',
  external: 'outside number',
};

function targetWords(t: RouteTarget): string {
  if (t.kind === 'user') return nameOf(t.id);
  if (t.kind === 'extension') return `extension ${t.extension}`;
  if (t.kind === 'external') return t.number;
  return `${t.kind} ${t.id}`;
}

export function actionWords(a: AnsweringAction): string {
  switch (a.type) {
    case 'voicemail':
      return 'goes to voicemail';
    case 'busyTone':
      return 'hears the busy tone';
    case 'message':
      return 'hears a message, then the call ends';
    case 'redirect':
      return `is redirected to ${targetWords(a.target)}`;
    case 'external':
      return `is sent on to ${a.number}`;
    case 'reject':
      return 'is rejected';
    case 'queue':
      return `waits in queue ${a.queueId}`;
    case 'wait':
      return `is held until the call ends (at most ${a.maxWaitSec} s)`;
  }
}

function ownerWords(o: Owner | undefined): string {
  if (!o) return 'The call';
  return o.kind === 'user' ? nameOf(o.id) : `${o.kind === 'group' ? 'Group' : 'Queue'} ${o.id}`;
}

/** The decision in one sentence. */
export function headline(d: Decision): string {
  switch (d.outcome) {
    case 'ring': {
      const people = new Set(d.ring.map((r) => r.userId ?? r.number ?? '')).size;
      return `It rings: ${d.ring.length} device${d.ring.length === 1 ? '' : 's'}${people > 1 ? ` of ${people} people` : ''}, for up to ${d.timeoutSec} s.`;
    }
    case 'action':
      return `It does not ring: the caller ${actionWords(d.action.action)} (${CONDITION[d.action.condition] ?? d.action.condition}).`;
    case 'forward':
      return `It does not ring here: ${ownerWords(d.target)} forwards calls to ${d.to}.`;
    case 'reject':
      return `The call is refused: ${d.reason}.`;
    case 'queue':
      return d.offerTo.length > 0
        ? `The caller waits in the queue; it would be offered to ${d.offerTo.map(nameOf).join(', ')}.`
        : 'The caller waits in the queue: no agent can take it right now.';
    case 'external':
      return `The call goes out to ${d.number}.`;
    case 'wait':
      return `The caller is held until ${ownerWords(d.target)}’s other call ends, then it rings; after ${d.maxWaitSec} s the caller ${actionWords(d.fallback.action)}.`;
  }
}

function DecisionView({ d, nested = false }: { d: Decision; nested?: boolean }): JSX.Element {
  return (
    <div class={nested ? 'explain nested' : 'explain'}>
      <p class={`outcome outcome-${d.outcome}`} data-outcome={d.outcome}>
        {headline(d)}
      </p>
      {d.outcome === 'ring' && d.ring.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Rings</th>
                <th scope="col">Device</th>
                <th scope="col">Starts after</th>
                <th scope="col">Stops after</th>
              </tr>
            </thead>
            <tbody>
              {d.ring.map((r, i) => (
                <tr key={i}>
                  <td>
                    {r.userId ? nameOf(r.userId) : (r.number ?? '')}
                    {r.forwardedFrom && <span class="muted small"> (for {nameOf(r.forwardedFrom)})</span>}
                  </td>
                  <td>{DEVICE[r.kind] ?? r.kind}</td>
                  <td>{r.startSec} s</td>
                  <td>{r.stopSec !== undefined ? `${r.stopSec} s` : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {d.outcome === 'ring' && (
        <p class="muted">
          If nobody answers, the caller {actionWords(d.onNoAnswer.action)}
          {d.onNoAnswer.defaulted ? ' (the default)' : ''}.
        </p>
      )}
      {/* Headings follow the page's outline: h2 for the decision, h3 inside, h4 when nested. */}
      {nested ? <h4>Why</h4> : <h3>Why</h3>}
      <ol>
        {d.explanation.map((e, i) => (
          <li key={i}>
            <span class="rule">{e.rule}</span>
            {e.text}
          </li>
        ))}
      </ol>
      {'next' in d && d.next && (
        <div class="card-box">
          <h3>Then, at the new destination</h3>
          <DecisionView d={d.next} nested />
        </div>
      )}
    </div>
  );
}

export function WhyPage(): JSX.Element {
  useLive();
  const me = useMe();
  const params = new URLSearchParams(location.search);
  const [fromKind, setFromKind] = useState<'user' | 'external'>(params.get('fromNumber') ? 'external' : 'user');
  const [fromUser, setFromUser] = useState(params.get('from') ?? me.user?.id ?? '');
  const [fromNumber, setFromNumber] = useState(params.get('fromNumber') ?? '+4930123456');
  const [toKind, setToKind] = useState<'user' | 'group' | 'queue'>(
    (params.get('kind') as 'user' | 'group' | 'queue' | null) ?? 'user',
  );
  const [to, setTo] = useState(params.get('to') ?? '');
  const [callId, setCallId] = useState(params.get('call') ?? undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [decision, setDecision] = useState<Decision>();
  const groups = useLoad(loadGroups, 'groups');
  const queues = useLoad(loadQueues, 'queues');
  const people = [...live.presence.values()].sort((a, b) => a.name.localeCompare(b.name));
  const options: { id: string; label: string }[] =
    toKind === 'user'
      ? people.map((p) => ({ id: p.userId, label: `${p.name} (${p.extension}) — ${p.label}` }))
      : toKind === 'group'
        ? (groups.data ?? []).map((g) => ({ id: g.id, label: `${g.name}${g.extension ? ` (${g.extension})` : ''}` }))
        : (queues.data ?? []).map((q) => ({ id: q.id, label: `${q.name}${q.extension ? ` (${q.extension})` : ''}` }));
  // By default, a colleague other than the caller.
  const target = options.some((o) => o.id === to)
    ? to
    : (options.find((o) => o.id !== fromUser)?.id ?? options[0]?.id ?? '');

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setDecision(undefined);
    try {
      const body = {
        from: fromKind === 'user' ? { user: fromUser } : { external: fromNumber.trim() },
        to: { [toKind]: target },
      };
      const r = await api<{ decision: Decision }>('POST', '/api/v1/route', body);
      setDecision(r.decision);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="Why didn’t it ring?">
      <p class="muted">
        Pick a past call to see how it was routed at that moment, or pick who calls and whom they call: Switchboard
        shows what would happen to that call right now, and which rules decided it.
      </p>
      <PastCallPicker selected={callId} onPick={setCallId} />
      {callId !== undefined && <PastCall id={callId} render={(d) => <DecisionView d={d} />} />}
      <h2>A call made now</h2>
      <form class="card-box" onSubmit={(e) => void submit(e)}>
        <div class="why-grid">
          <fieldset>
            <legend>Caller</legend>
            <div class="pills">
              <label class={`pill${fromKind === 'user' ? ' selected' : ''}`}>
                <input
                  type="radio"
                  name="fromKind"
                  checked={fromKind === 'user'}
                  onChange={() => setFromKind('user')}
                />
                A colleague
              </label>
              <label class={`pill${fromKind === 'external' ? ' selected' : ''}`}>
                <input
                  type="radio"
                  name="fromKind"
                  checked={fromKind === 'external'}
                  onChange={() => setFromKind('external')}
                />
                An outside number
              </label>
            </div>
            {fromKind === 'user' ? (
              <div class="stack">
                <label for="why-from">Calling colleague</label>
                <select id="why-from" name="from" value={fromUser} onChange={(e) => setFromUser(e.currentTarget.value)}>
                  {people.map((p) => (
                    <option key={p.userId} value={p.userId}>
                      {p.name} ({p.extension})
                    </option>
                  ))}
                </select>
              </div>
            ) : (
              <label>
                Calling number
                <input
                  name="fromNumber"
                  inputMode="tel"
                  value={fromNumber}
                  pattern="\+?[0-9]{2,20}"
                  onInput={(e) => setFromNumber(e.currentTarget.value)}
                />
              </label>
            )}
          </fieldset>
          <fieldset>
            <legend>Called</legend>
            <div class="pills">
              {(['user', 'group', 'queue'] as const).map((k) => (
                <label key={k} class={`pill${toKind === k ? ' selected' : ''}`}>
                  <input type="radio" name="toKind" checked={toKind === k} onChange={() => setToKind(k)} />
                  {k === 'user' ? 'A person' : k === 'group' ? 'A group' : 'A queue'}
                </label>
              ))}
            </div>
            <div class="stack">
              <label for="why-to">{toKind === 'user' ? 'Person' : toKind === 'group' ? 'Group' : 'Queue'}</label>
              <select id="why-to" name="to" value={target} onChange={(e) => setTo(e.currentTarget.value)}>
                {options.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.label}
                  </option>
                ))}
              </select>
            </div>
          </fieldset>
        </div>
        <button type="submit" class="primary" disabled={busy || target === ''}>
          {busy ? 'Working it out…' : 'Explain'}
        </button>
      </form>
      <ErrorNote error={error ?? (toKind === 'group' ? groups.error : toKind === 'queue' ? queues.error : undefined)} />
      {decision && (
        <section class="card-box" aria-live="polite" aria-labelledby="decision-h">
          <h2 id="decision-h">Routing decision</h2>
          <DecisionView d={decision} />
        </section>
      )}
    </Page>
  );
}
