// What a subscription covers (S6.2: a tenant, a group, a queue or users), which events fall in
// it, the snapshot of it, and what each viewer may see of a forwarding user (S2.7, by the core's
// one rule in src/core/visibility.ts).
import { hasForwardTo, queueSnapshot, seesOthersForwardTo, withoutForwardTo } from '../core/index.js';
import type { Group, QueueConfig, TenantState, UserId, UserState, Viewer } from '../core/index.js';
import type { ProtocolError, ScopeRequest } from './protocol.js';
import { error } from './protocol.js';

export type Scope =
  | { readonly kind: 'tenant'; readonly key: string }
  | { readonly kind: 'group'; readonly id: string; readonly key: string }
  | { readonly kind: 'queue'; readonly id: string; readonly key: string }
  | { readonly kind: 'users'; readonly ids: ReadonlySet<UserId>; readonly key: string };

/** One committed event, serialised once (DESIGN.md) and shared by every watcher that gets it. */
export interface Entry {
  readonly seq: number;
  readonly type: string;
  readonly subject: string;
  readonly queueId?: string;
  /** Events superseding each other share a key (S6.2: a slow watcher gets the latest per key). */
  readonly key: string;
  readonly json: string;
  /** S2.7: the same event without the forwarding destination, when it had one. */
  readonly redacted?: string;
  readonly bytes: number;
}

/** Resolves a requested scope within the caller's own tenant only (S5.2: other ids are not found). */
export function resolveScope(state: TenantState, req: ScopeRequest, id: string): Scope | ProtocolError {
  if ('tenant' in req) return { kind: 'tenant', key: 't' };
  if ('group' in req) {
    const g = state.groups.get(req.group) ?? [...state.groups.values()].find((x) => x.extension === req.group);
    if (g === undefined) return error('SWB_ERR_GROUP_NOT_FOUND', undefined, { group: req.group }, id);
    return { kind: 'group', id: g.id, key: `g:${g.id}` };
  }
  if ('queue' in req) {
    const q = state.queues.get(req.queue) ?? [...state.queues.values()].find((x) => x.config.extension === req.queue);
    if (q === undefined) return error('SWB_ERR_QUEUE_NOT_FOUND', undefined, { queue: req.queue }, id);
    return { kind: 'queue', id: q.config.id, key: `q:${q.config.id}` };
  }
  const ids = new Set<UserId>();
  for (const ref of req.users) {
    const user = state.users.get(ref) ?? state.users.get(state.byExtension.get(ref) ?? '');
    if (user === undefined) return error('SWB_ERR_USER_NOT_FOUND', undefined, { user: ref }, id);
    ids.add(user.id);
  }
  return { kind: 'users', ids, key: `u:${[...ids].sort().join(',')}` };
}

const byExtension = new Intl.Collator('en', { numeric: true });

// Groups and queue configs are replaced, never mutated, so their member sets can be cached by identity.
const groupMembers = new WeakMap<Group, ReadonlySet<UserId>>();
const queueAgents = new WeakMap<QueueConfig, ReadonlySet<UserId>>();
const EMPTY: ReadonlySet<UserId> = new Set();

function membersOf(state: TenantState, scope: Scope): ReadonlySet<UserId> | undefined {
  switch (scope.kind) {
    case 'tenant':
      return undefined;
    case 'users':
      return scope.ids;
    case 'group': {
      const g = state.groups.get(scope.id);
      if (g === undefined) return EMPTY;
      let set = groupMembers.get(g);
      if (set === undefined) groupMembers.set(g, (set = new Set(g.members)));
      return set;
    }
    case 'queue': {
      const q = state.queues.get(scope.id)?.config;
      if (q === undefined) return EMPTY;
      let set = queueAgents.get(q);
      if (set === undefined) queueAgents.set(q, (set = new Set(q.agents)));
      return set;
    }
  }
}

