// S1.3/S2.1: pick a manual status with optional text, an end (presets or a chosen time) and,
// for forwarding, a destination; or clear it. Used for oneself and, by admins, for anyone.
// Each choice says in one line what it does to calls; after a change focus moves to the
// confirmation, so a keyboard or screen-reader user hears the result and is never left on <body>.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { loadSettings } from './directory.js';
import { when } from './format.js';
import { useLoad } from './hooks.js';
import { live } from './live.js';
import { REASON_STATUSES, ReasonPick } from './reasonpick.js';
import type { Presence } from './live.js';
import { Icon, MANUAL_STATUSES, statusInfo } from './status.js';
import { ErrorNote, Notice } from './ui.js';

/** S2.1 and S3.1 in a person's words: what each manual status does to calls. */
export const STATUS_EFFECT: Record<string, string> = {
  available: 'Calls ring as usual. Replaces any status chosen before.',
  away: 'Calls ring as usual; colleagues see you may be slow to answer.',
  custom: 'Calls ring as usual; the text is shown as the status.',
  at_desk: 'Desk phones ring at once, the app after the desk delay.',
  busy: 'Direct calls get the “busy” action; group calls skip this person.',
  dnd: 'Nothing rings: callers get the “do not disturb” action and a missed call is noted.',
  absent: 'Unreachable: callers get the “unreachable” action; groups skip this person.',
  forwarding: 'Every call goes to the number given below.',
  blocked: 'Calls to and from this person are refused.',
};

/** S2.7, S3.1#2: whether a forwarding destination is a colleague's extension or leaves through the PBX. */
export function forwardNote(to: string, ownExtension: string): string | undefined {
  const n = to.trim();
  if (!/^\+?[0-9]{2,20}$/.test(n)) return undefined;
  if (n === ownExtension) return 'That is this person’s own extension: forwarding to it is refused.';
  const colleague = [...live.presence.values()].find((p) => p.extension === n);
  if (colleague) return `Calls go to ${colleague.name} (extension ${n}).`;
  return `${n} is not an extension of anyone here: calls are sent out through the PBX to this outside number.`;
}

type Ends = 'none' | '30m' | '1h' | 'eod' | 'at';

function endOfDay(now: number): number {
  const d = new Date(now);
  d.setHours(23, 59, 0, 0);
  return d.getTime();
}

