// S3.1: what a direct call to a user does, as an ordered table; the first row that matches
// wins, as in S2.3 (presence.ts). A row says what happens (`then`), which answering condition
// runs (S3.2) and how a group or queue counts the user when they cannot ring (S3.3, S3.4); the
// explanation line is the matched row's id and text, so "why didn't it ring?" reads the table.
import { presenceRecord } from './presence.js';
import type {
  AnsweringCondition,
  DeviceKind,
  Instant,
  PresenceRecord,
  TenantState,
  UserId,
  UserState,
} from './types.js';

export interface RingEntry {
  readonly kind: DeviceKind | 'external';
  readonly userId?: UserId;
  readonly deviceId?: string;
  readonly number?: string;
  /** Seconds after the call reaches this target that the device starts ringing. */
  readonly startSec: number;
  /** Hunt strategies: when it stops ringing and the next member starts. */
  readonly stopSec?: number;
  /** S3.3: rung in place of this forwarding member. */
  readonly forwardedFrom?: UserId;
}

/** The facts the S3.1 table reads about the called user, evaluated at `now`. */
export interface DirectFacts {
  readonly user: UserState;
  /** The S2.3 record: the status and whether the user is on a call. */
  readonly record: PresenceRecord;
  /** Registered devices that can ring now, S2.1 desk delays applied. */
  readonly entries: readonly RingEntry[];
}

/** How a group (S3.3, S3.4) or a queue counts a user who cannot ring. */
export type SkipAs = 'busy' | 'unreachable' | 'forwarding' | 'blocked';

interface RowBase {
  readonly rule: string;
  readonly when: (f: DirectFacts) => boolean;
  /** The explanation line of the row, in words. */
  readonly text: (f: DirectFacts) => string;
}

export type DirectRule = RowBase &
  (
    | { readonly then: 'reject'; readonly as: 'blocked' }
    | { readonly then: 'forward'; readonly as: 'forwarding' }
    /** The user's action for `condition` (S3.2); `notifyMissed`: a missed-call notification too. */
    | {
        readonly then: 'action';
        readonly as: 'busy' | 'unreachable';
        readonly condition: AnsweringCondition;
        readonly notifyMissed: boolean;
      }
    | { readonly then: 'ring' }
  );

const nameOf = (u: UserState): string => `${u.name} (${u.extension})`;
const statusIs =
  (...ids: readonly PresenceRecord['status'][]) =>
  (f: DirectFacts): boolean =>
    ids.includes(f.record.status);

export const DIRECT_RULES: readonly DirectRule[] = [
  {
    rule: 'S3.1#1',
    then: 'reject',
    as: 'blocked',
    when: statusIs('blocked'),
    text: (f) => `${nameOf(f.user)} is blocked`,
  },
  {
    rule: 'S3.1#2',
    then: 'forward',
    as: 'forwarding',
    when: statusIs('forwarding'),
    text: (f) => `${nameOf(f.user)} forwards every call to ${f.record.manual?.forwardTo ?? '?'}`,
  },
  {
    rule: 'S3.1#3',
    then: 'action',
    as: 'busy',
    condition: 'dnd',
    notifyMissed: true,
    when: statusIs('dnd'),
    text: (f) => `${nameOf(f.user)} is in do not disturb`,
  },
  {
    rule: 'S3.1#4',
    then: 'action',
    as: 'busy',
    condition: 'busy',
    notifyMissed: false,
    when: statusIs('busy'),
    text: (f) => `${nameOf(f.user)} set the status busy`,
  },
  {
    rule: 'S3.1#5',
    then: 'action',
    as: 'unreachable',
    condition: 'unreachable',
    notifyMissed: false,
    when: statusIs('absent', 'offline'),
    text: (f) => `${nameOf(f.user)} is ${f.record.status}`,
  },
  {
    rule: 'S3.1#5',
    then: 'action',
    as: 'unreachable',
    condition: 'unreachable',
    notifyMissed: false,
    when: (f) => f.entries.length === 0,
    text: (f) => `${nameOf(f.user)} has no device that can ring`,
  },
  {
    rule: 'S3.1#6',
    then: 'action',
    as: 'busy',
    condition: 'busy',
    notifyMissed: false,
    when: (f) => f.record.indicators.onCall && !f.user.settings.callWaiting,
    text: (f) => `${nameOf(f.user)} is on a call and call waiting is off`,
  },
  {
    rule: 'S3.1#7',
    then: 'ring',
    when: () => true,
    text: (f) => {
      const delayed = f.entries.find((e) => e.startSec > 0);
      const desk = delayed ? `; app devices after ${delayed.startSec} s because the user is at the desk` : '';
      const timeout = `after ${f.user.settings.ringTimeoutSec} s without answer, the no-answer action`;
      return `ring ${f.entries.length} device(s)${desk}; ${timeout}`;
    },
  },
];

/** Registered devices of a user that can ring now, with S2.1 at_desk delays. */
function ringEntries(
  state: TenantState,
  user: UserState,
  status: PresenceRecord['status'],
  now: Instant,
  offsetSec: number,
): RingEntry[] {
  const entries: RingEntry[] = [];
  const deskDelaySec = user.settings.deskDelaySec ?? state.policy.defaultDeskDelaySec;
  for (const r of user.registrations) {
    if (r.expiresAt <= now) continue;
    const delay = status === 'at_desk' && r.kind === 'app' ? deskDelaySec : 0;
    entries.push({ kind: r.kind, userId: user.id, deviceId: r.id, startSec: offsetSec + delay });
  }
  return entries;
}

/** The first S3.1 row that matches. */
export function directRow(facts: DirectFacts): DirectRule {
  for (let i = 0; i < DIRECT_RULES.length; i++) {
    const row = DIRECT_RULES[i]!;
    if (row.when(facts)) return row;
  }
  // The last row always matches.
  throw new Error('unreachable: S3.1 has a catch-all row');
}

/** Why a user cannot ring, as the S3.1 table classifies it, or the devices to ring. */
export type Reachability = { readonly record: PresenceRecord; readonly facts: DirectFacts } & (
  | {
      readonly ring: true;
      readonly entries: readonly RingEntry[];
      readonly row: Extract<DirectRule, { then: 'ring' }>;
    }
  | {
      readonly ring: false;
      readonly as: SkipAs;
      readonly rule: string;
      readonly text: string;
      readonly row: Exclude<DirectRule, { then: 'ring' }>;
    }
);

/** S3.1 for one user, shared by direct, group (S3.3) and queue (S4.3) calls. */
export function reachability(state: TenantState, user: UserState, now: Instant, offsetSec = 0): Reachability {
  const record = presenceRecord(user, state.policy, now);
  // The devices are listed whether a row asks for them or not: most rows do, and a list made at
  // once costs less than the closure that would make it later.
  const facts: DirectFacts = { user, record, entries: ringEntries(state, user, record.status, now, offsetSec) };
  const row = directRow(facts);
  if (row.then === 'ring') return { ring: true, record, facts, entries: facts.entries, row };
  return { ring: false, record, facts, as: row.as, rule: row.rule, text: row.text(facts), row };
}
