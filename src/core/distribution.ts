// S3.3 and S4.3: in which order a group rings its members and a queue offers a call to its
// agents, one table row per strategy. Who may be asked at all is decided elsewhere (S3.1's
// table, reachability); a row only orders and says how many are asked at once.
import { reachability } from './direct.js';
import type { Group, GroupStrategy, Instant, QueueState, QueueStrategy, TenantState, UserId } from './types.js';

const idleSince = (state: TenantState, u: UserId): number => state.users.get(u)?.lastCallEndedAt ?? -Infinity;

/** Everyone after `last` in list order, then everyone up to and including `last`. */
function startAfter(list: readonly UserId[], last: UserId | undefined): UserId[] {
  const i = last === undefined ? -1 : list.indexOf(last);
  return [...list.slice(i + 1), ...list.slice(0, i + 1)];
}

export interface GroupStrategyRow {
  /** Members rung one after the other, `memberRingSec` each, rather than all at once. */
  readonly sequential: boolean;
  readonly order: (state: TenantState, group: Group) => readonly UserId[];
}

/** S3.3: group strategies. */
export const GROUP_STRATEGIES: { readonly [S in GroupStrategy]: GroupStrategyRow } = {
  ringAll: { sequential: false, order: (_s, g) => g.members },
  hunt: { sequential: true, order: (_s, g) => g.members },
  // Start after the member who rang last (apply.ts records who that was).
  roundRobin: { sequential: true, order: (_s, g) => startAfter(g.members, g.lastRang) },
  // Longest since their last call ended first; never-called members before everyone.
  longestIdle: {
    sequential: true,
    order: (s, g) => [...g.members].sort((a, b) => idleSince(s, a) - idleSince(s, b)),
  },
};

export interface QueueStrategyRow {
  /** Every candidate is offered the call at once, rather than the first alone. */
  readonly offersAll: boolean;
  /** Orders the candidates (agents that can take a call now, in agent-list order). */
  readonly order: (state: TenantState, queue: QueueState, ready: UserId[]) => UserId[];
}

const callsToday = (state: TenantState, queue: QueueState, u: UserId): number =>
  state.users.get(u)?.agent[queue.config.id]?.callsToday ?? 0;

/** S4.3: queue strategies. */
export const QUEUE_STRATEGIES: { readonly [S in QueueStrategy]: QueueStrategyRow } = {
  ringAll: { offersAll: true, order: (_s, _q, ready) => ready },
  linear: { offersAll: false, order: (_s, _q, ready) => ready },
  roundRobin: {
    offersAll: false,
    order: (_s, q, ready) => startAfter(q.config.agents, q.lastOffered).filter((a) => ready.includes(a)),
  },
  longestIdle: { offersAll: false, order: (s, _q, ready) => ready.sort((a, b) => idleSince(s, a) - idleSince(s, b)) },
  // Fewest calls answered today first.
  fewestCalls: {
    offersAll: false,
    order: (s, q, ready) => ready.sort((a, b) => callsToday(s, q, a) - callsToday(s, q, b)),
  },
};

/** S4.3: the agents of a queue that could be offered a call right now, in the strategy's order. */
export function queueCandidates(
  state: TenantState,
  queue: QueueState,
  now: Instant,
  exclude: ReadonlySet<UserId> = new Set(),
): UserId[] {
  const cfg = queue.config;
  const offered = new Set<UserId>();
  for (const q of state.queues.values()) for (const w of q.waiting) for (const u of w.offeredTo) offered.add(u);
  const ready: UserId[] = [];
  for (const agentId of cfg.agents) {
    if (exclude.has(agentId) || offered.has(agentId)) continue;
    const user = state.users.get(agentId);
    if (user === undefined || user.agent[cfg.id]?.state !== 'ready') continue;
    const r = reachability(state, user, now);
    if (!r.ring || r.record.indicators.onCall) continue;
    ready.push(agentId);
  }
  return QUEUE_STRATEGIES[cfg.strategy].order(state, queue, ready);
}

/** S4.3: the candidates a call is offered to at once under the queue's strategy. */
export function offerTo(queue: QueueState, candidates: readonly UserId[]): readonly UserId[] {
  return QUEUE_STRATEGIES[queue.config.strategy].offersAll ? candidates : candidates.slice(0, 1);
}

/** S4.4: how many agents are logged in to the queue (in any state but logged_out). */
export function loggedInAgents(state: TenantState, queue: QueueState): number {
  let n = 0;
  for (const a of queue.config.agents) {
    const s = state.users.get(a)?.agent[queue.config.id]?.state;
    if (s !== undefined && s !== 'logged_out') n++;
  }
  return n;
}
