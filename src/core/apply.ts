// apply(state, command, now) → { patch, events, timers, directives }: the one entry point the
// engine calls. It never mutates `state`; the engine commits the patch. Derived values (presence
// records, agent states driven by calls, queue offers) are settled once per command in
// `finish`, so each change of a derived value emits exactly one event (S6.1).
import { agentTransition } from './agents.js';
import type { AgentInput } from './agents.js';
import { isAutomaticStatus, isManualStatus } from './catalog.js';
import type { Command, CoreEvent, Directive, LeaseUpdate, Patch, TimerRequest } from './commands.js';
import { DEFAULT_GROUP, DEFAULT_QUEUE, LOGGED_OUT, MAX_APP_SESSIONS } from './defaults.js';
import { refuse } from './errors.js';
import { parseFeatureCode } from './fac.js';
import { isOnCall, nextWakeAt, normalizeFacts, stillSettled } from './facts.js';
import { heartbeatSession, refreshedRegistration } from './leases.js';
import { presenceChanged, presenceRecord } from './presence.js';
import { distribute, queueCommand, queueSnapshot, queueSnapshotChanged } from './queue.js';
import { route } from './routing.js';
import type { Decision } from './routing.js';
import { newUser, OverlayMap } from './state.js';
import { copyUser, userWith } from './user.js';
import type { UserDraft } from './user.js';
import { validateGroup, validatePolicy, validateQueue, validateUserInput } from './validate.js';
import type {
  Actor,
  AgentRecord,
  Cause,
  Group,
  GroupId,
  Instant,
  ManualStatus,
  QueueId,
  QueueState,
  Refusal,
  TenantPolicy,
  TenantState,
  UserId,
  UserState,
} from './types.js';

export interface Applied {
  readonly ok: true;
  readonly patch: Patch;
  readonly events: readonly CoreEvent[];
  readonly timers: readonly TimerRequest[];
  readonly directives: readonly Directive[];
  /** What the command answers its caller, e.g. a routing decision. */
  readonly reply?: unknown;
  /**
   * Only a lease moved later (a heartbeat): kept in memory, not worth a journal write of its own.
   * It is persisted with the user's next durable change.
   */
  readonly volatile?: true;
}

const EMPTY_MAP: ReadonlyMap<never, never> = new Map<never, never>();
const EMPTY_SET: ReadonlySet<never> = new Set<never>();

/** The working set of one command: what it changed so far, over the untouched state. */
export class Tx {
  readonly users = new Map<UserId, UserState>();
  // Most commands touch one user: the other working sets are made when first written.
  private changedQueues: Map<QueueId, QueueState> | undefined;
  private changedGroups: Map<GroupId, Group> | undefined;
  private goneUsers: Set<UserId> | undefined;
  private goneGroups: Set<GroupId> | undefined;
  private goneQueues: Set<QueueId> | undefined;
  readonly events: CoreEvent[] = [];
  readonly timers: TimerRequest[] = [];
  readonly directives: Directive[] = [];
  policy: TenantPolicy;
  reply: unknown;
  constructor(
    readonly base: TenantState,
    readonly now: Instant,
    public cause: Cause,
  ) {
    this.policy = base.policy;
  }
  get queues(): ReadonlyMap<QueueId, QueueState> {
    return this.changedQueues ?? EMPTY_MAP;
  }
  get groups(): ReadonlyMap<GroupId, Group> {
    return this.changedGroups ?? EMPTY_MAP;
  }
  get removedUsers(): ReadonlySet<UserId> {
    return this.goneUsers ?? EMPTY_SET;
  }
  get removedGroups(): ReadonlySet<GroupId> {
    return this.goneGroups ?? EMPTY_SET;
  }
  get removedQueues(): ReadonlySet<QueueId> {
    return this.goneQueues ?? EMPTY_SET;
  }
  user(id: UserId): UserState | undefined {
    if (this.goneUsers?.has(id) === true) return undefined;
    return this.users.get(id) ?? this.base.users.get(id);
  }
  queue(id: QueueId): QueueState | undefined {
    if (this.goneQueues?.has(id) === true) return undefined;
    return this.changedQueues?.get(id) ?? this.base.queues.get(id);
  }
  removeUser(id: UserId): void {
    (this.goneUsers ??= new Set()).add(id);
    this.users.delete(id);
  }
  putGroup(g: Group): void {
    (this.changedGroups ??= new Map()).set(g.id, g);
  }
  removeGroup(id: GroupId): void {
    (this.goneGroups ??= new Set()).add(id);
  }
  removeQueue(id: QueueId): void {
    (this.goneQueues ??= new Set()).add(id);
    this.changedQueues?.delete(id);
  }
  putUser(u: UserState): void {
    this.users.set(u.id, u);
  }
  putQueue(q: QueueState): void {
    (this.changedQueues ??= new Map()).set(q.config.id, q);
  }
  /** The state as this command sees it so far. */
  view(): TenantState {
    if (this.users.size === 0 && this.queues.size === 0 && this.groups.size === 0 && this.policy === this.base.policy) return this.base;
    const extensions = new Map<string, UserId>();
    for (const u of this.users.values()) extensions.set(u.extension, u.id);
    const byExtension = new OverlayMap(this.base.byExtension, extensions);
    return {
      id: this.base.id,
      policy: this.policy,
      leases: this.base.leases,
      users: new OverlayMap(this.base.users, this.users, this.removedUsers),
      byExtension,
      groups: new OverlayMap(this.base.groups, this.groups, this.removedGroups),
      queues: new OverlayMap(this.base.queues, this.queues, this.removedQueues),
    };
  }
}

