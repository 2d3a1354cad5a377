// S3: what happens to a call, as a pure function (state, call, now) → decision. Every decision
// carries its explanation: the ordered rules that applied, in words. The same function serves
// call control, `POST /api/v1/route`, the CLI and the web app's "why didn't it ring?".
import {
  describeAction,
  diverts,
  groupAction,
  noAnswerAfterDiversion,
  ownerName,
  secondDiversion,
  userAction,
} from './answering.js';
import type { CallRequest } from './commands.js';
import { refuse } from './errors.js';
import { reachability } from './direct.js';
import type { Reachability, RingEntry } from './direct.js';
import type { ActionDecision, Decision, Explanation, Owner } from './decisions.js';
import { resolveTarget } from './targets.js';
import { waitDecision } from './wait.js';
import { closedNow } from './hours.js';
import { GROUP_STRATEGIES, loggedInAgents, offerTo as offersOf, queueCandidates } from './distribution.js';
import { manualInForce } from './facts.js';
import { appWhileForwarding } from './outgoing.js';
import { callingUser, forwardsToCaller, isOwnCall, ownCallAgents, ownCallSkipped } from './own-call.js';
import type { Group, Instant, QueueState, Refusal, TenantState, UserId, UserState } from './types.js';

export type { ActionDecision, Decision, Explanation, Owner } from './decisions.js';
export { resolveTarget } from './targets.js';

/** Runs an answering action; redirect and external actions are diversions (S3.5). */
function runAction(
  state: TenantState,
  call: CallRequest,
  owner: Owner,
  action: ActionDecision,
  now: Instant,
  explanation: Explanation[],
  notifyMissed?: UserId,
): Decision {
  const a = action.action;
  if (diverts(a) && call.divertedBy !== undefined)
    return secondDiversion(state, call, owner, `the ${action.condition} action`, explanation, notifyMissed);
  explanation.push({
    rule: 'S3.2',
    text: `${ownerName(state, owner)}'s ${action.condition} action${action.defaulted ? ' (default)' : ''}: ${describeAction(a)}`,
  });
  const base = {
    outcome: 'action' as const,
    target: owner,
    action,
    explanation,
    ...(notifyMissed ? { notifyMissed } : {}),
  };
  if (a.type === 'redirect') {
    const next = route(state, { ...call, to: a.target, divertedBy: owner }, now);
    return next.ok ? { ...base, next: next.decision } : base;
  }
  return base;
}

function forward(
  state: TenantState,
  call: CallRequest,
  user: UserState,
  forwardTo: string,
  now: Instant,
  explanation: Explanation[],
): Decision {
  const owner: Owner = { kind: 'user', id: user.id };
  if (call.divertedBy !== undefined)
    return secondDiversion(state, call, owner, `${user.name}'s forwarding`, explanation);
  const next = route(
    state,
    { ...call, to: { kind: 'extension', extension: forwardTo }, divertedBy: { kind: 'user', id: user.id } },
    now,
  );
  return { outcome: 'forward', target: owner, to: forwardTo, ...(next.ok ? { next: next.decision } : {}), explanation };
}

function routeUser(
  state: TenantState,
  call: CallRequest,
  user: UserState,
  now: Instant,
  explanation: Explanation[],
): Decision {
  const owner: Owner = { kind: 'user', id: user.id };
  const r = reachability(state, user, now);
  explanation.push({ rule: r.record.rule, text: `${user.name} (${user.extension}) is ${r.record.label}` });
  if (r.ring) {
    explanation.push({ rule: r.row.rule, text: r.row.text(r.facts) });
    return {
      outcome: 'ring',
      target: owner,
      ring: r.entries,
      timeoutSec: user.settings.ringTimeoutSec,
      onNoAnswer: noAnswerAfterDiversion(
        state,
        call,
        { condition: 'noAnswer', owner, ...userAction(user, 'noAnswer') },
        explanation,
      ),
      explanation,
    };
  }
  const row = r.row;
  // S2.7: the forwarding step carries its withheld wording, so a viewer's copy leaves the destination out.
  const withheld =
    row.then === 'forward' ? { forwarding: { user: user.id, withheld: `${user.name} forwards every call` } } : {};
  explanation.push({ rule: r.rule, text: r.text, ...withheld });
  switch (row.then) {
    case 'reject':
      return { outcome: 'reject', target: owner, reason: 'not available', explanation };
    case 'forward':
      return forward(state, call, user, r.record.manual?.forwardTo ?? '', now, explanation);
    case 'action': {
      let action: ActionDecision = { condition: row.condition, owner, ...userAction(user, row.condition) };
      if (action.action.type === 'wait') {
        const w = waitDecision(call, user, owner, r.rule, action.action.maxWaitSec, explanation, state);
        if ('decision' in w) return w.decision;
        action = w.instead;
      }
      return runAction(state, call, owner, action, now, explanation, row.notifyMissed ? user.id : undefined);
    }
  }
}

