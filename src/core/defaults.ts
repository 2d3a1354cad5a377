// S2.5 defaults: tenant policies, user settings, and the queue and group options of S3/S4.
import { DEFAULT_REASONS } from './reasons.js';
import { MANUAL_STATUSES } from './types.js';
import type { AgentRecord, Group, QueueConfig, TenantPolicy, UserSettings } from './types.js';

export const DEFAULT_POLICY: TenantPolicy = {
  statusIndependentOfLogin: false,
  idleAfterSec: 600,
  sessionTimeoutSec: 90,
  defaultDeskDelaySec: 10,
  manualStatuses: MANUAL_STATUSES,
  adminsSetOthers: true,
  timezone: 'UTC',
  maxCallSec: 4 * 3600,
  reasons: DEFAULT_REASONS,
};

export const DEFAULT_USER_SETTINGS: UserSettings = {
  ringTimeoutSec: 20,
  callWaiting: true,
  forwardingAllowed: false,
  absentAtLogout: false,
  voicemail: true,
  actions: {},
};

export const DEFAULT_QUEUE: Omit<QueueConfig, 'id' | 'name'> = {
  strategy: 'ringAll',
  agents: [],
  supervisors: [],
  autoReady: false,
  wrapUpSec: 0,
  agentRingSec: 15,
  missedToNotReady: true,
  maxWaitSec: 300,
  maxCallers: 50,
  joinEmpty: true,
  overflowAction: { type: 'voicemail' },
  busyAction: { type: 'busyTone' },
};

export const DEFAULT_GROUP: Omit<Group, 'id' | 'name'> = {
  strategy: 'ringAll',
  members: [],
  memberRingSec: 15,
  ringTimeoutSec: 60,
  actions: {},
};

/**
 * The empty list and record every user without registrations, sessions, legs or agent states
 * shares (records are immutable): three arrays and an object fewer per user (issue 19). Frozen,
 * so a write through one user's record throws instead of reaching every user.
 */
export const NO_ITEMS: readonly never[] = Object.freeze([]);
export const NO_ENTRIES: Readonly<Record<string, never>> = Object.freeze({});

export const LOGGED_OUT: AgentRecord = { state: 'logged_out', since: 0, callsToday: 0 };

/**
 * S1.4: at most this many app sessions per user. Starting one more ends the one heard from least
 * recently (most likely a socket that dropped and is waiting out its timeout), never the new one.
 */
export const MAX_APP_SESSIONS = 20;
