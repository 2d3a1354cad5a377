// What a committed event leaves behind besides itself: a history row (S6.5) and a webhook
// delivery per subscribed webhook (S6.3). The core decides; the store only writes what it is told.
import type { CoreEvent } from './commands.js';
import type { UserId } from './types.js';

/** One S6.5 history row: an effective status change or an agent state change, with its cause. */
export interface HistoryEntry {
  readonly userId: UserId;
  readonly at: number;
  readonly kind: 'status' | 'agent';
  readonly queueId: string | null;
  readonly value: string;
  readonly reason: string | null;
  readonly cause: string;
}

/**
 * S6.5: the history row an event makes, or undefined. A presence change counts only when the
 * effective status changed (an indicator alone does not) and the user was not removed; an agent
 * change when the state or its reason changed. Queue counters and missed calls are no history.
 */
export function historyEntry(e: CoreEvent): HistoryEntry | undefined {
  if (e.type === 'presence.changed') {
    if (e.removed || e.old?.status === e.value.status) return undefined;
    const { subject: userId, at, cause } = e;
    return { userId, at, kind: 'status', queueId: null, value: e.value.status, reason: e.value.text ?? null, cause };
  }
  if (e.type === 'agent.changed') {
    if (e.old?.state === e.value.state && e.old?.reason === e.value.reason) return undefined;
    const { subject: userId, at, cause } = e;
    return {
      userId,
      at,
      kind: 'agent',
      queueId: e.queueId,
      value: e.value.state,
      reason: e.value.reason ?? null,
      cause,
    };
  }
  return undefined;
}

/** S6.3: whether a webhook asked for this event type (no list: every type). */
export function webhookWants(hook: { readonly events: readonly string[] }, type: CoreEvent['type']): boolean {
  return hook.events.length === 0 || hook.events.includes(type);
}

/** S6.3: the webhooks an event is delivered to, in their order. */
export function webhooksFor<H extends { readonly events: readonly string[] }>(
  e: Pick<CoreEvent, 'type'>,
  hooks: readonly H[],
): H[] {
  return hooks.filter((h) => webhookWants(h, e.type));
}