/**
 * S3.3: a forwarding member is replaced by their destination, one level only (S3.5): the
 * destination colleague's reachability, `external` when `to` is no user of the tenant, or
 * `refused` when the call was diverted already or the colleague forwards too.
 */
function forwardingMember(
  state: TenantState,
  call: CallRequest,
  member: UserState,
  to: string,
  now: Instant,
  offset: number,
  explanation: Explanation[],
): Reachability | 'external' | 'refused' {
  if (call.divertedBy !== undefined) {
    explanation.push({
      rule: 'S3.5',
      text: `${member.name} forwards, but the call was already diverted once: skipped`,
    });
    return 'refused';
  }
  const destId = state.byExtension.get(to);
  const dest = destId === undefined ? undefined : state.users.get(destId);
  if (dest === undefined) {
    const withheld = `${member.name} forwards: another number rings in their place`;
    explanation.push({
      rule: 'S3.3',
      text: `${member.name} forwards: ${to} rings in their place`,
      forwarding: { user: member.id, withheld },
    });
    return 'external';
  }
  const r = reachability(state, dest, now, offset);
  if (!r.ring && r.as === 'forwarding') {
    const withheld = `${member.name} forwards to someone who forwards too: refused there, skipped`;
    explanation.push({
      rule: 'S3.5',
      text: `${member.name} forwards to ${dest.name}, who forwards too: refused there, skipped`,
      forwarding: { user: member.id, withheld },
    });
    return 'refused';
  }
  const withheld = `${member.name} forwards: a colleague takes their place`;
  explanation.push({
    rule: 'S3.3',
    text: `${member.name} forwards: ${dest.name} (${dest.extension}) takes their place`,
    forwarding: { user: member.id, withheld },
  });
  return r;
}

/** S3.3, S3.4: what a group call does once its members were looked at: ring them, or an action. */
function groupDecision(
  state: TenantState,
  call: CallRequest,
  group: Group,
  ring: readonly RingEntry[],
  skips: { readonly busySkips: number; readonly refusedDiversions: number },
  now: Instant,
  explanation: Explanation[],
): Decision {
  const owner: Owner = { kind: 'group', id: group.id };
  const { busySkips, refusedDiversions } = skips;
  if (ring.length === 0 && busySkips === 0 && refusedDiversions > 0) {
    // S3.5: a second diversion was refused there; the group's end-of-ring action runs.
    explanation.push({
      rule: 'S3.5',
      text: `nobody can ring and a member's diversion was refused: the group's no-answer action`,
    });
    return runAction(
      state,
      call,
      owner,
      { condition: 'noAnswer', owner, ...groupAction(group, 'noAnswer') },
      now,
      explanation,
    );
  }
  if (ring.length === 0) {
    const condition = busySkips > 0 ? 'busy' : 'unreachable';
    explanation.push({
      rule: 'S3.4',
      text:
        condition === 'busy'
          ? `nobody can ring and at least one member was skipped as busy: the group is busy`
          : `nobody can ring and every member is unreachable: the group is unreachable`,
    });
    return runAction(state, call, owner, { condition, owner, ...groupAction(group, condition) }, now, explanation);
  }
  explanation.push({
    rule: 'S3.3',
    text: `after ${group.ringTimeoutSec} s without answer, the group's no-answer action`,
  });
  return {
    outcome: 'ring',
    target: owner,
    ring,
    timeoutSec: group.ringTimeoutSec,
    onNoAnswer: noAnswerAfterDiversion(
      state,
      call,
      { condition: 'noAnswer', owner, ...groupAction(group, 'noAnswer') },
      explanation,
    ),
    explanation,
  };
}

function routeGroup(
  state: TenantState,
  call: CallRequest,
  group: Group,
  now: Instant,
  explanation: Explanation[],
): Decision {
  const strategy = GROUP_STRATEGIES[group.strategy];
  const sequential = strategy.sequential;
  explanation.push({ rule: 'S3.3', text: `group ${group.name} rings its members by ${group.strategy}` });
  const ring: RingEntry[] = [];
  let busySkips = 0;
  let refusedDiversions = 0;
  let slot = 0;
  for (const memberId of strategy.order(state, group)) {
    const member = state.users.get(memberId);
    if (member === undefined) continue;
    if (isOwnCall(call, memberId)) {
      explanation.push(ownCallSkipped(state, memberId));
      continue;
    }
    const offset = sequential ? slot * group.memberRingSec : 0;
    let r = reachability(state, member, now, offset);
    let forwardedFrom: UserId | undefined;
    if (!r.ring && r.as === 'forwarding') {
      const to = r.record.manual?.forwardTo ?? '';
      const own = forwardsToCaller(state, call, to);
      if (own !== undefined) {
        explanation.push(ownCallSkipped(state, own));
        continue;
      }
      const f = forwardingMember(state, call, member, to, now, offset, explanation);
      if (f === 'refused') {
        refusedDiversions++;
        continue;
      }
      if (f === 'external') {
        ring.push({
          kind: 'external',
          number: to,
          startSec: offset,
          forwardedFrom: member.id,
          ...(sequential ? { stopSec: offset + group.memberRingSec } : {}),
        });
        slot++;
        continue;
      }
      forwardedFrom = member.id;
      r = f;
    }
    if (!r.ring) {
      if (r.as === 'busy') busySkips++;
      explanation.push({ rule: 'S3.3', text: `skipped as ${r.as}: ${r.text} (${r.rule})` });
      continue;
    }
    for (const e of r.entries) {
      ring.push({
        ...e,
        ...(forwardedFrom ? { forwardedFrom } : {}),
        ...(sequential ? { stopSec: offset + group.memberRingSec + (e.startSec - offset) } : {}),
      });
    }
    slot++;
  }
  return groupDecision(state, call, group, ring, { busySkips, refusedDiversions }, now, explanation);
}

