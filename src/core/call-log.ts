// S11.1 Call log: what a call leaves behind. The core says, for each command of a call, which
// step the call log records (its routing decision as taken, an offer, an answer, its end) and,
// at the end, the outcome — from a table. The steps travel in the command's patch and the store
// writes them in the same transaction as the events (store/journal-writes.ts), so a call that
// was acknowledged is never missing from the log. The log itself is no engine state.
import type { Decision } from './decisions.js';
import type {
  AnsweringAction,
  AnsweringCondition,
  Instant,
  QueueId,
  RouteTarget,
  TenantPolicy,
  TenantState,
  UserId,
} from './types.js';
import type { Viewer } from './visibility.js';

export const CALL_OUTCOMES = [
  'answered',
  'missed',
  'busy',
  'voicemail',
  'unreachable',
  'cancelled',
  'overflow',
] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** Who placed a call: a user of the tenant, or an outside number. */
export type CallParty = { readonly userId: UserId } | { readonly external: string };

/** One thing the call log records about a call; the store merges the steps of a call into one row. */
export type CallStep =
  | {
      readonly kind: 'route';
      readonly callId: string;
      readonly at: Instant;
      readonly from?: CallParty;
      readonly to: RouteTarget;
      readonly queueId?: QueueId;
      /** The users the call concerns (the caller, the target, whoever the decision rings). */
      readonly parties: readonly UserId[];
      readonly decision: Decision;
    }
  | {
      readonly kind: 'offer';
      readonly callId: string;
      readonly at: Instant;
      readonly userId: UserId;
      readonly queueId?: QueueId;
      readonly from?: CallParty;
    }
  | { readonly kind: 'answer'; readonly callId: string; readonly at: Instant; readonly userId: UserId }
  | { readonly kind: 'end'; readonly callId: string; readonly at: Instant; readonly outcome: CallOutcome };

/** One call as the log keeps it. */
export interface CallRecord {
  readonly id: string;
  readonly startedAt: Instant;
  readonly endedAt?: Instant;
  readonly from?: CallParty;
  readonly to: RouteTarget;
  readonly queueId?: QueueId;
  /** The routing decisions as taken, in order (a diversion routes the call again). */
  readonly decisions: readonly Decision[];
  readonly offers: readonly { readonly userId: UserId; readonly at: Instant }[];
  readonly answeredBy?: UserId;
  readonly answeredAt?: Instant;
  /** Absent while the call is in progress. */
  readonly outcome?: CallOutcome;
  readonly parties: readonly UserId[];
}

/** How a call through the proxy ended, as call control saw it; the outcome is `callOutcome`'s. */
export interface CallEnding {
  readonly answeredBy?: UserId;
  /** The caller hung up before an answer. */
  readonly cancelled?: boolean;
  /** At least one device rang. */
  readonly rang?: boolean;
  /** The answering action that ended the call, and why it ran (`overflow`: a queue's wait ran out). */
  readonly action?: {
    readonly condition: AnsweringCondition | 'closed' | 'overflow';
    readonly type: AnsweringAction['type'];
  };
}

export interface OutcomeRule {
  readonly rule: string;
  readonly when: (e: CallEnding) => boolean;
  readonly outcome: CallOutcome;
}

/** S11.1 as data: how a call ended, first matching row wins. */
export const OUTCOME_RULES: readonly OutcomeRule[] = [
  { rule: 'S11.1#answered', when: (e) => e.answeredBy !== undefined, outcome: 'answered' },
  { rule: 'S11.1#missed', when: (e) => e.cancelled === true && e.rang === true, outcome: 'missed' },
  { rule: 'S11.1#cancelled', when: (e) => e.cancelled === true, outcome: 'cancelled' },
  { rule: 'S11.1#overflow', when: (e) => e.action?.condition === 'overflow', outcome: 'overflow' },
  { rule: 'S11.1#voicemail', when: (e) => e.action?.type === 'voicemail', outcome: 'voicemail' },
  { rule: 'S11.1#noAnswer', when: (e) => e.action?.condition === 'noAnswer', outcome: 'missed' },
  {
    rule: 'S11.1#busy',
    when: (e) => e.action?.type === 'busyTone' || e.action?.condition === 'busy' || e.action?.condition === 'dnd',
    outcome: 'busy',
  },
  { rule: 'S11.1#unreachable', when: () => true, outcome: 'unreachable' },
];

export function callOutcome(e: CallEnding): CallOutcome {
  return OUTCOME_RULES.find((r) => r.when(e))!.outcome;
}

export function isCallOutcome(s: unknown): s is CallOutcome {
  return typeof s === 'string' && (CALL_OUTCOMES as readonly string[]).includes(s);
}

export const DEFAULT_CALL_LOG_DAYS = 90;

/** S11.1: how long the tenant keeps its call log, in days. */
export function callLogDays(policy: TenantPolicy): number {
  return policy.callLogDays ?? DEFAULT_CALL_LOG_DAYS;
}

/** The users a decision concerns: its target and whoever it rings, through its diversions. */
export function decisionParties(d: Decision | undefined, out: Set<UserId> = new Set()): Set<UserId> {
  for (let x: Decision | undefined = d; x !== undefined; x = 'next' in x ? x.next : undefined) {
    if ('target' in x && x.target?.kind === 'user') out.add(x.target.id);
    if (x.outcome === 'ring') for (const r of x.ring) if (r.userId !== undefined) out.add(r.userId);
  }
  return out;
}

/** S11.1, S5.1: which calls a viewer may read: all, or those that concern them or their queues. */
export type CallScope =
  | { readonly all: true }
  | { readonly all: false; readonly user: UserId | undefined; readonly queues: readonly QueueId[] };

export interface CallVisibilityRule {
  readonly rule: string;
  readonly role: 'admin' | 'supervisor' | 'user';
  readonly scope: (viewer: Viewer, state: TenantState) => CallScope;
}

/**
 * S11.1 as data: an admin sees every call; a supervisor their own and their queues' (a
 * supervisor API key, which is no user, every queue's); a user their own (a user API key none).
 */
export const CALL_VISIBILITY: readonly CallVisibilityRule[] = [
  { rule: 'S11.1#admin', role: 'admin', scope: () => ({ all: true }) },
  {
    rule: 'S11.1#supervisor',
    role: 'supervisor',
    scope: (v, state) => ({
      all: false,
      user: v.userId,
      queues: [...state.queues.values()]
        .filter((q) => v.userId === undefined || q.config.supervisors.includes(v.userId))
        .map((q) => q.config.id),
    }),
  },
  { rule: 'S11.1#user', role: 'user', scope: (v) => ({ all: false, user: v.userId, queues: [] }) },
];

export function callScope(viewer: Viewer, state: TenantState): CallScope {
  return CALL_VISIBILITY.find((r) => r.role === viewer.role)!.scope(viewer, state);
}

/** Whether a call is in the viewer's scope. */
export function seesCall(scope: CallScope, call: CallRecord): boolean {
  if (scope.all) return true;
  if (scope.user !== undefined && call.parties.includes(scope.user)) return true;
  return call.queueId !== undefined && scope.queues.includes(call.queueId);
}
