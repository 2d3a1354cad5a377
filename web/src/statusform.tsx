// S1.3/S2.1: pick a manual status with optional text, an end (presets or a chosen time) and,
// for forwarding, a destination; or clear it. Used for oneself and, by admins, for anyone.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { when } from './format.js';
import type { Presence } from './live.js';
import { Icon, MANUAL_STATUSES, statusInfo } from './status.js';
import { ErrorNote, Notice } from './ui.js';

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
  onDone,
}: {
  target: Presence;
  self: boolean;
  /** The tenant's policy `manualStatuses`; undefined: all. */
  allowed?: readonly string[];
  /** The user's `forwardingAllowed`; undefined: not known, offer it and let the server decide. */
  forwardingAllowed?: boolean;
  onDone?: (p: Presence) => void;
}): JSX.Element {
  const manual = target.manual;
  const [status, setStatus] = useState<string>(manual?.status ?? 'available');
  const [text, setText] = useState(manual?.text ?? '');
  const [ends, setEnds] = useState<Ends>('none');
  const [at, setAt] = useState(() => localInput(Date.now() + 2 * 3600_000));
  const [forwardTo, setForwardTo] = useState(manual?.forwardTo ?? target.indicators.forwardTo ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();

  const offered = MANUAL_STATUSES.filter((s) => (allowed === undefined || allowed.includes(s) || s === 'available') && (s !== 'forwarding' || forwardingAllowed !== false));
  const who = self ? 'your' : `${target.name}’s`;
  const path = `/api/v1/users/${encodeURIComponent(target.userId)}/status`;

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
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
      };
      const p = await api<Presence>('PUT', path, body);
      setDone(status === 'available' ? `${self ? 'You are' : `${target.name} is`} available again.` : `Set ${who} status to ${statusInfo(status).label}${until !== undefined ? ` until ${when(until)}` : ''}.`);
      onDone?.(p);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const clear = async (): Promise<void> => {
    setError(undefined);
    setDone(undefined);
    setBusy(true);
    try {
      const p = await api<Presence>('DELETE', path);
      setDone(`Cleared ${who} status.`);
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
            return (
              <label key={s} class={`choice c-${info.colour}${status === s ? ' selected' : ''}`}>
                <input type="radio" name={`status-${target.userId}`} value={s} checked={status === s} onChange={() => setStatus(s)} />
                <Icon name={info.icon} />
                <span>{s === 'custom' ? 'Custom text' : info.label}</span>
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
              <input name="forwardTo" inputMode="tel" required pattern="\+?[0-9]{2,20}" value={forwardTo} placeholder="a phone number or extension" onInput={(e) => setForwardTo(e.currentTarget.value)} />
            </label>
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
                  <input type="radio" name={`ends-${target.userId}`} value={v} checked={ends === v} onChange={() => setEnds(v)} />
                  {v === 'none' && !self ? 'Until changed' : label}
                </label>
              ))}
            </div>
            {ends === 'at' && (
              <label>
                End time
                <input type="datetime-local" name="until" value={at} onInput={(e) => setAt(e.currentTarget.value)} required />
              </label>
            )}
          </fieldset>
        </>
      )}
      <ErrorNote error={error} />
      {done && <Notice kind="ok">{done}</Notice>}
      <div class="buttons">
        <button type="submit" class="primary" disabled={busy}>
          {status === 'available' ? 'Set available' : 'Set status'}
        </button>
        <button type="button" onClick={() => void clear()} disabled={busy || target.manual === undefined}>
          Clear status
        </button>
      </div>
    </form>
  );
}