function routeQueue(
  state: TenantState,
  call: CallRequest,
  queue: QueueState,
  now: Instant,
  explanation: Explanation[],
): Decision {
  const cfg = queue.config;
  const owner: Owner = { kind: 'queue', id: cfg.id };
  if (queue.waiting.length >= cfg.maxCallers) {
    explanation.push({
      rule: 'S4.4',
      text: `queue ${cfg.name} already holds ${cfg.maxCallers} callers: its busy action`,
    });
    return {
      outcome: 'action',
      target: owner,
      action: { condition: 'busy', owner, action: cfg.busyAction, defaulted: false },
      explanation,
    };
  }
  if (loggedInAgents(state, queue) === 0 && !cfg.joinEmpty) {
    explanation.push({
      rule: 'S4.4',
      text: `no agent is logged in to queue ${cfg.name} and joinEmpty is off: the overflow action at once`,
    });
    return {
      outcome: 'action',
      target: owner,
      action: { condition: 'unreachable', owner, action: cfg.overflowAction, defaulted: false },
      explanation,
    };
  }
  const own = ownCallAgents(state, callingUser(call)).filter((u) => queue.config.agents.includes(u));
  for (const u of own) explanation.push(ownCallSkipped(state, u));
  const candidates = queueCandidates(state, queue, now, new Set(own));
  const offerTo = queue.waiting.length > 0 ? [] : offersOf(queue, candidates);
  explanation.push({
    rule: 'S4.3',
    text:
      offerTo.length > 0
        ? `queue ${cfg.name} offers the call to ${offerTo.map((u) => state.users.get(u)?.extension ?? u).join(', ')} (${cfg.strategy})`
        : queue.waiting.length > 0
          ? `the caller waits at position ${queue.waiting.length + 1} in queue ${cfg.name}`
          : `no agent of queue ${cfg.name} is ready and can ring: the caller waits (at most ${cfg.maxWaitSec} s, then the overflow action)`,
  });
  return { outcome: 'queue', target: owner, offerTo, explanation };
}

export function route(
  state: TenantState,
  call: CallRequest,
  now: Instant,
): { readonly ok: true; readonly decision: Decision } | Refusal {
  const explanation: Explanation[] = [];
  if (call.from !== undefined && 'userId' in call.from) {
    const caller = state.users.get(call.from.userId);
    if (caller === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: call.from.userId });
    // S2.3#1 is the table's first row: the caller shows blocked exactly when a blocked manual
    // status is in force, so the whole record need not be built.
    if (call.divertedBy === undefined && manualInForce(caller, now)?.status === 'blocked') {
      explanation.push({
        rule: 'S3.1#caller',
        text: `${caller.name} (${caller.extension}) is blocked and cannot call out`,
      });
      return { ok: true, decision: { outcome: 'reject', reason: 'caller blocked', explanation } };
    }
    const appRefused = appWhileForwarding(caller, call, now, explanation);
    if (appRefused !== undefined) return { ok: true, decision: appRefused };
  }
  const resolved = resolveTarget(state, call.to);
  if (!resolved.ok) return resolved;
  const t = resolved.resolved;
  const closed = closedNow(state, call, t, now);
  if (closed !== undefined) {
    explanation.push({ rule: closed.rule, text: closed.text });
    return { ok: true, decision: runAction(state, call, closed.action.owner, closed.action, now, explanation) };
  }
  switch (t.kind) {
    case 'user':
      return { ok: true, decision: routeUser(state, call, t.user, now, explanation) };
    case 'group':
      return { ok: true, decision: routeGroup(state, call, t.group, now, explanation) };
    case 'queue':
      return { ok: true, decision: routeQueue(state, call, t.queue, now, explanation) };
    case 'external':
      explanation.push({
        rule: 'S3',
        text: `${t.number} is not an extension of this company: the call leaves through the PBX`,
      });
      return { ok: true, decision: { outcome: 'external', number: t.number, explanation } };
  }
}
