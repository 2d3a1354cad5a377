// Everything the engine learns arrives as one of these commands (S1); everything it tells the
// world leaves as one of these events (S6.1) or directives (for call control).
import type {
  Actor,
  AgentRecord,
  AnsweringAction,
  Cause,
  DeviceKind,
  Group,
  GroupId,
  HoursTarget,
  Instant,
  LegState,
  PresenceRecord,
  QueueConfig,
  QueueId,
  Role,
  RouteTarget,
  ScheduledWindow,
  TenantPolicy,
  UserId,
  UserSettings,
  UserState,
  QueueState,
  Group as GroupConfig,
} from './types.js';
import type { ErrorCode } from './errors.js';
import type { Decision } from './routing.js';
import type { CalendarWindowInput } from './calendar.js';
import type { CallEnding, CallOutcome, CallParty, CallStep } from './call-log.js';

export type AgentAction = 'login' | 'logout' | 'ready' | 'not_ready';

export interface UserInput {
  readonly id: UserId;
  readonly extension: string;
  readonly name: string;
  readonly role?: Role;
  readonly settings?: Partial<UserSettings>;
}

/** S9.1: a window as asked for; the core checks it like a status set now (S1.3). */
export interface WindowInput {
  readonly id: string;
  readonly status: string;
  readonly from: Instant;
  readonly until?: Instant;
  readonly text?: string;
  readonly forwardTo?: string;
}

export type QueueInput = Partial<QueueConfig> & Pick<QueueConfig, 'id' | 'name'>;
export type GroupInput = Partial<Omit<GroupConfig, 'lastRang'>> & Pick<GroupConfig, 'id' | 'name'>;

export interface CallRequest {
  readonly callId?: string;
  /** The calling user (and the kind of device placing the call, S11.7), or an outside number. */
  readonly from?: { readonly userId: UserId; readonly device?: DeviceKind } | { readonly external: string };
  readonly to: RouteTarget;
  /** S3.5: set when the call was already diverted once, naming who diverted it. */
  readonly divertedBy?: { readonly kind: 'user' | 'group' | 'queue'; readonly id: string };
}

