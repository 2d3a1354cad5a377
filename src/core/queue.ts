// S4.3, S4.4: callers waiting in a queue, offered to ready agents by the queue's strategy.
import { agentTransition } from './agents.js';
import { appended, kept } from './arrays.js';
import { userWith } from './user.js';
import type { Command, QueueSnapshot } from './commands.js';
import { addDirective, addTimer, logCall, putQueue, putUser, queueIn, userIn, viewOf } from './tx.js';
import type { Tx } from './tx.js';
import { refuse } from './errors.js';
import { loggedInAgents, offerTo as offersOf, queueCandidates } from './distribution.js';
import type { QueueState, Refusal, WaitingCaller } from './types.js';
import { ownCallAgents } from './own-call.js';

type QueueCommand = Extract<
  Command,
  {
    type:
      | 'queue.call.arrive'
      | 'queue.call.answer'
      | 'queue.call.abandon'
      | 'queue.resetCounters'
      | 'timer.agentRing'
      | 'timer.queueMaxWait';
  }
>;

const ringKey = (queueId: string, callId: string) => `ring:${queueId}:${callId}`;
const waitKey = (queueId: string, callId: string) => `maxwait:${queueId}:${callId}`;

export function queueSnapshot(q: QueueState): QueueSnapshot {
  return {
    queueId: q.config.id,
    name: q.config.name,
    waiting: q.waiting.map((w, i) => ({
      callId: w.callId,
      caller: w.caller,
      arrivedAt: w.arrivedAt,
      position: i + 1,
      priority: w.priority,
      offeredTo: w.offeredTo,
    })),
    answeredToday: q.answeredToday,
    missedToday: q.missedToday,
    overflowedToday: q.overflowedToday,
  };
}

export function queueSnapshotChanged(a: QueueSnapshot, b: QueueSnapshot): boolean {
  if (
    a.name !== b.name ||
    a.answeredToday !== b.answeredToday ||
    a.missedToday !== b.missedToday ||
    a.overflowedToday !== b.overflowedToday
  )
    return true;
  if (a.waiting.length !== b.waiting.length) return true;
  return a.waiting.some((w, i) => {
    const v = b.waiting[i]!;
    return (
      w.callId !== v.callId ||
      w.offeredTo.length !== v.offeredTo.length ||
      w.offeredTo.some((u, j) => u !== v.offeredTo[j])
    );
  });
}

/** S4.4: VIP priority first, then arrival order. */
function insertByPriority(waiting: readonly WaitingCaller[], caller: WaitingCaller): WaitingCaller[] {
  const i = waiting.findIndex((w) => w.priority < caller.priority);
  return i < 0 ? [...waiting, caller] : [...waiting.slice(0, i), caller, ...waiting.slice(i)];
}

function endOffer(tx: Tx, q: QueueState, w: WaitingCaller): void {
  addTimer(tx, { key: ringKey(q.config.id, w.callId), cancel: true });
  if (w.offeredTo.length > 0)
    addDirective(tx, { type: 'queue.offerEnded', queueId: q.config.id, callId: w.callId, userIds: w.offeredTo });
}

function leave(
  tx: Tx,
  q: QueueState,
  w: WaitingCaller,
  counters: Partial<Pick<QueueState, 'answeredToday' | 'missedToday' | 'overflowedToday'>>,
): void {
  endOffer(tx, q, w);
  addTimer(tx, { key: waitKey(q.config.id, w.callId), cancel: true });
  putQueue(tx, { ...q, ...counters, waiting: q.waiting.filter((x) => x.callId !== w.callId) });
}

/** S4.4: a caller arrives in the queue: refused when it is full or empty, else waits in line. */
function arrive(tx: Tx, q: QueueState, cmd: Extract<Command, { type: 'queue.call.arrive' }>): undefined {
  const cfg = q.config;
  if (q.waiting.some((w) => w.callId === cmd.callId)) return undefined;
  if (q.waiting.length >= cfg.maxCallers) {
    addDirective(tx, {
      type: 'queue.action',
      queueId: cfg.id,
      callId: cmd.callId,
      reason: 'busy',
      action: cfg.busyAction,
    });
    tx.reply = { queued: false, reason: 'busy', action: cfg.busyAction };
    return undefined;
  }
  if (!cfg.joinEmpty && loggedInAgents(viewOf(tx), q) === 0) {
    addDirective(tx, {
      type: 'queue.action',
      queueId: cfg.id,
      callId: cmd.callId,
      reason: 'empty',
      action: cfg.overflowAction,
    });
    putQueue(tx, { ...q, overflowedToday: q.overflowedToday + 1 });
    tx.reply = { queued: false, reason: 'empty', action: cfg.overflowAction };
    return undefined;
  }
  const caller: WaitingCaller = {
    callId: cmd.callId,
    caller: cmd.caller,
    arrivedAt: tx.now,
    priority: cmd.priority ?? 0,
    offeredTo: [],
    triedAgents: [],
  };
  const waiting = insertByPriority(q.waiting, caller);
  putQueue(tx, { ...q, waiting });
  addTimer(tx, {
    key: waitKey(cfg.id, cmd.callId),
    at: tx.now + cfg.maxWaitSec * 1000,
    command: { type: 'timer.queueMaxWait', queueId: cfg.id, callId: cmd.callId },
  });
  tx.reply = { queued: true, position: waiting.indexOf(caller) + 1 };
  return undefined;
}

