// S11.1: a user's recent calls from the call log (GET /api/v1/calls), missed ones marked in words
// and with an icon (never by colour alone); each call opens its explanation on "Why didn't it
// ring?" (/why?call=<id>).
import type { JSX } from 'preact';
import { api } from './api.js';
import { when } from './format.js';
import { useLive, useLoad } from './hooks.js';
import { live } from './live.js';
import { ErrorNote } from './ui.js';
import type { CallOutcome, Decision, RouteTarget } from '../../src/core/wire.js';

/** One call as GET /api/v1/calls answers it. */
export interface CallView {
  readonly id: string;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly from?: { readonly user?: string; readonly external?: string };
  readonly to: RouteTarget;
  readonly queueId?: string;
  readonly offers: readonly { readonly userId: string; readonly at: string }[];
  readonly answeredBy?: string;
  readonly outcome?: CallOutcome;
  readonly routed?: { readonly outcome: string; readonly rules: readonly string[] };
  readonly decision?: Decision;
  readonly decisions?: readonly Decision[];
}

/** Label and icon of each outcome: the icon is decoration, the word says it. */
export const OUTCOME_WORDS: Readonly<Record<CallOutcome | 'ongoing', { label: string; icon: string }>> = {
  answered: { label: 'Answered', icon: '✓' },
  missed: { label: 'Missed', icon: '⚠' },
  busy: { label: 'Busy', icon: '⛔' },
  voicemail: { label: 'Voicemail', icon: '✉' },
  unreachable: { label: 'Unreachable', icon: '✕' },
  cancelled: { label: 'Cancelled', icon: '↩' },
  overflow: { label: 'Overflow', icon: '⇢' },
  ongoing: { label: 'In progress', icon: '…' },
};

export const nameOf = (id: string): string => live.presence.get(id)?.name ?? id;

/** The person behind an extension, when it is a user's. */
function extensionText(extension: string): string {
  for (const p of live.presence.values()) if (p.extension === extension) return `${p.name} (${extension})`;
  return `extension ${extension}`;
}

function targetText(t: RouteTarget): string {
  if (t.kind === 'user') return nameOf(t.id);
  if (t.kind === 'extension') return extensionText(t.extension);
  if (t.kind === 'external') return t.number;
  return `${t.kind} ${t.id}`;
}

export function callerText(c: CallView): string {
  if (c.from?.user !== undefined) return nameOf(c.from.user);
  return c.from?.external ?? 'unknown caller';
}

/** "Ann → extension 1002" as a person reads it. */
export function callLine(c: CallView): string {
  return `${callerText(c)} → ${targetText(c.to)}`;
}

/** A missed call is one the user was offered (or called directly) and nobody answered. */
function missedFor(c: CallView, userId: string): boolean {
  return c.outcome === 'missed' && c.from?.user !== userId;
}

export function OutcomeBadge({ c, userId }: { c: CallView; userId?: string }): JSX.Element {
  const o = c.outcome ?? 'ongoing';
  const w = OUTCOME_WORDS[o];
  const missed = userId !== undefined ? missedFor(c, userId) : o === 'missed';
  return (
    <span class={`call-outcome outcome-${o}${missed ? ' call-missed' : ''}`} data-outcome={o}>
      <span aria-hidden="true">{w.icon}</span> {w.label}
    </span>
  );
}

export const loadCalls = (userId: string | undefined, limit = 10): Promise<{ calls: CallView[] }> =>
  api<{ calls: CallView[] }>(
    'GET',
    `/api/v1/calls?limit=${limit}${userId !== undefined ? `&user=${encodeURIComponent(userId)}` : ''}`,
  );

/** The recent calls of a user, as a card: each links to its explanation. */
export function RecentCalls({ userId, title = 'Recent calls' }: { userId: string; title?: string }): JSX.Element {
  useLive();
  // A call that ends anywhere in the feed's scope reloads the list (S11.1: `call.ended`).
  const calls = useLoad(() => loadCalls(userId), `calls:${userId}:${live.callsEnded}`);
  const list = calls.data?.calls ?? [];
  const missed = list.filter((c) => missedFor(c, userId)).length;
  return (
    <section class="card-box" aria-labelledby="calls-h">
      <div class="page-head" style="margin-bottom:0.5rem">
        <h2 id="calls-h" style="margin:0">
          {title}
        </h2>
        {missed > 0 && <span class="call-missed-count">{missed} missed</span>}
      </div>
      <ErrorNote error={calls.error} onRetry={calls.reload} />
      {calls.data && list.length === 0 && <p class="muted">No calls yet.</p>}
      {list.length > 0 && (
        <div class="table-wrap">
          <table class="calls">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Call</th>
                <th scope="col">How it ended</th>
                <th scope="col">Explanation</th>
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <tr key={c.id} class={missedFor(c, userId) ? 'missed-row' : undefined} data-call={c.id}>
                  <td>{when(c.startedAt)}</td>
                  <td>
                    {callLine(c)}
                    {c.answeredBy !== undefined && c.answeredBy !== userId && (
                      <span class="muted small"> · answered by {nameOf(c.answeredBy)}</span>
                    )}
                  </td>
                  <td>
                    <OutcomeBadge c={c} userId={userId} />
                  </td>
                  <td>
                    <a href={`/why?call=${encodeURIComponent(c.id)}`}>
                      Why?<span class="sr"> (call at {when(c.startedAt)})</span>
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
