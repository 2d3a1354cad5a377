// The settle/diff step: derived values settled once per command, one event per changed value (S6.1).
import { agentTransition } from './agents.js';
import type { Applied } from './apply.js';
import type { Patch } from './commands.js';
import { LOGGED_OUT } from './defaults.js';
import { isOnCall, nextWakeAt, normalizeFacts } from './facts.js';
import { presenceChanged, presenceRecord } from './presence.js';
import { distribute, queueSnapshot, queueSnapshotChanged } from './queue.js';
import { agentDeadline } from './reasons.js';
import { addEvent, addTimer, queueIn } from './tx.js';
import type { Tx } from './tx.js';
import { userWith } from './user.js';
import type { UserDraft } from './user.js';
import type { AgentRecord, QueueId, QueueState, UserId, UserState } from './types.js';

/** Sync every logged-in queue of the user with the calls they have now (S4.2). */
function syncAgentWithCalls(tx: Tx, user: UserDraft): UserDraft {
  let agent: Record<QueueId, AgentRecord> | undefined;
  const onCall = isOnCall(user, tx.policy, tx.now);
  for (const queueId in user.agent) {
    const rec = user.agent[queueId]!;
    if (rec.state === 'logged_out') continue;
    const q = queueIn(tx, queueId);
    if (q === undefined) continue;
    const queueCall = user.legs.some(
      (l) => l.acd && l.queueId === queueId && (l.state === 'answered' || l.state === 'held'),
    );
    const out = agentTransition(rec, { type: 'calls', queueCall, otherCall: onCall && !queueCall }, q.config, tx.now);
    if (out.ok && out.record !== rec) {
      agent ??= { ...user.agent };
      agent[queueId] = out.record;
    }
  }
  return agent === undefined ? user : userWith(user, { agent });
}

const sameStep = (x?: { state: string; reason?: string }, y?: { state: string; reason?: string }): boolean =>
  x === y || (x !== undefined && y !== undefined && x.state === y.state && x.reason === y.reason);

/** The diff predicate for agent records: equal by value, so a repeated command emits nothing. */
function sameAgentRecord(a: AgentRecord, b: AgentRecord): boolean {
  return (
    a.state === b.state &&
    a.reason === b.reason &&
    sameStep(a.resume, b.resume) &&
    sameStep(a.afterWrapUp, b.afterWrapUp) &&
    a.logoutAfterCall === b.logoutAfterCall &&
    a.wrapUpUntil === b.wrapUpUntil &&
    a.reasonUntil === b.reasonUntil
  );
}

/** S9.2: every agent record of the user with its reason deadline (agentDeadline). */
function withDeadlines(tx: Tx, u: UserDraft, before: UserState | undefined): void {
  let agent: Record<QueueId, AgentRecord> | undefined;
  for (const queueId in u.agent) {
    const a = u.agent[queueId]!;
    const d = agentDeadline(a, before?.agent[queueId], tx.policy, tx.now);
    if (d === a) continue;
    agent ??= { ...u.agent };
    agent[queueId] = d;
  }
  if (agent !== undefined) u.agent = agent;
}

/** S9.2: the timers that end a reason: one per queue for not_ready, one for the manual status. */
function reasonTimers(tx: Tx, id: UserId, queueId: QueueId | undefined, until?: number, was?: number): void {
  if (until === was) return;
  const key = queueId === undefined ? `reason:${id}` : `reason:${id}:${queueId}`;
  if (until === undefined) addTimer(tx, { key, cancel: true });
  else
    addTimer(tx, {
      key,
      at: until,
      command:
        queueId === undefined
          ? { type: 'timer.reasonEnd', userId: id }
          : { type: 'timer.reasonEnd', userId: id, queueId },
    });
}

function touchesAgent(tx: Tx): boolean {
  for (const u of tx.users.values()) for (const _ in u.agent) return true;
  return false;
}

