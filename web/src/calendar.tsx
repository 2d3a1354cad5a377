// S11.3 Calendar: on My status, a person links their calendar feed (an .ics address), chooses what
// a busy meeting sets (Do not disturb or Away) and whether others see the meeting's title, reads
// when it was last read and why the last read failed, and asks for a read now. The server fetches,
// decides and keeps the schedule; this card shows its answers in words.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from './api.js';
import { when } from './format.js';
import { useAction, useLoad } from './hooks.js';
import { statusInfo } from './status.js';
import { ErrorNote, Notice } from './ui.js';

interface CalendarLink {
  readonly url: string;
  readonly status: 'dnd' | 'away';
  readonly shareTitle: boolean;
  readonly linkedAt: string;
  readonly lastSuccessAt?: string;
  readonly lastError?: string;
  readonly lastErrorAt?: string;
  readonly windows: number;
  readonly intervalSec: number;
}

const meetings = (n: number): string => `${n} ${n === 1 ? 'meeting' : 'meetings'}`;

const notLinked = (e: unknown): boolean => e instanceof ApiError && e.code === 'SWB_ERR_CALENDAR_NOT_LINKED';

/** How the last reads went, in words. */
function SyncState({ link }: { link: CalendarLink }): JSX.Element {
  const every = Math.round(link.intervalSec / 60);
  const failed = link.lastErrorAt !== undefined && link.lastError !== undefined;
  return (
    <div class="calendar-state">
      <p>
        {link.lastSuccessAt !== undefined
          ? `Last read ${when(link.lastSuccessAt)}: ${meetings(link.windows)} scheduled.`
          : 'Not read successfully yet.'}{' '}
        <span class="muted">Read again every {every} minutes.</span>
      </p>
      {failed && (
        <div class="note error" role="status">
          <p>
            Could not read your calendar {when(link.lastErrorAt!)}: {link.lastError}.{' '}
            {link.lastSuccessAt !== undefined
              ? 'Your meetings stay scheduled as last read.'
              : 'Nothing is scheduled from it yet.'}
          </p>
        </div>
      )}
    </div>
  );
}

export function CalendarCard({ userId }: { userId: string }): JSX.Element {
  const path = `/api/v1/users/${encodeURIComponent(userId)}/calendar`;
  const loaded = useLoad(() => api<CalendarLink>('GET', path), path);
  const link = loaded.data;
  const [url, setUrl] = useState('');
  const [status, setStatus] = useState<'dnd' | 'away'>('dnd');
  const [share, setShare] = useState(false);
  useEffect(() => {
    if (link === undefined) return;
    setUrl(link.url);
    setStatus(link.status);
    setShare(link.shareTitle);
  }, [link?.url, link?.status, link?.shareTitle]);
  const { busy, error, done, run } = useAction<{ text: string; ok: boolean }>(() => loaded.reload());
  const save = (e: Event): void => {
    e.preventDefault();
    void run(async () => {
      const out = await api<CalendarLink>('PUT', path, { url: url.trim(), status, shareTitle: share });
      return out.lastError === undefined
        ? { ok: true, text: `Calendar linked: ${meetings(out.windows)} scheduled.` }
        : { ok: false, text: 'Calendar linked, but it could not be read yet: the reason is above.' };
    });
  };
  const refresh = () =>
    run(async () => {
      const out = await api<CalendarLink>('POST', `${path}/refresh`);
      return out.lastError === undefined
        ? { ok: true, text: `Calendar read: ${meetings(out.windows)} scheduled.` }
        : { ok: false, text: 'The calendar could not be read: the reason is above.' };
    });
  const unlink = () =>
    run(async () => {
      await api('DELETE', path);
      setUrl('');
      return { ok: true, text: 'Calendar unlinked: its meetings are no longer scheduled.' };
    });
  return (
    <section class="card-box calendar" aria-labelledby="cal-h">
      <h2 id="cal-h">Calendar</h2>
      <p class="muted small">
        Link your calendar’s iCalendar address (.ics) and each busy meeting of the next 14 days sets your status while
        it lasts. Free and all-day events set nothing. Others see “In a meeting” unless you share the titles; the
        address is shown to you only.
      </p>
      {loaded.error !== undefined && !notLinked(loaded.error) && (
        <ErrorNote error={loaded.error} onRetry={loaded.reload} />
      )}
      {link !== undefined && <SyncState link={link} />}
      <form class="calendar-form" onSubmit={save} aria-label="Calendar link">
        <label for="cal-url">
          Calendar address (.ics)
          <input
            id="cal-url"
            type="url"
            required
            autoComplete="off"
            spellcheck={false}
            maxLength={2000}
            placeholder="https://calendar.example.com/…/basic.ics"
            value={url}
            onInput={(e) => setUrl(e.currentTarget.value)}
          />
        </label>
        <label for="cal-status">
          A busy meeting sets
          <select id="cal-status" value={status} onChange={(e) => setStatus(e.currentTarget.value as 'dnd' | 'away')}>
            {/* Worded apart from the status picker's choices above it, which name the same statuses. */}
            <option value="dnd">{statusInfo('dnd').label} while it lasts</option>
            <option value="away">{statusInfo('away').label} while it lasts</option>
          </select>
        </label>
        <label class="check" for="cal-share">
          <input id="cal-share" type="checkbox" checked={share} onChange={(e) => setShare(e.currentTarget.checked)} />
          Show meeting titles to others
        </label>
        <div class="buttons">
          <button type="submit" class="primary" aria-disabled={busy ? 'true' : undefined}>
            {link === undefined ? 'Link calendar' : 'Save'}
          </button>
          {link !== undefined && (
            <>
              <button type="button" onClick={() => void refresh()} aria-disabled={busy ? 'true' : undefined}>
                Refresh now
              </button>
              <button type="button" onClick={() => void unlink()} aria-disabled={busy ? 'true' : undefined}>
                Unlink
              </button>
            </>
          )}
        </div>
      </form>
      <ErrorNote error={error} />
      {done && (
        <Notice kind={done.ok ? 'ok' : 'warn'} focus>
          {done.text}
        </Notice>
      )}
    </section>
  );
}