/** S5.3: the cause a change records. */
export function causeOf(actor: Actor | undefined, subject?: UserId): Cause {
  if (actor === undefined) return 'system';
  switch (actor.kind) {
    case 'user':
      if (actor.userId === subject) return 'self';
      return `${actor.role}:${actor.userId}`;
    case 'apikey':
      return `apikey:${actor.keyId}`;
    default:
      return actor.kind;
  }
}

/** S5.1: may this actor change this user's status? */
function maySetStatus(actor: Actor, userId: UserId, policy: TenantPolicy): boolean {
  switch (actor.kind) {
    case 'user':
      return actor.userId === userId || (actor.role === 'admin' && policy.adminsSetOthers);
    case 'apikey':
      return actor.role === 'admin' && policy.adminsSetOthers;
    default:
      return true;
  }
}

/** S5.1, S1.6: may this actor change this agent's state in this queue? */
function mayCommandAgent(actor: Actor, userId: UserId, queue: QueueState): boolean {
  switch (actor.kind) {
    case 'user':
      return actor.userId === userId || actor.role === 'admin' || (actor.role === 'supervisor' && queue.config.supervisors.includes(actor.userId));
    case 'apikey':
      return actor.role === 'admin' || actor.role === 'supervisor';
    default:
      return true;
  }
}

const MAX_TEXT = 100;

function setStatus(tx: Tx, cmd: Extract<Command, { type: 'status.set' }>): Refusal | undefined {
  const user = tx.user(cmd.userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
  if (!maySetStatus(cmd.by, cmd.userId, tx.policy)) return refuse('SWB_ERR_FORBIDDEN');
  const status = cmd.status;
  if (isAutomaticStatus(status)) {
    return refuse('SWB_ERR_STATUS_AUTOMATIC', { status }, `The status "${status}" is set automatically and cannot be chosen by hand.`);
  }
  if (!isManualStatus(status)) return refuse('SWB_ERR_STATUS_UNKNOWN', { status: String(status).slice(0, 40) });
  if (!tx.policy.manualStatuses.includes(status)) return refuse('SWB_ERR_STATUS_DISABLED', { status });
  // S1.3: at most 100 characters, counted as code points (an emoji is one).
  if (cmd.text !== undefined && cmd.text.length > MAX_TEXT && [...cmd.text].length > MAX_TEXT) return refuse('SWB_ERR_TEXT_TOO_LONG', { max: MAX_TEXT });
  if (status === 'custom' && (cmd.text === undefined || cmd.text.trim() === '')) return refuse('SWB_ERR_TEXT_REQUIRED');
  if (cmd.until !== undefined && !(cmd.until > tx.now)) return refuse('SWB_ERR_UNTIL_NOT_FUTURE');
  if (status === 'forwarding') {
    if (!user.settings.forwardingAllowed) return refuse('SWB_ERR_FORWARDING_NOT_ALLOWED');
    if (cmd.forwardTo === undefined || cmd.forwardTo.trim() === '') return refuse('SWB_ERR_FORWARD_TO_REQUIRED');
    if (cmd.forwardTo === user.extension) return refuse('SWB_ERR_FORWARD_TO_SELF');
  } else if (cmd.forwardTo !== undefined) {
    return refuse('SWB_ERR_FORWARD_TO_UNEXPECTED');
  }
  const current = user.manual;
  if (status === 'available') {
    // S2.1: setting available clears any other manual status.
    if (current !== undefined) tx.putUser(withManual(user, undefined));
    return undefined;
  }
  // S1: setting the status already set changes nothing.
  if (current !== undefined && current.status === status && current.text === cmd.text && current.until === cmd.until && current.forwardTo === cmd.forwardTo) {
    return undefined;
  }
  const manual: { -readonly [K in keyof ManualStatus]: ManualStatus[K] } = { status, setBy: tx.cause, setAt: tx.now };
  if (cmd.text !== undefined) manual.text = cmd.text;
  if (cmd.until !== undefined) manual.until = cmd.until;
  if (cmd.forwardTo !== undefined) manual.forwardTo = cmd.forwardTo;
  tx.putUser(withManual(user, manual));
  return undefined;
}

function withManual(user: UserState, manual: ManualStatus | undefined): UserState {
  const next = copyUser(user);
  next.manual = manual;
  return next;
}

function clearStatus(tx: Tx, userId: UserId, by: Actor, only?: ManualStatus['status']): Refusal | undefined {
  const user = tx.user(userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: userId });
  if (!maySetStatus(by, userId, tx.policy)) return refuse('SWB_ERR_FORBIDDEN');
  if (user.manual === undefined || (only !== undefined && user.manual.status !== only)) return undefined;
  tx.putUser(withManual(user, undefined));
  return undefined;
}

