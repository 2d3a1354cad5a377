// S4.1, S4.2: one agent's state in one queue, as a total function of (record, input). Every
// input is either a new record (possibly the same object: nothing changed) or a refusal, so no
// sequence of inputs reaches an undefined state.
import { refuse } from './errors.js';
import type { AgentRecord, Instant, QueueConfig, Refusal } from './types.js';

export type AgentInput =
  | { readonly type: 'login' }
  | { readonly type: 'logout' }
  | { readonly type: 'ready' }
  | { readonly type: 'not_ready'; readonly reason?: string }
  /** The user's calls as they are now: a call of this queue, any other call. */
  | { readonly type: 'calls'; readonly queueCall: boolean; readonly otherCall: boolean }
  | { readonly type: 'wrapUpEnd' }
  /** S4.3: a queue offer rang `agentRingSec` without an answer (applied with `missedToNotReady`). */
  | { readonly type: 'missed' };

export type AgentOutcome = { readonly ok: true; readonly record: AgentRecord } | Refusal;

type QueueTimers = Pick<QueueConfig, 'autoReady' | 'wrapUpSec'>;

function make(
  prev: AgentRecord,
  state: AgentRecord['state'],
  now: Instant,
  extra: Partial<
    Pick<
      AgentRecord,
      'reason' | 'resume' | 'logoutAfterCall' | 'afterWrapUp' | 'wrapUpUntil' | 'lastCallEndedAt' | 'callsToday'
    >
  > = {},
): AgentRecord {
  const record: { -readonly [K in keyof AgentRecord]: AgentRecord[K] } = {
    state,
    since: state === prev.state ? prev.since : now,
    callsToday: extra.callsToday ?? prev.callsToday,
  };
  const lastCallEndedAt = extra.lastCallEndedAt ?? prev.lastCallEndedAt;
  if (lastCallEndedAt !== undefined) record.lastCallEndedAt = lastCallEndedAt;
  if (extra.reason !== undefined) record.reason = extra.reason;
  if (extra.resume !== undefined) record.resume = extra.resume;
  if (extra.logoutAfterCall) record.logoutAfterCall = true;
  if (extra.afterWrapUp !== undefined) record.afterWrapUp = extra.afterWrapUp;
  if (extra.wrapUpUntil !== undefined) record.wrapUpUntil = extra.wrapUpUntil;
  return record;
}

function notReady(reason: string | undefined): { state: 'not_ready'; reason?: string } {
  return reason === undefined ? { state: 'not_ready' } : { state: 'not_ready', reason };
}

/** Where an agent lands when a queue call ends (S4.2). */
function afterQueueCall(rec: AgentRecord, q: QueueTimers, now: Instant): AgentRecord {
  const ended = { lastCallEndedAt: now };
  if (rec.logoutAfterCall) return make(rec, 'logged_out', now, ended);
  if (q.wrapUpSec > 0) {
    return make(rec, 'wrap_up', now, {
      ...ended,
      wrapUpUntil: now + q.wrapUpSec * 1000,
      ...(rec.afterWrapUp ? { afterWrapUp: rec.afterWrapUp } : {}),
    });
  }
  return rec.afterWrapUp
    ? make(rec, 'not_ready', now, { ...ended, reason: rec.afterWrapUp.reason })
    : make(rec, 'ready', now, ended);
}

export function agentTransition(rec: AgentRecord, input: AgentInput, q: QueueTimers, now: Instant): AgentOutcome {
  const ok = (record: AgentRecord): AgentOutcome => ({ ok: true, record });
  const s = rec.state;
  switch (input.type) {
    case 'login':
      if (s !== 'logged_out') return refuse('SWB_ERR_AGENT_ALREADY_LOGGED_IN', { state: s });
      return ok(q.autoReady ? make(rec, 'ready', now) : make(rec, 'not_ready', now));
    case 'logout':
      if (s === 'logged_out') return refuse('SWB_ERR_AGENT_NOT_LOGGED_IN');
      // During a queue call, logout takes effect when the call ends.
      if (s === 'queue_call') return ok(rec.logoutAfterCall ? rec : { ...rec, logoutAfterCall: true });
      return ok(make(rec, 'logged_out', now));
    case 'ready':
      switch (s) {
        case 'logged_out':
          return refuse('SWB_ERR_AGENT_NOT_LOGGED_IN');
        case 'ready':
          return ok(rec);
        case 'not_ready':
        case 'wrap_up': // ready ends wrap-up early
          return ok(make(rec, 'ready', now));
        case 'other_call':
          return ok(rec.resume?.state === 'ready' ? rec : make(rec, 'other_call', now, { resume: { state: 'ready' } }));
        case 'queue_call':
          return refuse('SWB_ERR_AGENT_ON_QUEUE_CALL');
      }
      break;
    case 'not_ready': {
      const target = notReady(input.reason);
      switch (s) {
        case 'logged_out':
          return refuse('SWB_ERR_AGENT_NOT_LOGGED_IN');
        case 'ready':
          return ok(make(rec, 'not_ready', now, { reason: input.reason }));
        case 'not_ready':
          return ok(rec.reason === input.reason ? rec : make(rec, 'not_ready', now, { reason: input.reason }));
        case 'other_call':
          return ok(make(rec, 'other_call', now, { resume: target }));
        case 'wrap_up': // wrap-up then ends in not_ready
          return ok(make(rec, 'wrap_up', now, { afterWrapUp: target, wrapUpUntil: rec.wrapUpUntil }));
        case 'queue_call':
          return ok(make(rec, 'queue_call', now, { afterWrapUp: target, logoutAfterCall: rec.logoutAfterCall }));
      }
      break;
    }
    case 'calls': {
      if (s === 'logged_out') return ok(rec);
      if (input.queueCall) {
        if (s === 'queue_call') return ok(rec);
        return ok(make(rec, 'queue_call', now, { callsToday: rec.callsToday + 1 }));
      }
      let next = rec;
      if (s === 'queue_call') next = afterQueueCall(rec, q, now);
      if (input.otherCall) {
        if (next.state === 'ready' || next.state === 'not_ready') {
          const resume = next.state === 'ready' ? { state: 'ready' as const } : notReady(next.reason);
          return ok(make(next, 'other_call', now, { resume }));
        }
        return ok(next);
      }
      if (next.state === 'other_call') {
        const resume = next.resume ?? { state: 'ready' as const };
        return ok(make(next, resume.state, now, { reason: resume.reason, lastCallEndedAt: now }));
      }
      return ok(next);
    }
    case 'missed':
      // Only a ready agent is offered a call; one who left ready since keeps their state.
      return ok(s === 'ready' ? make(rec, 'not_ready', now, { reason: 'missed' }) : rec);
    case 'wrapUpEnd':
      if (s !== 'wrap_up' || (rec.wrapUpUntil !== undefined && now < rec.wrapUpUntil)) return ok(rec);
      return ok(
        rec.afterWrapUp ? make(rec, 'not_ready', now, { reason: rec.afterWrapUp.reason }) : make(rec, 'ready', now),
      );
  }
  return refuse('SWB_ERR_INVALID');
}