/** S4.3: an offer rang for agentRingSec without an answer. */
function ringEnded(tx: Tx, q: QueueState, w: WaitingCaller): undefined {
  const cfg = q.config;
  if (w.offeredTo.length === 0) return undefined;
  // S4.3: an agent rung for agentRingSec without answering goes to not_ready (missed).
  endOffer(tx, q, w);
  if (cfg.missedToNotReady) {
    for (const agentId of w.offeredTo) {
      const u = userIn(tx, agentId);
      const rec = u?.agent[cfg.id];
      if (u === undefined || rec === undefined) continue;
      const out = agentTransition(rec, { type: 'missed' }, cfg, tx.now);
      if (out.ok && out.record !== rec) putUser(tx, userWith(u, { agent: { ...u.agent, [cfg.id]: out.record } }));
    }
  }
  const next: WaitingCaller = {
    ...w,
    offeredTo: [],
    offeredAt: undefined,
    triedAgents: [...w.triedAgents, ...w.offeredTo],
  };
  putQueue(tx, { ...q, waiting: q.waiting.map((x) => (x === w ? next : x)) });
  return undefined;
}

export function queueCommand(tx: Tx, cmd: QueueCommand): Refusal | undefined {
  const q = queueIn(tx, cmd.queueId);
  if (q === undefined) {
    // A timer of a queue removed since is simply stale.
    return cmd.type.startsWith('timer.') ? undefined : refuse('SWB_ERR_QUEUE_NOT_FOUND', { queue: cmd.queueId });
  }
  const cfg = q.config;
  if (cmd.type === 'queue.resetCounters') {
    putQueue(tx, { ...q, answeredToday: 0, missedToday: 0, overflowedToday: 0 });
    return undefined;
  }
  if (cmd.type === 'queue.call.arrive') return arrive(tx, q, cmd);
  const w = q.waiting.find((x) => x.callId === cmd.callId);
  if (w === undefined)
    return cmd.type.startsWith('timer.') ? undefined : refuse('SWB_ERR_CALL_NOT_FOUND', { call: cmd.callId });
  switch (cmd.type) {
    case 'queue.call.answer': {
      const user = userIn(tx, cmd.userId);
      if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
      if (!cfg.agents.includes(cmd.userId)) return refuse('SWB_ERR_AGENT_NOT_MEMBER', { queue: cfg.id });
      leave(tx, q, w, { answeredToday: q.answeredToday + 1 });
      logCall(tx, { kind: 'answer', callId: cmd.callId, at: tx.now, userId: cmd.userId });
      const leg = {
        id: cmd.legId ?? cmd.callId,
        direction: 'in' as const,
        state: 'answered' as const,
        acd: true,
        queueId: cfg.id,
        updatedAt: tx.now,
      };
      putUser(
        tx,
        userWith(user, {
          legs: appended(
            kept(user.legs, (l) => l.id !== leg.id),
            leg,
          ),
        }),
      );
      return undefined;
    }
    case 'queue.call.abandon':
      leave(tx, q, w, { missedToday: q.missedToday + 1 });
      return undefined;
    case 'timer.queueMaxWait':
      // S4.4: a caller waiting maxWaitSec gets the overflow action.
      leave(tx, q, w, { overflowedToday: q.overflowedToday + 1 });
      addDirective(tx, {
        type: 'queue.action',
        queueId: cfg.id,
        callId: w.callId,
        reason: 'overflow',
        action: cfg.overflowAction,
      });
      return undefined;
    case 'timer.agentRing':
      return ringEnded(tx, q, w);
  }
}

/** S4.3: offer each waiting caller without an offer to the next agent(s) that can take it. */
export function distribute(tx: Tx): void {
  let anyWaiting = false;
  for (const q of tx.base.queues.values()) if (q.waiting.length > 0) anyWaiting = true;
  if (tx.queues !== undefined) for (const q of tx.queues.values()) if (q.waiting.length > 0) anyWaiting = true;
  if (!anyWaiting) return;
  for (const base of viewOf(tx).queues.values()) {
    if (base.waiting.length === 0) continue;
    for (const w0 of base.waiting) {
      const q = queueIn(tx, base.config.id)!;
      const w = q.waiting.find((x) => x.callId === w0.callId);
      if (w === undefined || w.offeredTo.length > 0) continue;
      const view = viewOf(tx);
      let tried = w.triedAgents;
      let candidates = queueCandidates(view, q, tx.now, new Set([...tried, ...ownCallAgents(view, w.caller)]));
      if (candidates.length === 0 && tried.length > 0) {
        // Everyone was tried: start a new round with whoever is ready now.
        tried = [];
        candidates = queueCandidates(view, q, tx.now, new Set(ownCallAgents(view, w.caller)));
      }
      if (candidates.length === 0) {
        if (tried !== w.triedAgents)
          putQueue(tx, { ...q, waiting: q.waiting.map((x) => (x === w ? { ...w, triedAgents: tried } : x)) });
        break; // callers behind this one wait too: arrival order (S4.4)
      }
      const offerTo = offersOf(q, candidates);
      const next: WaitingCaller = { ...w, offeredTo: offerTo, offeredAt: tx.now, triedAgents: tried };
      putQueue(tx, {
        ...q,
        lastOffered: offerTo[offerTo.length - 1],
        waiting: q.waiting.map((x) => (x === w ? next : x)),
      });
      addTimer(tx, {
        key: ringKey(q.config.id, w.callId),
        at: tx.now + q.config.agentRingSec * 1000,
        command: { type: 'timer.agentRing', queueId: q.config.id, callId: w.callId },
      });
      addDirective(tx, {
        type: 'queue.offer',
        queueId: q.config.id,
        callId: w.callId,
        userIds: offerTo,
        ringSec: q.config.agentRingSec,
      });
    }
  }
}
