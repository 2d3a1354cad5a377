// Finding what a request names — users, groups, queues — in the caller's tenant only (S5.2: an
// id from another tenant is answered as not found), and the plain views the routes answer with.
import type {
  AgentRecord,
  AnsweringAction,
  Group,
  QueueState,
  RouteTarget,
  TenantPolicy,
  TenantState,
  UserId,
  UserState,
} from '../core/index.js';
import { LOGGED_OUT, reasonLabel } from '../core/index.js';
import type { AuthContext } from '../auth/accounts.js';
import { fail } from './errors.js';
import type { HttpContext } from './server.js';

const clip = (ref: string): string => ref.slice(0, 64);

export function tenantState(ctx: HttpContext, auth: AuthContext): TenantState {
  const state = ctx.engine.state(auth.tenant);
  if (state === undefined) fail('SWB_ERR_TENANT_NOT_FOUND');
  return state;
}

export async function sipDomainOf(ctx: HttpContext, auth: AuthContext): Promise<string> {
  const row = (await ctx.store.tenants()).find((t) => t.id === auth.tenant);
  if (row === undefined) fail('SWB_ERR_TENANT_NOT_FOUND');
  return row.sipDomain;
}

/** A user by id or extension. */
export function findUser(state: TenantState, ref: string): UserState | undefined {
  return state.users.get(ref) ?? state.users.get(state.byExtension.get(ref) ?? '');
}

export function userRef(state: TenantState, ref: string, field?: string): UserState {
  const user = findUser(state, ref);
  if (user === undefined)
    fail('SWB_ERR_USER_NOT_FOUND', field === undefined ? { user: clip(ref) } : { user: clip(ref), field });
  return user;
}

export function userRefs(state: TenantState, refs: readonly string[], field: string): UserId[] {
  return refs.map((r) => userRef(state, r, field).id);
}

/** A group by id or extension. */
export function groupRef(state: TenantState, ref: string): Group {
  const group = state.groups.get(ref) ?? [...state.groups.values()].find((g) => g.extension === ref);
  if (group === undefined) fail('SWB_ERR_GROUP_NOT_FOUND', { group: clip(ref) });
  return group;
}

/** A queue by id or extension. */
export function findQueue(state: TenantState, ref: string): QueueState | undefined {
  return state.queues.get(ref) ?? [...state.queues.values()].find((q) => q.config.extension === ref);
}

export function queueRef(state: TenantState, ref: string): QueueState {
  const queue = findQueue(state, ref);
  if (queue === undefined) fail('SWB_ERR_QUEUE_NOT_FOUND', { queue: clip(ref) });
  return queue;
}

/** An answering action whose user, group or queue names resolve in this tenant, stored by id. */
export function actionRef(state: TenantState, action: AnsweringAction): AnsweringAction {
  if (action.type === 'queue') return { type: 'queue', queueId: queueRef(state, action.queueId).config.id };
  if (action.type !== 'redirect') return action;
  const t: RouteTarget = action.target;
  switch (t.kind) {
    case 'user':
      return { type: 'redirect', target: { kind: 'user', id: userRef(state, t.id).id } };
    case 'group':
      return { type: 'redirect', target: { kind: 'group', id: groupRef(state, t.id).id } };
    case 'queue':
      return { type: 'redirect', target: { kind: 'queue', id: queueRef(state, t.id).config.id } };
    default:
      return action;
  }
}

export function actionRefs<K extends string>(
  state: TenantState,
  actions: Partial<Record<K, AnsweringAction>>,
): Partial<Record<K, AnsweringAction>> {
  const out: Partial<Record<K, AnsweringAction>> = {};
  for (const key of Object.keys(actions) as K[]) {
    const a = actions[key];
    if (a !== undefined) out[key] = actionRef(state, a);
  }
  return out;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** The directory view of a user: never a credential or a hash. */
export function userView(
  ctx: HttpContext,
  auth: AuthContext,
  u: UserState,
): { id: string; extension: string; name: string; role: string; email?: string } {
  const email = ctx.accounts.credentials(auth.tenant, u.id)?.email;
  return { id: u.id, extension: u.extension, name: u.name, role: u.role, ...(email ? { email } : {}) };
}

export function groupView(g: Group): Omit<Group, 'lastRang'> {
  const { lastRang: _lastRang, ...view } = g;
  return view;
}

export function agentView(
  queue: QueueState,
  record: AgentRecord | undefined,
  policy: TenantPolicy,
): {
  queueId: string;
  queue: string;
  state: string;
  reason?: string;
  reasonLabel?: string;
  reasonUntil?: string;
  since?: string;
  callsToday: number;
} {
  const r = record ?? LOGGED_OUT;
  return {
    queueId: queue.config.id,
    queue: queue.config.name,
    state: r.state,
    // S9.2: the tenant's label goes with the code.
    ...(r.reason !== undefined ? { reason: r.reason, reasonLabel: reasonLabel(policy, r.reason) } : {}),
    ...(r.reasonUntil !== undefined ? { reasonUntil: iso(r.reasonUntil) } : {}),
    ...(r.since > 0 ? { since: iso(r.since) } : {}),
    callsToday: r.callsToday,
  };
}

/** The queues the user is an agent of, with their state in each (logged_out when never logged in). */
export function agentStates(state: TenantState, u: UserState): ReturnType<typeof agentView>[] {
  const out: ReturnType<typeof agentView>[] = [];
  for (const q of state.queues.values())
    if (q.config.agents.includes(u.id)) out.push(agentView(q, u.agent[q.config.id], state.policy));
  return out;
}