export type Command =
  // Directory
  | { readonly type: 'tenant.policy'; readonly policy: Partial<TenantPolicy> }
  | { readonly type: 'user.upsert'; readonly user: UserInput }
  | { readonly type: 'user.remove'; readonly userId: UserId }
  | { readonly type: 'group.upsert'; readonly group: GroupInput }
  | { readonly type: 'group.remove'; readonly groupId: GroupId }
  | { readonly type: 'queue.upsert'; readonly queue: QueueInput }
  | { readonly type: 'queue.remove'; readonly queueId: QueueId }
  // S1.1 registrations (set = register or refresh)
  | {
      readonly type: 'registration.set';
      readonly userId: UserId;
      readonly id: string;
      readonly kind: DeviceKind;
      readonly expiresAt: Instant;
      readonly by?: Actor;
    }
  | {
      readonly type: 'registration.remove';
      readonly userId: UserId;
      readonly id: string;
      readonly reason?: 'unregister' | 'lost';
      readonly by?: Actor;
    }
  // S1.2 calls
  | {
      readonly type: 'leg.update';
      readonly userId: UserId;
      readonly legId: string;
      readonly direction: 'in' | 'out';
      readonly state: LegState;
      readonly acd?: boolean;
      readonly queueId?: QueueId;
      /** S11.1: the call the leg belongs to, for the call log (and who placed it, when first seen). */
      readonly callId?: string;
      readonly caller?: CallParty;
      readonly by?: Actor;
    }
  // S1.3 manual status
  | {
      readonly type: 'status.set';
      readonly userId: UserId;
      readonly status: string;
      readonly text?: string;
      readonly until?: Instant;
      readonly forwardTo?: string;
      /** S9.2: a reason code of the tenant, with `away` or `dnd`. */
      readonly reason?: string;
      readonly by: Actor;
    }
  | { readonly type: 'status.clear'; readonly userId: UserId; readonly by: Actor }
  // S9.1 scheduled statuses
  | { readonly type: 'schedule.add'; readonly userId: UserId; readonly window: WindowInput; readonly by: Actor }
  | { readonly type: 'schedule.cancel'; readonly userId: UserId; readonly windowId: string; readonly by: Actor }
  // S11.3 calendar
  | {
      readonly type: 'calendar.link';
      readonly userId: UserId;
      readonly url: string;
      readonly status: string;
      readonly shareTitle: boolean;
      readonly by: Actor;
    }
  | { readonly type: 'calendar.unlink'; readonly userId: UserId; readonly by: Actor }
  | {
      readonly type: 'calendar.sync';
      readonly userId: UserId;
      readonly url: string;
      readonly windows: readonly CalendarWindowInput[];
    }
  | { readonly type: 'calendar.failed'; readonly userId: UserId; readonly url: string; readonly error: string }
  // S1.4, S1.5 app sessions
  | { readonly type: 'session.start'; readonly userId: UserId; readonly sessionId: string }
  | {
      readonly type: 'session.heartbeat';
      readonly userId: UserId;
      readonly sessionId: string;
      readonly active: boolean;
    }
  | { readonly type: 'session.end'; readonly userId: UserId; readonly sessionId: string }
  // S1.6 agents, S4.5 feature codes
  | {
      readonly type: 'agent.command';
      readonly userId: UserId;
      readonly queueId?: QueueId;
      readonly action: AgentAction;
      readonly reason?: string;
      readonly by: Actor;
    }
  | { readonly type: 'fac.dial'; readonly userId: UserId; readonly digits: string }
  // S11.2 night mode, switched by hand (REST, web app, feature code *28 / *29)
  | { readonly type: 'night.set'; readonly target: HoursTarget; readonly on: boolean; readonly by: Actor }
  // Counters shown as indicators
  | { readonly type: 'voicemail.count'; readonly userId: UserId; readonly count: number }
  | { readonly type: 'missed.reset'; readonly userId: UserId; readonly by: Actor }
  /** A call the user missed elsewhere (an overlay PBX reports it): one more missed call, one call.missed event. */
  | {
      readonly type: 'missed.add';
      readonly userId: UserId;
      readonly callId?: string;
      readonly caller?: string;
      readonly by?: Actor;
    }
  // S3, S4: a real call being routed, and queue calls
  | { readonly type: 'call.route'; readonly call: CallRequest }
  /**
   * S11.1: a call is over. Call control says what happened (`ending`, the core decides the
   * outcome); an overlay PBX names the outcome itself.
   */
  | {
      readonly type: 'call.end';
      readonly callId: string;
      readonly ending?: CallEnding;
      readonly outcome?: CallOutcome;
      readonly from?: CallParty;
      readonly target?: { readonly kind: 'user' | 'group' | 'queue'; readonly id: string };
      readonly by?: Actor;
    }
  | {
      readonly type: 'queue.call.arrive';
      readonly queueId: QueueId;
      readonly callId: string;
      readonly caller: string;
      readonly priority?: number;
    }
  | {
      readonly type: 'queue.call.answer';
      readonly queueId: QueueId;
      readonly callId: string;
      readonly userId: UserId;
      readonly legId?: string;
    }
  | { readonly type: 'queue.call.abandon'; readonly queueId: QueueId; readonly callId: string }
  | { readonly type: 'queue.resetCounters'; readonly queueId: QueueId }
  // Timers fired back by the engine
  | { readonly type: 'timer.wake'; readonly userId: UserId }
  | { readonly type: 'timer.schedule'; readonly userId: UserId }
  | { readonly type: 'timer.wrapUp'; readonly userId: UserId; readonly queueId: QueueId }
  /** S9.2: a reason's `maxSec` ran out: in one queue, or (no queue) the manual status. */
  | { readonly type: 'timer.reasonEnd'; readonly userId: UserId; readonly queueId?: QueueId }
  | { readonly type: 'timer.agentRing'; readonly queueId: QueueId; readonly callId: string }
  | { readonly type: 'timer.queueMaxWait'; readonly queueId: QueueId; readonly callId: string };

export type CommandType = Command['type'];

/** S4.2: an all-queues agent command names the queues it could not apply in. */
export interface AgentReply {
  readonly refused: readonly { readonly queueId: QueueId; readonly code: ErrorCode }[];
}

/** S4.1: a call offered to a queue waits there, or takes the queue's busy or empty action. */
export type QueueArrival =
  | { readonly queued: true; readonly position: number }
  | { readonly queued: false; readonly reason: 'busy' | 'empty'; readonly action: AnsweringAction };

/**
 * What a command answers its caller, by command type; a command not named here answers nothing.
 * The engine's `dispatch` reads it through `ReplyOf`, so callers get the reply typed.
 */
export interface Replies {
  readonly 'call.route': Decision;
  /** Absent when every queue took the command. */
  readonly 'agent.command': AgentReply | undefined;
  readonly 'queue.call.arrive': QueueArrival;
  /** S9.1: the window as queued. */
  readonly 'schedule.add': ScheduledWindow;
}

/** Any reply a command may give. */
export type Reply = Replies[keyof Replies];