function agentQueues(tx: Tx, userId: UserId, queueId: QueueId | undefined): readonly QueueState[] | Refusal {
  if (queueId !== undefined) {
    const q = tx.queue(queueId);
    if (q === undefined) return refuse('SWB_ERR_QUEUE_NOT_FOUND', { queue: queueId });
    if (!q.config.agents.includes(userId)) return refuse('SWB_ERR_AGENT_NOT_MEMBER', { queue: queueId });
    return [q];
  }
  const all: QueueState[] = [];
  for (const q of tx.view().queues.values()) if (q.config.agents.includes(userId)) all.push(q);
  return all.length === 0 ? refuse('SWB_ERR_AGENT_NO_QUEUES') : all;
}

function agentCommand(tx: Tx, cmd: Extract<Command, { type: 'agent.command' }>): Refusal | undefined {
  const user = tx.user(cmd.userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
  const queues = agentQueues(tx, cmd.userId, cmd.queueId);
  if ('ok' in queues) return queues;
  const input: AgentInput = cmd.action === 'not_ready' ? { type: 'not_ready', ...(cmd.reason !== undefined ? { reason: cmd.reason } : {}) } : { type: cmd.action };
  const agent: Record<QueueId, AgentRecord> = { ...user.agent };
  const refused: { queueId: QueueId; code: string }[] = [];
  let first: Refusal | undefined;
  for (const q of queues) {
    if (!mayCommandAgent(cmd.by, cmd.userId, q)) {
      // Another tenant member without rights: only the queues they may touch count.
      first ??= refuse('SWB_ERR_FORBIDDEN', { queue: q.config.id });
      refused.push({ queueId: q.config.id, code: 'SWB_ERR_FORBIDDEN' });
      continue;
    }
    const out = agentTransition(agent[q.config.id] ?? LOGGED_OUT, input, q.config, tx.now);
    if (!out.ok) {
      first ??= out;
      refused.push({ queueId: q.config.id, code: out.code });
      continue;
    }
    agent[q.config.id] = out.record;
  }
  // S4.2: a one-queue command is refused when it cannot apply; an all-queues command applies
  // where it can and is refused only when it applies nowhere.
  if (first !== undefined && refused.length === queues.length) return first;
  tx.putUser(userWith(user, { agent }));
  tx.reply = refused.length > 0 ? { refused } : undefined;
  return undefined;
}

function facDial(tx: Tx, cmd: Extract<Command, { type: 'fac.dial' }>): Refusal | undefined {
  const parsed = parseFeatureCode(cmd.digits);
  if (!parsed.ok) return parsed;
  const by: Actor = { kind: 'fac', userId: cmd.userId };
  const code = parsed.code;
  switch (code.kind) {
    case 'agent': {
      let queueId: QueueId | undefined;
      if (code.queue !== undefined) {
        const q = [...tx.view().queues.values()].find((x) => x.config.extension === code.queue || x.config.id === code.queue);
        if (q === undefined || !q.config.agents.includes(cmd.userId)) return refuse('SWB_ERR_AGENT_NOT_MEMBER', { queue: code.queue });
        queueId = q.config.id;
      }
      return agentCommand(tx, { type: 'agent.command', userId: cmd.userId, action: code.action, by, ...(queueId !== undefined ? { queueId } : {}) });
    }
    case 'dnd':
      return code.on ? setStatus(tx, { type: 'status.set', userId: cmd.userId, status: 'dnd', by }) : clearStatus(tx, cmd.userId, by, 'dnd');
    case 'forwarding':
      return code.on
        ? setStatus(tx, { type: 'status.set', userId: cmd.userId, status: 'forwarding', forwardTo: code.number, by })
        : clearStatus(tx, cmd.userId, by, 'forwarding');
  }
}

function upsertRegistration(tx: Tx, cmd: Extract<Command, { type: 'registration.set' }>): Refusal | undefined {
  const user = tx.user(cmd.userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
  if (!(cmd.expiresAt > tx.now)) {
    // An expiry in the past is an unregistration.
    return removeRegistration(tx, cmd.userId, cmd.id);
  }
  const i = user.registrations.findIndex((r) => r.id === cmd.id);
  const reg = { id: cmd.id, kind: cmd.kind, expiresAt: cmd.expiresAt };
  const registrations = i < 0 ? [...user.registrations, reg] : user.registrations.map((r, j) => (j === i ? reg : r));
  const next = copyUser(user);
  next.registrations = registrations;
  tx.putUser(next);
  return undefined;
}

function removeRegistration(tx: Tx, userId: UserId, id: string): Refusal | undefined {
  const user = tx.user(userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: userId });
  if (!user.registrations.some((r) => r.id === id)) return undefined;
  tx.putUser(userWith(user, { registrations: user.registrations.filter((r) => r.id !== id) }));
  return undefined;
}

function updateLeg(tx: Tx, cmd: Extract<Command, { type: 'leg.update' }>): Refusal | undefined {
  const user = tx.user(cmd.userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
  if (cmd.queueId !== undefined && tx.queue(cmd.queueId) === undefined) return refuse('SWB_ERR_QUEUE_NOT_FOUND', { queue: cmd.queueId });
  const others = user.legs.filter((l) => l.id !== cmd.legId);
  if (cmd.state === 'ended') {
    if (others.length === user.legs.length) return undefined;
    const wasOnCall = isOnCall(user, tx.policy, tx.now);
    const next = copyUser(user);
    next.legs = others;
    if (wasOnCall && !isOnCall(next, tx.policy, tx.now)) next.lastCallEndedAt = tx.now;
    tx.putUser(next);
    return undefined;
  }
  const leg = {
    id: cmd.legId,
    direction: cmd.direction,
    state: cmd.state,
    acd: cmd.acd ?? false,
    updatedAt: tx.now,
    queueId: cmd.queueId,
  };
  const next = copyUser(user);
  next.legs = [...others, leg];
  tx.putUser(next);
  return undefined;
}

function sessionCommand(tx: Tx, cmd: Extract<Command, { type: 'session.start' | 'session.heartbeat' | 'session.end' }>): Refusal | undefined {
  const user = tx.user(cmd.userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
  const i = user.sessions.findIndex((s) => s.id === cmd.sessionId);
  if (cmd.type === 'session.start') {
    const session = { id: cmd.sessionId, lastSeenAt: tx.now, lastActiveAt: tx.now };
    if (i >= 0) {
      tx.putUser(userWith(user, { sessions: user.sessions.map((s, j) => (j === i ? session : s)) }));
      return undefined;
    }
    // S1.4: a new session past the cap ends the ones heard from least recently (not a sign-out).
    const kept = [...user.sessions].sort((a, b) => b.lastSeenAt - a.lastSeenAt).slice(0, MAX_APP_SESSIONS - 1);
    tx.putUser(userWith(user, { sessions: [...user.sessions.filter((s) => kept.includes(s)), session] }));
    return undefined;
  }
  if (i < 0) return refuse('SWB_ERR_SESSION_NOT_FOUND');
  if (cmd.type === 'session.heartbeat') {
    const s = user.sessions[i]!;
    const session = { id: s.id, lastSeenAt: tx.now, lastActiveAt: cmd.active ? tx.now : s.lastActiveAt };
    tx.putUser(userWith(user, { sessions: user.sessions.map((x, j) => (j === i ? session : x)) }));
    return undefined;
  }
  const sessions = user.sessions.filter((_, j) => j !== i);
  // S1.5: signing out of the last session sets absent when the user asked for it.
  if (sessions.length === 0 && user.settings.absentAtLogout) {
    tx.cause = 'system';
    tx.putUser(userWith(user, { sessions, manual: { status: 'absent', setBy: 'system', setAt: tx.now } }));
    return undefined;
  }
  tx.putUser(userWith(user, { sessions }));
  return undefined;
}

function upsertUser(tx: Tx, cmd: Extract<Command, { type: 'user.upsert' }>): Refusal | undefined {
  const bad = validateUserInput(cmd.user);
  if (bad) return bad;
  const holder = tx.base.byExtension.get(cmd.user.extension);
  if (holder !== undefined && holder !== cmd.user.id && tx.user(holder)?.extension === cmd.user.extension) {
    return refuse('SWB_ERR_EXTENSION_TAKEN', { extension: cmd.user.extension });
  }
  for (const u of tx.users.values()) if (u.id !== cmd.user.id && u.extension === cmd.user.extension) return refuse('SWB_ERR_EXTENSION_TAKEN', { extension: cmd.user.extension });
  const existing = tx.user(cmd.user.id);
  if (cmd.user.role !== undefined && cmd.user.role !== 'admin' && isLastAdmin(tx, cmd.user.id)) return refuse('SWB_ERR_LAST_ADMIN', { user: cmd.user.id });
  if (existing === undefined) {
    // A new user's first record is announced in `finish` (it has no old one).
    tx.putUser(newUser(cmd.user, tx.policy, tx.now));
    return undefined;
  }
  tx.putUser(
    userWith(existing, {
      extension: cmd.user.extension,
      name: cmd.user.name,
      role: cmd.user.role ?? existing.role,
      settings: { ...existing.settings, ...cmd.user.settings },
    }),
  );
  return undefined;
}

/** S5.1: a tenant keeps at least one admin; is `userId` the only one? */
function isLastAdmin(tx: Tx, userId: UserId): boolean {
  if (tx.user(userId)?.role !== 'admin') return false;
  for (const u of tx.users.values()) if (u.id !== userId && u.role === 'admin') return false;
  for (const u of tx.base.users.values()) if (u.id !== userId && u.role === 'admin' && tx.user(u.id)?.role === 'admin') return false;
  return true;
}

function removeUser(tx: Tx, userId: UserId): Refusal | undefined {
  const user = tx.user(userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: userId });
  if (isLastAdmin(tx, userId)) return refuse('SWB_ERR_LAST_ADMIN', { user: userId });
  tx.removeUser(userId);
  tx.events.push({ type: 'presence.changed', subject: userId, at: tx.now, cause: tx.cause, value: user.presence, old: user.presence, removed: true });
  tx.timers.push({ wake: userId, cancel: true, row: user.leaseRow });
  const view = tx.view();
  for (const g of view.groups.values()) if (g.members.includes(userId)) tx.putGroup({ ...g, members: g.members.filter((m) => m !== userId) });
  for (const q of view.queues.values()) {
    if (q.config.agents.includes(userId) || q.config.supervisors.includes(userId)) {
      tx.putQueue({
        ...q,
        config: { ...q.config, agents: q.config.agents.filter((a) => a !== userId), supervisors: q.config.supervisors.filter((a) => a !== userId) },
        waiting: q.waiting.map((w) => (w.offeredTo.includes(userId) ? { ...w, offeredTo: w.offeredTo.filter((a) => a !== userId) } : w)),
      });
    }
  }
  return undefined;
}

function upsertGroup(tx: Tx, cmd: Extract<Command, { type: 'group.upsert' }>): Refusal | undefined {
  const existing = tx.view().groups.get(cmd.group.id);
  const group: Group = { ...DEFAULT_GROUP, ...existing, ...cmd.group };
  const bad = validateGroup(group, (id) => tx.user(id) !== undefined);
  if (bad) return bad;
  tx.putGroup(group);
  return undefined;
}

function upsertQueue(tx: Tx, cmd: Extract<Command, { type: 'queue.upsert' }>): Refusal | undefined {
  const existing = tx.queue(cmd.queue.id);
  const config = { ...DEFAULT_QUEUE, ...existing?.config, ...cmd.queue };
  const bad = validateQueue(config, (id) => tx.user(id) !== undefined);
  if (bad) return bad;
  tx.putQueue(existing ? { ...existing, config } : { config, waiting: [], answeredToday: 0, missedToday: 0, overflowedToday: 0 });
  // Agents taken out of the queue leave its agent states.
  dropAgentStates(tx, config.id, (existing?.config.agents ?? []).filter((a) => !config.agents.includes(a)));
  return undefined;
}

/** The agent state of these users in this queue is gone (finish emits logged_out for it). */
function dropAgentStates(tx: Tx, queueId: QueueId, agents: readonly UserId[]): void {
  for (const a of agents) {
    const u = tx.user(a);
    if (u?.agent[queueId] === undefined) continue;
    const agent = { ...u.agent };
    delete agent[queueId];
    tx.putUser(userWith(u, { agent }));
  }
}

function removeQueue(tx: Tx, queueId: QueueId): Refusal | undefined {
  const q = tx.queue(queueId);
  if (q === undefined) return refuse('SWB_ERR_QUEUE_NOT_FOUND', { queue: queueId });
  tx.removeQueue(queueId);
  dropAgentStates(tx, queueId, q.config.agents);
  return undefined;
}

/** S3: a real call being routed: the decision, plus its side effects on state. */
function routeCall(tx: Tx, cmd: Extract<Command, { type: 'call.route' }>): Refusal | undefined {
  const out = route(tx.view(), cmd.call, tx.now);
  if (!out.ok) return out;
  tx.reply = out.decision;
  for (let d: Decision | undefined = out.decision; d !== undefined; d = 'next' in d ? d.next : undefined) {
    if (d.outcome === 'action' && d.notifyMissed !== undefined) {
      // S3.1#3: the DND user gets a missed-call notification.
      const u = tx.user(d.notifyMissed);
      if (u) {
        tx.putUser(userWith(u, { missedCalls: u.missedCalls + 1 }));
        tx.events.push({
          type: 'call.missed',
          subject: u.id,
          at: tx.now,
          cause: tx.cause,
          value: { reason: 'dnd', ...(cmd.call.callId !== undefined ? { callId: cmd.call.callId } : {}), ...callerOf(cmd.call.from) },
        });
      }
    }
    if (d.outcome === 'ring' && d.target.kind === 'group') {
      const g = tx.view().groups.get(d.target.id);
      const first = d.ring[0];
      if (g && g.strategy === 'roundRobin' && first) tx.putGroup({ ...g, lastRang: first.forwardedFrom ?? first.userId ?? g.lastRang });
    }
    // A call that reaches a queue joins it (or gets its busy or overflow action, S4.4).
    if ((d.outcome === 'queue' || d.outcome === 'action') && d.target.kind === 'queue' && cmd.call.callId !== undefined) {
      const r = queueCommand(tx, { type: 'queue.call.arrive', queueId: d.target.id, callId: cmd.call.callId, caller: callerOf(cmd.call.from).caller ?? 'unknown' });
      if (r) return r;
    }
  }
  // The caller hears the decision, whatever the queue answered on the way.
  tx.reply = out.decision;
  return undefined;
}

function callerOf(from: Extract<Command, { type: 'call.route' }>['call']['from']): { caller?: string } {
  if (from === undefined) return {};
  return 'userId' in from ? { caller: from.userId } : { caller: from.external };
}

function setPolicy(tx: Tx, policy: Partial<TenantPolicy>): Refusal | undefined {
  const next = { ...tx.policy, ...policy };
  const bad = validatePolicy(next);
  if (bad) return bad;
  tx.policy = next;
  // Every user's presence may depend on the policy (S2.3#4, S1.4).
  for (const u of tx.base.users.values()) if (!tx.users.has(u.id)) tx.putUser(u);
  return undefined;
}

function step(tx: Tx, cmd: Command): Refusal | undefined {
  switch (cmd.type) {
    case 'tenant.policy':
      return setPolicy(tx, cmd.policy);
    case 'user.upsert':
      return upsertUser(tx, cmd);
    case 'user.remove':
      return removeUser(tx, cmd.userId);
    case 'group.upsert':
      return upsertGroup(tx, cmd);
    case 'group.remove':
      if (tx.view().groups.get(cmd.groupId) === undefined) return refuse('SWB_ERR_GROUP_NOT_FOUND', { group: cmd.groupId });
      tx.removeGroup(cmd.groupId);
      return undefined;
    case 'queue.upsert':
      return upsertQueue(tx, cmd);
    case 'queue.remove':
      return removeQueue(tx, cmd.queueId);
    case 'registration.set':
      return upsertRegistration(tx, cmd);
    case 'registration.remove':
      return removeRegistration(tx, cmd.userId, cmd.id);
    case 'leg.update':
      return updateLeg(tx, cmd);
    case 'status.set':
      return setStatus(tx, cmd);
    case 'status.clear':
      return clearStatus(tx, cmd.userId, cmd.by);
    case 'session.start':
    case 'session.heartbeat':
    case 'session.end':
      return sessionCommand(tx, cmd);
    case 'agent.command':
      return agentCommand(tx, cmd);
    case 'fac.dial':
      return facDial(tx, cmd);
    case 'voicemail.count': {
      const u = tx.user(cmd.userId);
      if (u === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
      if (!Number.isInteger(cmd.count) || cmd.count < 0) return refuse('SWB_ERR_INVALID', { field: 'count' });
      if (u.voicemail !== cmd.count) tx.putUser(userWith(u, { voicemail: cmd.count }));
      return undefined;
    }
    case 'missed.add': {
      const u = tx.user(cmd.userId);
      if (u === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
      tx.putUser(userWith(u, { missedCalls: u.missedCalls + 1 }));
      tx.events.push({
        type: 'call.missed',
        subject: u.id,
        at: tx.now,
        cause: tx.cause,
        value: { reason: 'missed', ...(cmd.callId !== undefined ? { callId: cmd.callId } : {}), ...(cmd.caller !== undefined ? { caller: cmd.caller } : {}) },
      });
      return undefined;
    }
    case 'missed.reset': {
      const u = tx.user(cmd.userId);
      if (u === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
      if (!maySetStatus(cmd.by, cmd.userId, tx.policy)) return refuse('SWB_ERR_FORBIDDEN');
      if (u.missedCalls !== 0) tx.putUser(userWith(u, { missedCalls: 0 }));
      return undefined;
    }
    case 'call.route':
      return routeCall(tx, cmd);
    case 'timer.wake': {
      const u = tx.user(cmd.userId);
      if (u !== undefined) tx.putUser(u); // `finish` drops what ran out
      return undefined;
    }
    case 'timer.wrapUp': {
      const u = tx.user(cmd.userId);
      const q = tx.queue(cmd.queueId);
      const rec = u?.agent[cmd.queueId];
      if (u === undefined || q === undefined || rec === undefined) return undefined;
      const out = agentTransition(rec, { type: 'wrapUpEnd' }, q.config, tx.now);
      if (out.ok && out.record !== rec) tx.putUser(userWith(u, { agent: { ...u.agent, [cmd.queueId]: out.record } }));
      return undefined;
    }
    case 'queue.call.arrive':
    case 'queue.call.answer':
    case 'queue.call.abandon':
    case 'queue.resetCounters':
    case 'timer.agentRing':
    case 'timer.queueMaxWait':
      return queueCommand(tx, cmd);
  }
}

function commandCause(cmd: Command): Cause {
  switch (cmd.type) {
    case 'status.set':
    case 'status.clear':
    case 'agent.command':
    case 'missed.reset':
      return causeOf(cmd.by, cmd.userId);
    case 'registration.set':
    case 'registration.remove':
      return cmd.by ? causeOf(cmd.by, cmd.userId) : cmd.type === 'registration.set' && cmd.kind === 'pbx' ? 'pbx' : 'sip';
    case 'leg.update':
    case 'missed.add':
      return cmd.by ? causeOf(cmd.by, cmd.userId) : 'sip';
    case 'fac.dial':
      return 'fac';
    case 'session.start':
    case 'session.heartbeat':
    case 'session.end':
      return 'self';
    case 'call.route':
    case 'queue.call.arrive':
    case 'queue.call.answer':
    case 'queue.call.abandon':
      return 'sip';
    default:
      return 'system';
  }
}

/** Sync every logged-in queue of the user with the calls they have now (S4.2). */
function syncAgentWithCalls(tx: Tx, user: UserState): UserState {
  let agent: Record<QueueId, AgentRecord> | undefined;
  const onCall = isOnCall(user, tx.policy, tx.now);
  for (const queueId in user.agent) {
    const rec = user.agent[queueId]!;
    if (rec.state === 'logged_out') continue;
    const q = tx.queue(queueId);
    if (q === undefined) continue;
    const queueCall = user.legs.some((l) => l.acd && l.queueId === queueId && (l.state === 'answered' || l.state === 'held'));
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
    a.wrapUpUntil === b.wrapUpUntil
  );
}

function touchesAgent(tx: Tx): boolean {
  for (const u of tx.users.values()) for (const _ in u.agent) return true;
  return false;
}

/** The user's record as this command leaves it: presence and agent events, the wake timer. */
function settleUser(tx: Tx, id: UserId, u: UserState): UserState {
  const now = tx.now;
  const before = tx.base.users.get(id);
  const old = before?.presence;
  const fresh = presenceRecord(u, tx.policy, now, old);
  let presence = old;
  if (old === undefined || presenceChanged(old, fresh)) {
    presence = fresh;
    tx.events.push(
      old === undefined
        ? { type: 'presence.changed', subject: id, at: now, cause: tx.cause, value: fresh }
        : { type: 'presence.changed', subject: id, at: now, cause: tx.cause, value: fresh, old },
    );
  }
  let next = u;
  if (u.presence !== presence || u.settledAt !== now) {
    // A record other than the committed one was built by this command and nobody else holds
    // it yet: it is finished in place instead of being copied a second time.
    const draft = u === before ? copyUser(u) : (u as UserDraft);
    draft.presence = presence!;
    draft.settledAt = now;
    next = draft;
  }
  const beforeAgent = before?.agent ?? {};
  for (const queueId in next.agent) {
    const a = next.agent[queueId]!;
    const b = beforeAgent[queueId];
    if (a === b) continue;
    if (b === undefined && a.state === 'logged_out') continue;
    if (b !== undefined && sameAgentRecord(a, b)) continue;
    tx.events.push(
      b === undefined
        ? { type: 'agent.changed', subject: id, queueId, at: now, cause: tx.cause, value: a }
        : { type: 'agent.changed', subject: id, queueId, at: now, cause: tx.cause, value: a, old: b },
    );
    const key = `wrapup:${id}:${queueId}`;
    if (a.state === 'wrap_up' && a.wrapUpUntil !== undefined) {
      tx.timers.push({ key, at: a.wrapUpUntil, command: { type: 'timer.wrapUp', userId: id, queueId } });
    } else if (b?.state === 'wrap_up') {
      tx.timers.push({ key, cancel: true });
    }
  }
  for (const queueId in beforeAgent) {
    if (next.agent[queueId] === undefined && beforeAgent[queueId]!.state !== 'logged_out') {
      tx.events.push({ type: 'agent.changed', subject: id, queueId, at: now, cause: tx.cause, value: { ...LOGGED_OUT, since: now }, old: beforeAgent[queueId]! });
    }
  }
  // S9.3: the next lease to run out. Always stated: the engine ignores a timer it already has.
  const wake = nextWakeAt(next, tx.policy, now);
  tx.timers.push(wake === undefined ? { wake: id, cancel: true, row: next.leaseRow } : { wake: id, at: wake, row: next.leaseRow });
  return next;
}

/** Settles derived values once per command and emits one event per changed value. */
function finish(tx: Tx): Applied {
  const now = tx.now;
  // forEach, not for-of, over the users: it makes no entry object per user.
  tx.users.forEach((u, id) => tx.users.set(id, syncAgentWithCalls(tx, normalizeFacts(u, tx.policy, now))));
  // Only a queue change or a change to an agent can open a new offer (S4.3).
  if (tx.queues.size > 0 || touchesAgent(tx)) distribute(tx);
  const users: UserState[] = [];
  tx.users.forEach((u, id) => users.push(settleUser(tx, id, u)));
  const queues: QueueState[] = [];
  if (tx.queues.size > 0) for (const [id, q] of tx.queues) {
    const before = tx.base.queues.get(id);
    const value = queueSnapshot(q);
    if (before === undefined) tx.events.push({ type: 'queue.changed', subject: id, at: now, cause: tx.cause, value });
    else {
      const old = queueSnapshot(before);
      if (queueSnapshotChanged(old, value)) tx.events.push({ type: 'queue.changed', subject: id, at: now, cause: tx.cause, value, old });
    }
    queues.push(q);
  }
  const patch: { -readonly [K in keyof Patch]: Patch[K] } = {};
  if (users.length > 0) patch.users = users;
  if (queues.length > 0) patch.queues = queues;
  if (tx.groups.size > 0) patch.groups = [...tx.groups.values()].filter((g) => !tx.removedGroups.has(g.id));
  if (tx.removedUsers.size > 0) patch.removedUsers = [...tx.removedUsers];
  if (tx.removedGroups.size > 0) patch.removedGroups = [...tx.removedGroups];
  if (tx.removedQueues.size > 0) patch.removedQueues = [...tx.removedQueues];
  if (tx.policy !== tx.base.policy) patch.policy = tx.policy;
  return { ok: true, patch, events: tx.events, timers: tx.timers, directives: tx.directives, reply: tx.reply };
}

const NOTHING: readonly never[] = [];

/**
 * The fast path for an input that only moves a lease later: a heartbeat of a known session, or
 * a refresh of a live registration of the same kind, while no lease of the user is due. Nothing
 * a watcher can see changes, so it emits nothing (S1.1, S1.4). The wake timer stays where it is:
 * a lease that only moves later can at most make it fire early, and an early wake re-arms itself
 * (see `wakeDue`). Only a registration refreshed to a shorter expiry moves it earlier.
 */
function leaseOnly(state: TenantState, cmd: Extract<Command, { type: 'session.heartbeat' | 'registration.set' }>, now: Instant): Applied | undefined {
  if (cmd.type === 'session.heartbeat') {
    const lease = heartbeatLease(state, cmd, now);
    return lease && { ok: true, patch: { leases: [lease] }, events: NOTHING, timers: NOTHING, directives: NOTHING, volatile: true };
  }
  const user = state.users.get(cmd.userId);
  if (user === undefined) return undefined;
  const r = refreshedRegistration(state, user, cmd, now);
  if (r === undefined) return undefined;
  const lease: LeaseUpdate = { userId: user.id, registration: r.id, expiresAt: cmd.expiresAt };
  // A registration refresh is durable (registrations survive a restart, S7.1); a heartbeat is not.
  return { ok: true, patch: { leases: [lease], users: [user] }, events: NOTHING, timers: NOTHING, directives: NOTHING };
}

/**
 * A heartbeat that only moves its session's lease later: the lease to commit in place, or
 * undefined when the heartbeat needs the full path (unknown session, a lease due, idleness ending).
 * `apply` answers such a heartbeat with exactly this lease as its patch; the engine, which sees
 * most inputs as heartbeats, commits the same change with `commitHeartbeat` without building it.
 */
export function heartbeatLease(state: TenantState, cmd: Extract<Command, { type: 'session.heartbeat' }>, now: Instant): LeaseUpdate | undefined {
  const s = heartbeatSession(state, cmd, now);
  return s && { userId: cmd.userId, session: s.id, lastSeenAt: now, lastActiveAt: cmd.active ? now : s.lastActiveAt };
}

/**
 * For a wake timer that fired (S9.3): `'due'` when a lease of the user has run out or idleness
 * began, so `timer.wake` must be applied. Otherwise nothing changed (leases moved later since
 * the timer was set): the answer is when to wake next (`Infinity`: no lease left), and the
 * user's lease bound is to be taken again (the engine commits that in place). `row` is the row
 * of the user's lease table the caller knows: while its bound lies ahead, the user's records
 * are not read at all.
 */
export function wakeDue(state: TenantState, userId: UserId, row: number, now: Instant): { readonly next: Instant; readonly lease?: LeaseUpdate } | 'due' {
  const bound = state.leases.bound(row, userId);
  if (bound > now) return { next: bound };
  const user = state.users.get(userId);
  if (user === undefined) return { next: Infinity };
  if (!stillSettled(user, state.policy, now)) return 'due';
  return { next: nextWakeAt(user, state.policy, now) ?? Infinity, lease: { userId, rebound: true } };
}

/**
 * Applies one command at `now`. Bad input (unknown user, queue or status, a forbidden change) is
 * a returned refusal, never a throw, and changes nothing.
 */
export function apply(state: TenantState, command: Command, now: Instant): Applied | Refusal {
  // Most inputs are heartbeats and registration refreshes that change no derived value.
  if (command.type === 'session.heartbeat' || command.type === 'registration.set') {
    const fast = leaseOnly(state, command, now);
    if (fast !== undefined) return fast;
  }
  const tx = new Tx(state, now, commandCause(command));
  const refused = step(tx, command);
  if (refused !== undefined) return refused;
  return finish(tx);
}
