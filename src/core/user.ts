// Copying a user record with some fields replaced (the core never mutates one).
import type { UserState } from './types.js';

/** What `userWith` may replace; `manual`, `schedule`, `calendar` and `lastCallEndedAt` are cleared by passing undefined. */
export type UserChange = { -readonly [K in keyof UserState]?: UserState[K] };

declare const DRAFT: unique symbol;

/**
 * A user record being built: a fresh copy nobody else holds yet, which its maker may still change
 * before handing it on. The brand (a type only) keeps a shared record from passing for one: a
 * command's working set holds drafts only, so `finish` completes them in place.
 */
export type UserDraft = { -readonly [K in keyof UserState]: UserState[K] } & { readonly [DRAFT]: true };

/**
 * A copy of the user, field by field, for the hot paths to change and hand on (one shape for
 * every user, and no change object whose many shapes would make each read slow).
 */
export function copyUser(u: UserState): UserDraft {
  const copy: { -readonly [K in keyof UserState]: UserState[K] } = {
    id: u.id,
    extension: u.extension,
    name: u.name,
    role: u.role,
    settings: u.settings,
    registrations: u.registrations,
    sessions: u.sessions,
    legs: u.legs,
    manual: u.manual,
    schedule: u.schedule,
    calendar: u.calendar,
    hadRegistrationInSession: u.hadRegistrationInSession,
    missedCalls: u.missedCalls,
    voicemail: u.voicemail,
    lastCallEndedAt: u.lastCallEndedAt,
    agent: u.agent,
    presence: u.presence,
    settledAt: u.settledAt,
  };
  return copy as UserDraft;
}

/**
 * A copy of the user with some fields replaced. Every user record is built here, field by
 * field, so all of them share one shape: copying one is cheap, where a spread of many shapes is
 * not, and the engine replaces a user on most commands.
 */
export function userWith(u: UserState, c: UserChange): UserDraft {
  const copy: { -readonly [K in keyof UserState]: UserState[K] } = {
    id: u.id,
    extension: c.extension ?? u.extension,
    name: c.name ?? u.name,
    role: c.role ?? u.role,
    settings: c.settings ?? u.settings,
    registrations: c.registrations ?? u.registrations,
    sessions: c.sessions ?? u.sessions,
    legs: c.legs ?? u.legs,
    manual: 'manual' in c ? c.manual : u.manual,
    schedule: 'schedule' in c ? c.schedule : u.schedule,
    calendar: 'calendar' in c ? c.calendar : u.calendar,
    hadRegistrationInSession: c.hadRegistrationInSession ?? u.hadRegistrationInSession,
    missedCalls: c.missedCalls ?? u.missedCalls,
    voicemail: c.voicemail ?? u.voicemail,
    lastCallEndedAt: 'lastCallEndedAt' in c ? c.lastCallEndedAt : u.lastCallEndedAt,
    agent: c.agent ?? u.agent,
    presence: c.presence ?? u.presence,
    settledAt: c.settledAt ?? u.settledAt,
  };
  return copy as UserDraft;
}
