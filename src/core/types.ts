// Plain data shared by every layer: ids, statuses, facts, directory, commands, events.
// Everything here is a readonly plain object with a `type` discriminant where it varies.
import type { ErrorCode } from './errors.js';

export type TenantId = string;
export type UserId = string;
export type GroupId = string;
export type QueueId = string;

/** Milliseconds since the epoch. The core never reads the clock: `now` is always passed in. */
export type Instant = number;

export const MANUAL_STATUSES = [
  'available',
  'away',
  'custom',
  'at_desk',
  'busy',
  'dnd',
  'absent',
  'forwarding',
  'blocked',
] as const;
export type ManualStatusId = (typeof MANUAL_STATUSES)[number];

export const AUTOMATIC_STATUSES = ['offline', 'on_call', 'idle', 'available_on_pbx', 'online'] as const;
export type AutomaticStatusId = (typeof AUTOMATIC_STATUSES)[number];

export type StatusId = ManualStatusId | AutomaticStatusId;
/** What a presence record can show: `available` is never shown, it clears the manual status. */
export type EffectiveStatusId = Exclude<StatusId, 'available'>;

export type Colour = 'green' | 'yellow' | 'red' | 'grey';

export type Role = 'admin' | 'supervisor' | 'user';

/** S5.3: what made a change. Serialised as `self`, `admin:<id>`, `supervisor:<id>`, `apikey:<id>`, `fac`, `sip`, `pbx`, `system`. */
export type Cause = string;

/** Who asks for a command; the core checks permissions (S5.1) and derives the cause (S5.3). */
export type Actor =
  | { readonly kind: 'user'; readonly userId: UserId; readonly role: Role }
  | { readonly kind: 'apikey'; readonly keyId: string; readonly role: Role }
  | { readonly kind: 'fac'; readonly userId: UserId }
  | { readonly kind: 'sip' }
  | { readonly kind: 'pbx' }
  | { readonly kind: 'system' };

// ---------------------------------------------------------------------------
// Directory

export type RouteTarget =
  | { readonly kind: 'user'; readonly id: UserId }
  | { readonly kind: 'group'; readonly id: GroupId }
  | { readonly kind: 'queue'; readonly id: QueueId }
  | { readonly kind: 'extension'; readonly extension: string }
  | { readonly kind: 'external'; readonly number: string };

export type AnsweringAction =
  | { readonly type: 'voicemail' }
  | { readonly type: 'busyTone' }
  | { readonly type: 'message'; readonly prompt?: string }
  | { readonly type: 'redirect'; readonly target: RouteTarget }
  | { readonly type: 'external'; readonly number: string }
  | { readonly type: 'reject' }
  | { readonly type: 'queue'; readonly queueId: QueueId }
  /** S11.4: only as a user's `busy` action: the caller is held until the user's call ends, at most `maxWaitSec`. */
  | { readonly type: 'wait'; readonly maxWaitSec: number };

export type AnsweringCondition = 'dnd' | 'busy' | 'unreachable' | 'noAnswer';

/** S11.2: the days of the week, Monday first (ISO 8601). */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** S11.2: open on `day` from `from` to `to`, local wall-clock times `HH:MM` (`to` may be `24:00`). */
export interface HoursInterval {
  readonly day: Weekday;
  readonly from: string;
  readonly to: string;
}

/** S11.2: a closed day, `YYYY-MM-DD` in the tenant's time zone. */
export interface Holiday {
  readonly date: string;
  readonly name?: string;
}

/** S11.2: what opening hours and night mode belong to: the company, a group or a queue. */
export type HoursTarget =
  | { readonly kind: 'tenant' }
  | { readonly kind: 'group'; readonly id: GroupId }
  | { readonly kind: 'queue'; readonly id: QueueId };

/** S11.2: the opening hours of a tenant, group or queue (hours.ts reads them). */
export interface OfficeHours {
  /** Weekly opening intervals; none: no weekly limit (a group or queue then follows the tenant's). */
  readonly weekly: readonly HoursInterval[];
  readonly holidays: readonly Holiday[];
  /** What a call gets while closed; absent: the tenant's, else the default (hours.ts). */
  readonly closedAction?: AnsweringAction;
  /** Closed by hand, whatever the hours say, until switched off. */
  readonly nightMode?: boolean;
}

export interface UserSettings {
  /** Delay before app devices ring in `at_desk`; undefined means the tenant's `defaultDeskDelaySec`. */
  readonly deskDelaySec?: number;
  readonly ringTimeoutSec: number;
  readonly callWaiting: boolean;
  readonly forwardingAllowed: boolean;
  readonly absentAtLogout: boolean;
  readonly voicemail: boolean;
  readonly actions: Partial<Readonly<Record<AnsweringCondition, AnsweringAction>>>;
}

