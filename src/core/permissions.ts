// S5.1: who may read or change what, as data. Every surface asks `permission`; a request no row
// allows is refused with SWB_ERR_FORBIDDEN. (Status and agent commands are checked as they are
// applied, in apply.ts, because they depend on the tenant policy and the queue.)
import type { Viewer } from './visibility.js';
import type { UserId } from './types.js';

export type Action =
  /** Presence, directory (no credentials), policy, agent states and routing decisions. */
  | 'directory.read'
  /** Create, change and delete users, groups and queues; user settings; the policy; imports. */
  | 'directory.change'
  /** Overlay events from a PBX (`POST /events`). */
  | 'events.post'
  /** Webhooks (S6.3) and API keys. */
  | 'integrations.manage'
  /** A user's settings, history, daily report and devices. */
  | 'user.watch'
  /** A queue's live state. */
  | 'queue.watch';

/** Who a row is for: a role, the user the request is about (`self`), an agent of the queue, or anyone. */
export type Who = Viewer['role'] | 'self' | 'agent' | 'anyone';

export interface PermissionRule {
  readonly rule: string;
  readonly action: Action | '*';
  readonly who: Who;
  readonly allowed: boolean;
}

/** S5.1, first matching row wins; the last row refuses everyone else. */
export const PERMISSIONS: readonly PermissionRule[] = [
  { rule: 'S5.1#1', action: 'directory.read', who: 'anyone', allowed: true },
  { rule: 'S5.1#2', action: 'directory.change', who: 'admin', allowed: true },
  { rule: 'S5.1#2', action: 'events.post', who: 'admin', allowed: true },
  { rule: 'S5.1#2', action: 'integrations.manage', who: 'admin', allowed: true },
  { rule: 'S5.1#3', action: 'user.watch', who: 'admin', allowed: true },
  { rule: 'S5.1#3', action: 'user.watch', who: 'supervisor', allowed: true },
  { rule: 'S5.1#3', action: 'user.watch', who: 'self', allowed: true },
  { rule: 'S5.1#3', action: 'queue.watch', who: 'admin', allowed: true },
  { rule: 'S5.1#3', action: 'queue.watch', who: 'supervisor', allowed: true },
  { rule: 'S5.1#3', action: 'queue.watch', who: 'agent', allowed: true },
  { rule: 'S5.1#4', action: '*', who: 'anyone', allowed: false },
];

/** What the request is about: the user it names, or the agents of the queue it names. */
export interface Subject {
  readonly user?: UserId;
  readonly agents?: readonly UserId[];
}

function matches(who: Who, viewer: Viewer, subject: Subject): boolean {
  switch (who) {
    case 'anyone':
      return true;
    case 'self':
      return viewer.userId !== undefined && viewer.userId === subject.user;
    case 'agent':
      return viewer.userId !== undefined && (subject.agents ?? []).includes(viewer.userId);
    default:
      return viewer.role === who;
  }
}

/** S5.1: the row that decides whether `viewer` may do `action` (on `subject`). */
export function permission(viewer: Viewer, action: Action, subject: Subject = {}): PermissionRule {
  return PERMISSIONS.find((r) => (r.action === action || r.action === '*') && matches(r.who, viewer, subject))!;
}