/** Whether an event is in scope, by the membership in force when it is delivered. */
export function inScope(state: TenantState, scope: Scope, e: Entry): boolean {
  if (scope.kind === 'tenant') return true;
  if (e.type === 'queue.changed') return scope.kind === 'queue' && e.subject === scope.id;
  if (e.type === 'agent.changed' && scope.kind === 'queue' && e.queueId !== scope.id) return false;
  return membersOf(state, scope)!.has(e.subject);
}

/** The users a scope covers now, in extension order. */
export function usersInScope(state: TenantState, scope: Scope): UserState[] {
  const members = membersOf(state, scope);
  const out: UserState[] = [];
  if (members === undefined) for (const u of state.users.values()) out.push(u);
  else
    for (const id of members) {
      const u = state.users.get(id);
      if (u !== undefined) out.push(u);
    }
  return out.sort((a, b) => byExtension.compare(a.extension, b.extension));
}

/** The S2.4 record with the agent state per queue, serialised once per UserState (full, redacted). */
const recordJson = new WeakMap<UserState, { full: string; redacted?: string }>();

function userJson(u: UserState, redacted: boolean): string {
  let cached = recordJson.get(u);
  if (cached === undefined) {
    const queues = Object.keys(u.agent);
    const agent = queues.length === 0 ? undefined : Object.fromEntries(queues.map((q) => [q, u.agent[q]!.state]));
    const record = agent === undefined ? u.presence : { ...u.presence, agent };
    cached = { full: JSON.stringify(record) };
    if (hasForwardTo(u.presence))
      cached.redacted = JSON.stringify(
        agent === undefined ? withoutForwardTo(u.presence) : { ...withoutForwardTo(u.presence), agent },
      );
    recordJson.set(u, cached);
  }
  return redacted ? (cached.redacted ?? cached.full) : cached.full;
}

/**
 * The snapshot's body after `{"type":"snapshot","id":…,`: position, presence records, agent
 * states and queue snapshots in scope. `full` is what admins see; otherwise S2.7 redaction
 * applies to everyone but `selfId`.
 */
export function snapshotBody(
  state: TenantState,
  scope: Scope,
  epoch: string,
  seq: number,
  viewer: { full: boolean; selfId?: UserId },
): string {
  const users = usersInScope(state, scope);
  const presence: string[] = [];
  const agents: string[] = [];
  for (const u of users) {
    presence.push(userJson(u, !viewer.full && u.id !== viewer.selfId));
    for (const queueId of Object.keys(u.agent)) {
      if (scope.kind === 'queue' && queueId !== scope.id) continue;
      agents.push(JSON.stringify({ userId: u.id, queueId, ...u.agent[queueId] }));
    }
  }
  const queues: string[] = [];
  if (scope.kind === 'tenant') for (const q of state.queues.values()) queues.push(JSON.stringify(queueSnapshot(q)));
  if (scope.kind === 'queue') {
    const q = state.queues.get(scope.id);
    if (q !== undefined) queues.push(JSON.stringify(queueSnapshot(q)));
  }
  return `"epoch":${JSON.stringify(epoch)},"seq":${seq},"presence":[${presence.join(',')}],"agents":[${agents.join(',')}],"queues":[${queues.join(',')}]}`;
}

/** Whether a viewer's own record in scope is one only they (and admins) see in full. */
export function ownRecordDiffers(state: TenantState, scope: Scope, viewer: Viewer): boolean {
  if (viewer.userId === undefined || seesOthersForwardTo(viewer)) return false;
  const me = state.users.get(viewer.userId);
  if (me === undefined || !hasForwardTo(me.presence)) return false;
  const members = membersOf(state, scope);
  return members === undefined || members.has(me.id);
}

/** What identifies the scope's membership, for caching snapshots (groups and queues are replaced on change). */
export function scopeSource(state: TenantState, scope: Scope): unknown {
  if (scope.kind === 'group') return state.groups.get(scope.id);
  if (scope.kind === 'queue') return state.queues.get(scope.id);
  if (scope.kind === 'tenant') return state.users.size;
  return undefined;
}