export interface TenantPolicy {
  readonly statusIndependentOfLogin: boolean;
  readonly idleAfterSec: number;
  readonly sessionTimeoutSec: number;
  readonly defaultDeskDelaySec: number;
  readonly manualStatuses: readonly ManualStatusId[];
  readonly adminsSetOthers: boolean;
  readonly timezone: string;
  /** S9.3: a leg with no update for this long is ended by the system. */
  readonly maxCallSec: number;
  /** S11.2: the company's opening hours, in `timezone`. */
  readonly hours?: OfficeHours;
  /** S11.1: days the call log keeps a call (absent: 90). */
  readonly callLogDays?: number;
  /** S9.2: the tenant's reason codes (absent: the default list, core/reasons.ts). */
  readonly reasons?: readonly ReasonCode[];
}

/** S9.2: one not-ready (or away/dnd) reason of a tenant. */
export interface ReasonCode {
  readonly code: string;
  readonly label: string;
  readonly productive: boolean;
  /** The state ends by itself after this many seconds (S9.2). */
  readonly maxSec?: number;
  /** Where an agent's not_ready goes when `maxSec` runs out (absent: `ready`). */
  readonly endState?: 'ready' | 'logged_out';
}

export type GroupStrategy = 'ringAll' | 'hunt' | 'roundRobin' | 'longestIdle';

export interface Group {
  readonly id: GroupId;
  readonly extension?: string;
  readonly name: string;
  readonly strategy: GroupStrategy;
  readonly members: readonly UserId[];
  readonly memberRingSec: number;
  readonly ringTimeoutSec: number;
  readonly actions: Partial<Readonly<Record<'busy' | 'unreachable' | 'noAnswer', AnsweringAction>>>;
  /** roundRobin: the member who rang last. */
  readonly lastRang?: UserId;
  /** S11.2: the group's own opening hours. */
  readonly hours?: OfficeHours;
}

export type QueueStrategy = 'ringAll' | 'longestIdle' | 'roundRobin' | 'fewestCalls' | 'linear';

export interface QueueConfig {
  readonly id: QueueId;
  readonly extension?: string;
  readonly name: string;
  readonly strategy: QueueStrategy;
  /** In `linear` order. */
  readonly agents: readonly UserId[];
  readonly supervisors: readonly UserId[];
  readonly autoReady: boolean;
  readonly wrapUpSec: number;
  readonly agentRingSec: number;
  readonly missedToNotReady: boolean;
  readonly maxWaitSec: number;
  readonly maxCallers: number;
  readonly joinEmpty: boolean;
  readonly overflowAction: AnsweringAction;
  readonly busyAction: AnsweringAction;
  /** S11.2: the queue's own opening hours. */
  readonly hours?: OfficeHours;
}

// ---------------------------------------------------------------------------
// Facts about a user

export type DeviceKind = 'app' | 'terminal' | 'pbx';

export interface Registration {
  readonly id: string;
  readonly kind: DeviceKind;
  readonly expiresAt: Instant;
}

export interface AppSession {
  readonly id: string;
  readonly lastSeenAt: Instant;
  readonly lastActiveAt: Instant;
}

export type LegState = 'ringing' | 'early' | 'answered' | 'held' | 'ended';

export interface Leg {
  readonly id: string;
  readonly direction: 'in' | 'out';
  readonly state: Exclude<LegState, 'ended'>;
  readonly acd: boolean;
  readonly queueId?: QueueId;
  readonly updatedAt: Instant;
}

export interface ManualStatus {
  readonly status: Exclude<ManualStatusId, 'available'>;
  readonly text?: string;
  readonly until?: Instant;
  readonly forwardTo?: string;
  /** S9.2: a reason code of the tenant (away and dnd only). */
  readonly reason?: string;
  /** S9.2: when the reason's `maxSec` ends the status. */
  readonly reasonUntil?: Instant;
  readonly setBy: Cause;
  readonly setAt: Instant;
}

/** S9.1: a manual status scheduled for a window; `until` absent means it stays until changed. */
export interface ScheduledWindow {
  readonly id: string;
  readonly status: ManualStatusId;
  readonly text?: string;
  readonly forwardTo?: string;
  readonly from: Instant;
  readonly until?: Instant;
  readonly setBy: Cause;
  readonly setAt: Instant;
  /** Set once the window has begun (its status was applied at least once). */
  readonly started?: true;
  /** S11.3: the window comes from the user's calendar (replaced as a set by each fetch). */
  readonly source?: 'calendar';
  /** S11.3: the event's title, shown to the user themself only (`text` is what others see). */
  readonly title?: string;
}