function localInput(t: number): string {
  const d = new Date(t - new Date(t).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export function untilFor(ends: Ends, at: string, now: number): number | undefined {
  switch (ends) {
    case 'none':
      return undefined;
    case '30m':
      return now + 30 * 60_000;
    case '1h':
      return now + 60 * 60_000;
    case 'eod':
      return endOfDay(now);
    case 'at':
      return at ? new Date(at).getTime() : NaN;
  }
}

export function StatusForm({
  target,
  self,
  allowed,
  forwardingAllowed,
  canBlock = false,
  onDone,
}: {
  target: Presence;
  self: boolean;
  /** The tenant's policy `manualStatuses`; undefined: all. */
  allowed?: readonly string[];
  /** The user's `forwardingAllowed`; undefined: not known, offer it and let the server decide. */
  forwardingAllowed?: boolean;
  /** Blocked is an administrator's measure for someone else (S5.1): offered only then. */
  canBlock?: boolean;
  onDone?: (p: Presence) => void;
}): JSX.Element {
  const manual = target.manual;
  const [status, setStatus] = useState<string>(manual?.status ?? 'available');
  const [text, setText] = useState(manual?.text ?? '');
  const [ends, setEnds] = useState<Ends>('none');
  const [at, setAt] = useState(() => localInput(Date.now() + 2 * 3600_000));
  const [forwardTo, setForwardTo] = useState(manual?.forwardTo ?? target.indicators.forwardTo ?? '');
  const [reason, setReason] = useState(manual?.reason ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();

  // Whether the person may forward (S2.7), when the page did not say: asked once; until the
  // answer (or when it cannot be read) Forwarding is offered and the server decides.
  const settings = useLoad(
    () => (forwardingAllowed === undefined ? loadSettings(target.userId) : Promise.resolve(undefined)),
    `fwd:${target.userId}:${String(forwardingAllowed)}`,
  );
  const mayForward = forwardingAllowed ?? settings.data?.forwardingAllowed;
  const offered = MANUAL_STATUSES.filter(
    (s) =>
      (allowed === undefined || allowed.includes(s) || s === 'available') &&
      (s !== 'forwarding' || mayForward !== false || manual?.status === 'forwarding') &&
      (s !== 'blocked' || canBlock || manual?.status === 'blocked'),
  );
  // A new choice starts with an empty text: the text belonged to the status it was written for.
  const choose = (s: string): void => {
    setStatus(s);
    setText(s === manual?.status ? (manual.text ?? '') : '');
  };
  const note = status === 'forwarding' ? forwardNote(forwardTo, target.extension) : undefined;
  const who = self ? 'your' : `${target.name}’s`;
  const path = `/api/v1/users/${encodeURIComponent(target.userId)}/status`;

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    setError(undefined);
    setDone(undefined);
    const now = Date.now();
    const until = untilFor(ends, at, now);
    if (until !== undefined && (Number.isNaN(until) || until <= now)) {
      setError(new Error('Choose an end time in the future.'));
      return;
    }
    if (status === 'custom' && text.trim() === '') {
      setError(new Error('A custom status needs a text: say what you are doing.'));
      return;
    }
    setBusy(true);
    try {
      const body = {
        status,
        ...(text.trim() !== '' && status !== 'available' ? { text: text.trim() } : {}),
        ...(until !== undefined && status !== 'available' ? { until: new Date(until).toISOString() } : {}),
        ...(status === 'forwarding' ? { forwardTo: forwardTo.trim() } : {}),
        ...(reason !== '' && REASON_STATUSES.includes(status) ? { reason } : {}),
      };
      const p = await api<Presence>('PUT', path, body);
      setDone(
        status === 'available'
          ? `${self ? 'You are' : `${target.name} is`} available again.`
          : `Set ${who} status to ${statusInfo(status).label}${until !== undefined ? ` until ${when(until)}` : ''}.`,
      );
      onDone?.(p);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const clear = async (): Promise<void> => {
    if (busy) return;
    setError(undefined);
    setDone(undefined);
    setBusy(true);
    try {
      const p = await api<Presence>('DELETE', path);
      setDone(`Cleared ${who} status: it now follows ${self ? 'your' : 'their'} phones and sign-in.`);
      setStatus('available');
      setText('');
      onDone?.(p);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const textId = `text-${target.userId}`;
  return (
    <form class="status-form" onSubmit={(e) => void submit(e)}>
      <fieldset>
        <legend>Status</legend>
        <div class="choices">
          {offered.map((s) => {
            const info = statusInfo(s);
            const effectId = `effect-${target.userId}-${s}`;
            return (
              <label key={s} class={`choice c-${info.colour}${status === s ? ' selected' : ''}`}>
                <input
                  type="radio"
                  name={`status-${target.userId}`}
                  value={s}
                  checked={status === s}
                  onChange={() => choose(s)}
                  aria-describedby={effectId}
                />
                <Icon name={info.icon} />
                <span class="choice-text">
                  <span>{s === 'custom' ? 'Custom text' : info.label}</span>
                  <span class="effect" id={effectId}>
                    {STATUS_EFFECT[s]}
                  </span>
                </span>
              </label>
            );
          })}
        </div>
      </fieldset>
      {status !== 'available' && (
        <>
          <label for={textId}>
            {status === 'custom' ? 'Text (shown as the status)' : 'Text (optional)'}
            <input
              id={textId}
              name="text"
              maxLength={100}
              required={status === 'custom'}
              value={text}
              placeholder={status === 'custom' ? 'e.g. Working from the Berlin office' : 'e.g. Back at 3'}
              onInput={(e) => setText(e.currentTarget.value)}
            />
            <span class="hint">{100 - [...text].length} characters left</span>
          </label>
          {status === 'forwarding' && (
            <label>
              Forward calls to
              <input
                name="forwardTo"
                inputMode="tel"
                required
                pattern="\+?[0-9]{2,20}"
                value={forwardTo}
                placeholder="a phone number or extension"
                aria-describedby={note ? `fwd-note-${target.userId}` : undefined}
                onInput={(e) => setForwardTo(e.currentTarget.value)}
              />
              {note && (
                <span
                  class="hint fwd-note"
                  id={`fwd-note-${target.userId}`}
                  data-external={String(note.includes('outside number'))}
                >
                  {note}
                </span>
              )}
            </label>
          )}
          {REASON_STATUSES.includes(status) && (
            <ReasonPick id={`reason-${target.userId}`} value={reason} onChange={setReason} />
          )}
          <fieldset>
            <legend>Ends</legend>
            <div class="pills">
              {(
                [
                  ['none', 'When I change it'],
                  ['30m', 'In 30 min'],
                  ['1h', 'In 1 hour'],
                  ['eod', 'End of day'],
                  ['at', 'At a time…'],
                ] as [Ends, string][]
              ).map(([v, label]) => (
                <label key={v} class={`pill${ends === v ? ' selected' : ''}`}>
                  <input
                    type="radio"
                    name={`ends-${target.userId}`}
                    value={v}
                    checked={ends === v}
                    onChange={() => setEnds(v)}
                  />
                  {v === 'none' && !self ? 'Until changed' : label}
                </label>
              ))}
            </div>
            {ends === 'at' && (
              <label>
                End time
                <input
                  type="datetime-local"
                  name="until"
                  value={at}
                  onInput={(e) => setAt(e.currentTarget.value)}
                  required
                />
              </label>
            )}
          </fieldset>
        </>
      )}
      <ErrorNote error={error} />
      {/* D4/D8: the confirmation takes the focus (the Clear button it came from may be gone). */}
      {done && (
        <Notice kind="ok" focus>
          {done}
        </Notice>
      )}
      <div class="buttons">
        <button type="submit" class="primary" aria-disabled={busy ? 'true' : undefined}>
          {status === 'available' ? 'Set available' : 'Set status'}
        </button>
        {target.manual !== undefined && (
          <span class="clear">
            <button
              type="button"
              class="link"
              onClick={() => void clear()}
              aria-disabled={busy ? 'true' : undefined}
              aria-describedby={`clear-${target.userId}`}
            >
              Clear status
            </button>
            <span class="hint" id={`clear-${target.userId}`}>
              Removes the chosen status; what shows then follows phones and sign-in.
            </span>
          </span>
        )}
      </div>
    </form>
  );
}