/** The user's record as this command leaves it: presence and agent events, the wake timer. */
function settleUser(tx: Tx, id: UserId, u: UserDraft): UserState {
  const now = tx.now;
  const before = tx.base.users.get(id);
  const old = before?.presence;
  const fresh = presenceRecord(u, tx.policy, now, old);
  let presence = old;
  if (old === undefined || presenceChanged(old, fresh)) {
    presence = fresh;
    addEvent(
      tx,
      old === undefined
        ? { type: 'presence.changed', subject: id, at: now, cause: tx.cause, value: fresh }
        : { type: 'presence.changed', subject: id, at: now, cause: tx.cause, value: fresh, old },
    );
  }
  // The record is this command's own (a draft): it is finished in place, not copied again.
  const next = u;
  next.presence = presence!;
  next.settledAt = now;
  const beforeAgent = before?.agent ?? {};
  withDeadlines(tx, next, before);
  reasonTimers(tx, id, undefined, next.manual?.reasonUntil, before?.manual?.reasonUntil);
  for (const queueId in next.agent) {
    const a = next.agent[queueId]!;
    const b = beforeAgent[queueId];
    if (a === b) continue;
    if (b === undefined && a.state === 'logged_out') continue;
    if (b !== undefined && sameAgentRecord(a, b)) continue;
    addEvent(
      tx,
      b === undefined
        ? { type: 'agent.changed', subject: id, queueId, at: now, cause: tx.cause, value: a }
        : { type: 'agent.changed', subject: id, queueId, at: now, cause: tx.cause, value: a, old: b },
    );
    const key = `wrapup:${id}:${queueId}`;
    if (a.state === 'wrap_up' && a.wrapUpUntil !== undefined) {
      addTimer(tx, { key, at: a.wrapUpUntil, command: { type: 'timer.wrapUp', userId: id, queueId } });
    } else if (b?.state === 'wrap_up') {
      addTimer(tx, { key, cancel: true });
    }
    reasonTimers(tx, id, queueId, a.reasonUntil, b?.reasonUntil);
  }
  for (const queueId in beforeAgent) {
    if (next.agent[queueId] === undefined && beforeAgent[queueId]!.state !== 'logged_out') {
      addEvent(tx, {
        type: 'agent.changed',
        subject: id,
        queueId,
        at: now,
        cause: tx.cause,
        value: { ...LOGGED_OUT, since: now },
        old: beforeAgent[queueId]!,
      });
    }
  }
  // S9.3: the next lease to run out. Always stated: the engine ignores a timer it already has.
  const wake = nextWakeAt(next, tx.policy, now);
  addTimer(tx, wake === undefined ? { wake: id, cancel: true } : { wake: id, at: wake });
  return next;
}

/** The queues this command changed, with one queue.changed event for each changed snapshot. */
function settleQueues(tx: Tx, changed: ReadonlyMap<QueueId, QueueState>): QueueState[] {
  const queues: QueueState[] = [];
  const now = tx.now;
  for (const [id, q] of changed) {
    const before = tx.base.queues.get(id);
    const value = queueSnapshot(q);
    if (before === undefined) addEvent(tx, { type: 'queue.changed', subject: id, at: now, cause: tx.cause, value });
    else {
      const old = queueSnapshot(before);
      if (queueSnapshotChanged(old, value))
        addEvent(tx, { type: 'queue.changed', subject: id, at: now, cause: tx.cause, value, old });
    }
    queues.push(q);
  }
  return queues;
}

const NO_USERS: UserState[] = [];

/** Settles derived values once per command and emits one event per changed value. */
export function finish(tx: Tx): Applied {
  const now = tx.now;
  // forEach, not for-of, over the users: it makes no entry object per user.
  tx.users.forEach((u, id) => tx.users.set(id, syncAgentWithCalls(tx, normalizeFacts(u, tx.policy, now))));
  tx.view = undefined;
  // Only a queue change or a change to an agent can open a new offer (S4.3).
  if ((tx.queues?.size ?? 0) > 0 || touchesAgent(tx)) distribute(tx);
  // The patch keeps them until the batch's commit: most commands settle one user, who gets an
  // array of one (a push onto an empty array makes room for 17).
  let users: UserState[] = NO_USERS;
  tx.users.forEach((u, id) => {
    const settled = settleUser(tx, id, u);
    if (users.length === 0) users = [settled];
    else users.push(settled);
  });
  const queues = tx.queues !== undefined && tx.queues.size > 0 ? settleQueues(tx, tx.queues) : undefined;
  const patch: { -readonly [K in keyof Patch]: Patch[K] } = {};
  if (users.length > 0) patch.users = users;
  if (queues !== undefined) patch.queues = queues;
  const { groups, removedUsers, removedGroups, removedQueues } = tx;
  if (groups !== undefined && groups.size > 0)
    patch.groups = [...groups.values()].filter((g) => removedGroups?.has(g.id) !== true);
  if (removedUsers !== undefined && removedUsers.size > 0) patch.removedUsers = [...removedUsers];
  if (removedGroups !== undefined && removedGroups.size > 0) patch.removedGroups = [...removedGroups];
  if (removedQueues !== undefined && removedQueues.size > 0) patch.removedQueues = [...removedQueues];
  if (tx.policy !== tx.base.policy) patch.policy = tx.policy;
  if (tx.calls !== undefined) patch.calls = tx.calls;
  return { ok: true, patch, events: tx.events, timers: tx.timers, directives: tx.directives, reply: tx.reply };
}
