// The core's public face: every rule of SPEC S1–S4 as pure functions over plain data.
export * from './types.js';
export * from './commands.js';
export { STATUS_CATALOG, isAutomaticStatus, isManualStatus, statusInfo } from './catalog.js';
export type { StatusInfo } from './catalog.js';
export { ERRORS, ERROR_REGISTRY, httpStatusOf, refuse, retryAfterOf, sipStatusOf } from './errors.js';
export type { ErrorCode, ErrorDefinition } from './errors.js';
export {
  DEFAULT_POLICY,
  DEFAULT_USER_SETTINGS,
  DEFAULT_QUEUE,
  DEFAULT_GROUP,
  LOGGED_OUT,
  NO_ENTRIES,
  NO_ITEMS,
  MAX_APP_SESSIONS,
} from './defaults.js';
export { PRESENCE_RULES, effectiveStatus, presenceFacts, presenceRecord, presenceChanged } from './presence.js';
export type { PresenceFacts, PresenceRule } from './presence.js';
export { agentTransition } from './agents.js';
export {
  DEFAULT_REASONS,
  REASON_LIMITS,
  SYSTEM_REASONS,
  findReason,
  reasonLabel,
  reasonsOf,
  validateReasons,
} from './reasons.js';
export type { AgentInput, AgentOutcome } from './agents.js';
export { route, resolveTarget } from './routing.js';
export { callingUser, forwardsToCaller, isOwnCall, ownCallAgents, ownCallSkipped } from './own-call.js';
export { APP_WHILE_FORWARDING, appWhileForwarding } from './outgoing.js';
export { userAction, groupAction } from './answering.js';
export type { Decision, Explanation, ActionDecision, Owner } from './routing.js';
export { DIRECT_RULES, directRow, reachability } from './direct.js';
export type { DirectFacts, DirectRule, RingEntry } from './direct.js';
export { GROUP_STRATEGIES, QUEUE_STRATEGIES, queueCandidates } from './distribution.js';
export {
  FORWARDING_VISIBILITY,
  HIDDEN,
  decisionAs,
  hasForwardTo,
  presenceAs,
  seesForwardTo,
  seesOthersForwardTo,
  showsFree,
  visibilityRule,
  withoutForwardTo,
} from './visibility.js';
export type { Viewer, VisibilityRule } from './visibility.js';
export { PERMISSIONS, permission } from './permissions.js';
export type { Action, PermissionRule, Subject, Who } from './permissions.js';
export { historyEntry, webhookWants, webhooksFor } from './journal.js';
export type { HistoryEntry } from './journal.js';
export { parseFeatureCode } from './fac.js';
export { HOURS_RULES, closedAction, hoursVerdict, localTime, weeklyOf } from './hours.js';
export { isTimeZone, wallClock } from './wall-clock.js';
export type { Wall } from './wall-clock.js';
export type { HoursFacts, HoursRule, HoursVerdict, LocalTime } from './hours.js';
export { CLOSED_ACTIONS, HOURS_LIMITS, validateHours } from './hours-input.js';
export type { FeatureCode } from './fac.js';
export { apply, causeOf, heartbeatLease, wakeDue } from './apply.js';
export type { Applied } from './apply.js';
export type {
  HistoryPage,
  HistoryRow,
  HoursOverview,
  HoursStatus,
  ImportPlan,
  ImportReport,
  ImportRowReport,
  PlannedRow,
  SignedIn,
  StatusReport,
} from './wire.js';
export { createTenantState, newUser } from './state.js';
export type { TenantContents } from './state.js';
export { heartbeatSession, movedSession, refreshOf, refreshedRegistration, refreshedUser } from './fast-paths.js';
export { idleSince, lastActiveAt, restWakeBound, sessionLeaseEnd, sessionsEnd, stillSettled, withId } from './facts.js';
export { queueSnapshot } from './queue.js';
export { fencedEpoch, fenceOfEpoch } from './epoch.js';
export { SCHEDULE_LIMITS, SCHEDULE_RULES, nextScheduleAt, scheduleAt, windowStateAt } from './schedule.js';
export type { WindowState } from './schedule.js';
export { scheduleTimerKey } from './commands-schedule.js';
export {
  CALENDAR_LIMITS,
  CALENDAR_PRIVATE_TEXT,
  CALENDAR_RULES,
  checkCalendarUrl,
  isCalendarWindow,
  mayUseCalendar,
} from './calendar.js';
export type { CalendarWindowInput } from './calendar.js';
export {
  CALL_OUTCOMES,
  CALL_VISIBILITY,
  DEFAULT_CALL_LOG_DAYS,
  callScope,
  seesCall,
  OUTCOME_RULES,
  callLogDays,
  callOutcome,
  decisionParties,
  isCallOutcome,
} from './call-log.js';
export type {
  CallEnding,
  CallOutcome,
  CallParty,
  CallRecord,
  CallScope,
  CallStep,
  CallVisibilityRule,
  OutcomeRule,
} from './call-log.js';