/** S11.3: a user's linked iCalendar feed, and how its last fetches went. */
export interface CalendarLink {
  /** The feed's URL; it may hold a secret token: shown to the user only, never logged. */
  readonly url: string;
  /** The status a busy event sets. */
  readonly status: 'dnd' | 'away';
  /** Whether the event's title is the status text others see. */
  readonly shareTitle: boolean;
  readonly linkedAt: Instant;
  readonly lastSuccessAt?: Instant;
  readonly lastErrorAt?: Instant;
  readonly lastError?: string;
  /** The window ids the last good fetch gave (a window gone from the schedule since is not put back). */
  readonly known?: readonly string[];
}

/**
 * S9.1: while the schedule holds the manual status: the window whose status is set, the manual
 * status it set (a different one means someone changed it since) and the one to give back at the end.
 */
export interface ScheduleHold {
  readonly window: string;
  readonly manual?: ManualStatus;
  readonly before?: ManualStatus;
}

export interface UserSchedule {
  readonly windows: readonly ScheduledWindow[];
  readonly hold?: ScheduleHold;
}

export type AgentStateId = 'logged_out' | 'not_ready' | 'ready' | 'queue_call' | 'other_call' | 'wrap_up';

export interface AgentRecord {
  readonly state: AgentStateId;
  readonly reason?: string;
  readonly since: Instant;
  /** other_call: the state to return to when the other call ends. */
  readonly resume?: { readonly state: 'ready' | 'not_ready'; readonly reason?: string };
  /** queue_call: log out when the call ends. */
  readonly logoutAfterCall?: boolean;
  /** wrap_up: end in not_ready with this reason instead of ready. */
  readonly afterWrapUp?: { readonly state: 'not_ready'; readonly reason?: string };
  readonly wrapUpUntil?: Instant;
  /** not_ready: when the reason's `maxSec` ends it (S9.2). */
  readonly reasonUntil?: Instant;
  readonly lastCallEndedAt?: Instant;
  readonly callsToday: number;
}

export interface UserState {
  readonly id: UserId;
  readonly extension: string;
  readonly name: string;
  readonly role: Role;
  readonly settings: UserSettings;
  readonly registrations: readonly Registration[];
  readonly sessions: readonly AppSession[];
  readonly legs: readonly Leg[];
  readonly manual?: ManualStatus;
  /** S9.1: the scheduled statuses still to begin or end. */
  readonly schedule?: UserSchedule;
  /** S11.3: the user's linked calendar feed. */
  readonly calendar?: CalendarLink;
  /** S2.6: an app or terminal registration was seen during the current app session(s). */
  readonly hadRegistrationInSession: boolean;
  readonly missedCalls: number;
  readonly voicemail: number;
  readonly lastCallEndedAt?: Instant;
  readonly agent: Readonly<Record<QueueId, AgentRecord>>;
  /** The last presence record published, for the diff predicate and `since`. */
  readonly presence: PresenceRecord;
  /** When the presence record and agent states were last derived from the facts (S9.3). */
  readonly settledAt?: Instant;
}

export interface Indicators {
  readonly onCall: boolean;
  readonly ringing: boolean;
  readonly lostRegistration: boolean;
  readonly missedCalls: number;
  readonly voicemail: number;
  readonly forwardTo?: string;
}

/** S2.4 */
export interface PresenceRecord {
  readonly userId: UserId;
  readonly extension: string;
  readonly name: string;
  readonly status: EffectiveStatusId;
  readonly label: string;
  readonly colour: Colour;
  readonly icon: string;
  readonly text?: string;
  readonly until?: Instant;
  readonly since: Instant;
  readonly manual?: ManualStatus;
  readonly indicators: Indicators;
  readonly devices: { readonly app: number; readonly terminal: number; readonly pbx: number };
  readonly sessions: number;
  /** S9.5: the S2.3 row that produced the status. */
  readonly rule: string;
}

export interface WaitingCaller {
  readonly callId: string;
  readonly caller: string;
  readonly arrivedAt: Instant;
  readonly priority: number;
  /** The agents this call is being offered to right now, and since when. */
  readonly offeredTo: readonly UserId[];
  readonly offeredAt?: Instant;
  /** Agents that already let this call ring out. */
  readonly triedAgents: readonly UserId[];
}

export interface QueueState {
  readonly config: QueueConfig;
  readonly waiting: readonly WaitingCaller[];
  /** roundRobin cursor: the agent offered last. */
  readonly lastOffered?: UserId;
  readonly answeredToday: number;
  readonly missedToday: number;
  readonly overflowedToday: number;
}

export interface TenantState {
  readonly id: TenantId;
  readonly policy: TenantPolicy;
  readonly users: ReadonlyMap<UserId, UserState>;
  readonly byExtension: ReadonlyMap<string, UserId>;
  readonly groups: ReadonlyMap<GroupId, Group>;
  readonly queues: ReadonlyMap<QueueId, QueueState>;
}

// ---------------------------------------------------------------------------
// Results

export interface Refusal {
  readonly ok: false;
  /** A code of the one registry (errors.ts, docs/errors.md). */
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export type Result<T> = ({ readonly ok: true } & T) | Refusal;