/** The reply of command `C` (a union of commands gives the union of their replies). */
export type ReplyOf<C extends Command> = C extends { readonly type: infer T }
  ? T extends keyof Replies
    ? Replies[T]
    : undefined
  : never;

export interface QueueSnapshot {
  readonly queueId: QueueId;
  readonly name: string;
  readonly waiting: readonly {
    readonly callId: string;
    readonly caller: string;
    readonly arrivedAt: Instant;
    readonly position: number;
    readonly priority: number;
    readonly offeredTo: readonly UserId[];
  }[];
  readonly answeredToday: number;
  readonly missedToday: number;
  readonly overflowedToday: number;
}

/** S9.1: a user's queued windows as the feed and webhooks show them (no text: it may be private). */
export interface ScheduleSummary {
  readonly windows: readonly {
    readonly id: string;
    readonly status: string;
    readonly from: Instant;
    readonly until?: Instant;
  }[];
}

/** S6.1, before the engine stamps it with tenant, epoch and seq. */
export type CoreEvent =
  | {
      readonly type: 'presence.changed';
      readonly subject: UserId;
      readonly at: Instant;
      readonly cause: Cause;
      readonly value: PresenceRecord;
      readonly old?: PresenceRecord;
      readonly removed?: true;
    }
  | {
      readonly type: 'agent.changed';
      readonly subject: UserId;
      readonly queueId: QueueId;
      readonly at: Instant;
      readonly cause: Cause;
      readonly value: AgentRecord;
      readonly old?: AgentRecord;
    }
  | {
      readonly type: 'queue.changed';
      readonly subject: QueueId;
      readonly at: Instant;
      readonly cause: Cause;
      readonly value: QueueSnapshot;
      readonly old?: QueueSnapshot;
    }
  | {
      readonly type: 'schedule.changed';
      readonly subject: UserId;
      readonly at: Instant;
      readonly cause: Cause;
      readonly value: ScheduleSummary;
      readonly old: ScheduleSummary;
    }
  | {
      readonly type: 'call.missed';
      readonly subject: UserId;
      readonly at: Instant;
      readonly cause: Cause;
      readonly value: { readonly callId?: string; readonly caller?: string; readonly reason: string };
    }
  | {
      /** S11.1: a call is over; the full record is GET /api/v1/calls/{callId}. */
      readonly type: 'call.ended';
      /** The user who answered, else the call's target, else the caller, else the call. */
      readonly subject: string;
      readonly at: Instant;
      readonly cause: Cause;
      readonly value: {
        readonly callId: string;
        readonly outcome: CallOutcome;
        readonly from?: CallParty;
        readonly target?: { readonly kind: 'user' | 'group' | 'queue'; readonly id: string };
        readonly answeredBy?: UserId;
      };
    };

/** Instructions for the call-control side (the SIP proxy): not public events. */
export type Directive =
  | {
      readonly type: 'queue.offer';
      readonly queueId: QueueId;
      readonly callId: string;
      readonly userIds: readonly UserId[];
      readonly ringSec: number;
    }
  | {
      readonly type: 'queue.offerEnded';
      readonly queueId: QueueId;
      readonly callId: string;
      readonly userIds: readonly UserId[];
    }
  | {
      readonly type: 'queue.action';
      readonly queueId: QueueId;
      readonly callId: string;
      readonly reason: 'overflow' | 'busy' | 'empty';
      readonly action: AnsweringAction;
    };

/** A timer is data: set (or replace) the one with this key, or cancel it. */
export type TimerRequest =
  | { readonly key: string; readonly at: Instant; readonly command: Command }
  | { readonly key: string; readonly cancel: true }
  /** The user's wake timer (S9.3): `timer.wake` at the next lease to run out. */
  | { readonly wake: UserId; readonly at: Instant }
  | { readonly wake: UserId; readonly cancel: true };

/**
 * A lease moved later on an existing app session (S9.3): the session's new times. Nothing a
 * reader is shown changes, so the engine may commit it in place.
 */
export interface LeaseUpdate {
  readonly userId: UserId;
  readonly session: string;
  readonly lastSeenAt: Instant;
  readonly lastActiveAt: Instant;
}

/** The entities a command replaced or removed; the engine commits them. */
export interface Patch {
  readonly leases?: readonly LeaseUpdate[];
  readonly policy?: TenantPolicy;
  readonly users?: readonly UserState[];
  readonly removedUsers?: readonly UserId[];
  readonly groups?: readonly Group[];
  readonly removedGroups?: readonly GroupId[];
  readonly queues?: readonly QueueState[];
  readonly removedQueues?: readonly QueueId[];
  /** S11.1: call-log steps, written with the batch (no engine state). */
  readonly calls?: readonly CallStep[];
}
