// S11.2: one target's opening hours as an admin edits them: weekly intervals, holidays and the
// closed action. The server checks them (SWB_ERR_HOURS_INVALID) and the page shows its words.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { AnsweringAction, HoursStatus, OfficeHours } from '../../../src/core/index.js';
import type { Holiday, HoursInterval, Weekday } from '../../../src/core/types.js';
import { WEEKDAYS } from '../../../src/core/types.js';
import { api } from '../api.js';
import { ErrorNote } from '../ui.js';

const DAYS: Readonly<Record<Weekday, string>> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

type ClosedKind = 'default' | 'voicemail' | 'message' | 'redirect' | 'external';

function closedKind(a: AnsweringAction | undefined): { kind: ClosedKind; value: string } {
  if (a === undefined) return { kind: 'default', value: '' };
  if (a.type === 'redirect') {
    const t = a.target;
    return { kind: 'redirect', value: 'extension' in t ? t.extension : 'id' in t ? t.id : t.number };
  }
  if (a.type === 'external') return { kind: 'external', value: a.number };
  return { kind: a.type === 'voicemail' ? 'voicemail' : 'message', value: '' };
}

function closedAction(kind: ClosedKind, value: string): AnsweringAction | undefined {
  const v = value.trim();
  switch (kind) {
    case 'default':
      return undefined;
    case 'voicemail':
      return { type: 'voicemail' };
    case 'message':
      return { type: 'message' };
    case 'redirect':
      return {
        type: 'redirect',
        target: /^[0-9]+$/.test(v) ? { kind: 'extension', extension: v } : { kind: 'user', id: v },
      };
    case 'external':
      return { type: 'external', number: v };
  }
}

const WORKDAYS: readonly HoursInterval[] = (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({
  day,
  from: '08:00',
  to: '18:00',
}));

export function HoursEditor({
  status,
  onSaved,
}: {
  status: HoursStatus;
  onSaved: (what: string) => void;
}): JSX.Element {
  const h = status.hours;
  const [weekly, setWeekly] = useState<HoursInterval[]>([...(h?.weekly ?? [])]);
  const [holidays, setHolidays] = useState<Holiday[]>([...(h?.holidays ?? [])]);
  const initial = closedKind(h?.closedAction);
  const [kind, setKind] = useState<ClosedKind>(initial.kind);
  const [value, setValue] = useState(initial.value);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const t = status.target;
  const setInterval = (i: number, patch: Partial<HoursInterval>): void =>
    setWeekly(weekly.map((w, j) => (j === i ? { ...w, ...patch } : w)));
  const setHoliday = (i: number, patch: Partial<Holiday>): void =>
    setHolidays(holidays.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const action = closedAction(kind, value);
    const hours: OfficeHours = {
      weekly,
      holidays: holidays.map((x) => (x.name?.trim() ? { date: x.date, name: x.name.trim() } : { date: x.date })),
      ...(action ? { closedAction: action } : {}),
    };
    const path =
      t.kind === 'tenant'
        ? '/api/v1/tenant/policy'
        : `/api/v1/${t.kind === 'group' ? 'groups' : 'queues'}/${encodeURIComponent(t.id ?? '')}`;
    try {
      await api('PUT', path, { hours });
      onSaved(`Saved the hours of ${t.kind === 'tenant' ? 'the company' : `${t.kind} ${t.name}`}.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void save(e)} class="hours-editor">
      <fieldset>
        <legend>Open</legend>
        {weekly.length === 0 && (
          <p class="muted small">
            {t.kind === 'tenant' ? 'No weekly hours: open every day.' : 'No weekly hours: the company’s hours apply.'}
          </p>
        )}
        {weekly.map((w, i) => (
          <div class="hours-row" key={`w${i}`}>
            <label>
              <span class="sr">Day of interval {i + 1}</span>
              <select value={w.day} onChange={(e) => setInterval(i, { day: e.currentTarget.value as Weekday })}>
                {WEEKDAYS.map((d) => (
                  <option key={d} value={d}>
                    {DAYS[d]}
                  </option>
                ))}
              </select>
            </label>
            <label>
              <span class="sr">Opens (interval {i + 1})</span>
              <input
                value={w.from}
                size={5}
                pattern="[0-9]{2}:[0-9]{2}"
                required
                onInput={(e) => setInterval(i, { from: e.currentTarget.value })}
              />
            </label>
            <span aria-hidden="true">–</span>
            <label>
              <span class="sr">Closes (interval {i + 1})</span>
              <input
                value={w.to}
                size={5}
                pattern="[0-9]{2}:[0-9]{2}"
                required
                onInput={(e) => setInterval(i, { to: e.currentTarget.value })}
              />
            </label>
            <button type="button" class="ghost" onClick={() => setWeekly(weekly.filter((_, j) => j !== i))}>
              Remove<span class="sr"> interval {i + 1}</span>
            </button>
          </div>
        ))}
        <div class="agent-actions">
          <button type="button" onClick={() => setWeekly([...weekly, { day: 'mon', from: '08:00', to: '18:00' }])}>
            Add interval
          </button>
          <button type="button" onClick={() => setWeekly([...WORKDAYS])}>
            Mon–Fri 08:00–18:00
          </button>
        </div>
      </fieldset>
      <fieldset>
        <legend>Holidays (closed all day)</legend>
        {holidays.map((x, i) => (
          <div class="hours-row" key={`h${i}`}>
            <label>
              <span class="sr">Date of holiday {i + 1}</span>
              <input
                type="date"
                value={x.date}
                required
                onInput={(e) => setHoliday(i, { date: e.currentTarget.value })}
              />
            </label>
            <label>
              <span class="sr">Name of holiday {i + 1}</span>
              <input
                value={x.name ?? ''}
                maxLength={60}
                placeholder="Name (optional)"
                onInput={(e) => setHoliday(i, { name: e.currentTarget.value })}
              />
            </label>
            <button type="button" class="ghost" onClick={() => setHolidays(holidays.filter((_, j) => j !== i))}>
              Remove<span class="sr"> holiday {i + 1}</span>
            </button>
          </div>
        ))}
        <button type="button" onClick={() => setHolidays([...holidays, { date: '' }])}>
          Add holiday
        </button>
      </fieldset>
      <div class="form-grid">
        <label>
          When closed
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value as ClosedKind)}>
            <option value="default">{t.kind === 'tenant' ? 'Default (voicemail or message)' : 'As the company'}</option>
            <option value="voicemail">Voicemail</option>
            <option value="message">Closed message</option>
            <option value="redirect">Redirect to an extension</option>
            <option value="external">Redirect to an outside number</option>
          </select>
        </label>
        {(kind === 'redirect' || kind === 'external') && (
          <label>
            {kind === 'redirect' ? 'Extension' : 'Number'}
            <input value={value} required onInput={(e) => setValue(e.currentTarget.value)} />
          </label>
        )}
      </div>
      <ErrorNote error={error} />
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Saving…' : 'Save hours'}
      </button>
    </form>
  );
}
