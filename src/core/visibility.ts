// S2.7 (with S5.1): who sees what of whom. A forwarding user shows free to everyone; where they
// forward to is seen only by the user themself and by admins. This is the one rule every surface
// applies: REST reads, the live feed, routing decisions (POST /route) and SIP bodies.
import type { RingEntry } from './direct.js';
import type { Decision, Explanation } from './routing.js';
import type { PresenceRecord, Role, UserId } from './types.js';

/** Whoever looks: a signed-in user (with their id) or an API key (a role only). */
export interface Viewer {
  readonly role: Role;
  readonly userId?: UserId;
}

export interface VisibilityRule {
  readonly rule: string;
  /** `self`: the viewer is the subject; a role: a viewer with that role; `anyone`: the rest. */
  readonly viewer: 'self' | Role | 'anyone';
  readonly seesForwardTo: boolean;
}

/** S2.7 as data, first matching row wins. */
export const FORWARDING_VISIBILITY: readonly VisibilityRule[] = [
  { rule: 'S2.7#self', viewer: 'self', seesForwardTo: true },
  { rule: 'S2.7#admin', viewer: 'admin', seesForwardTo: true },
  { rule: 'S2.7#others', viewer: 'anyone', seesForwardTo: false },
];

/** The S2.7 row that decides what `viewer` sees of `subject`'s forwarding. */
export function visibilityRule(viewer: Viewer, subject: UserId): VisibilityRule {
  const row = FORWARDING_VISIBILITY.find(
    (r) => r.viewer === 'anyone' || (r.viewer === 'self' ? viewer.userId === subject : r.viewer === viewer.role),
  );
  return row!;
}

/** S2.7: whether `viewer` may see where `subject` forwards. */
export function seesForwardTo(viewer: Viewer, subject: UserId): boolean {
  return visibilityRule(viewer, subject).seesForwardTo;
}

/**
 * Whether `viewer` sees every other user's destination by their role alone (admins), so a surface
 * can share one full view among such viewers; anyone else sees at most their own.
 */
export function seesOthersForwardTo(viewer: Viewer): boolean {
  return FORWARDING_VISIBILITY.find((r) => r.viewer === viewer.role || r.viewer === 'anyone')!.seesForwardTo;
}

/** S2.7: a forwarding user shows free to everyone: never on a call, their BLF lamp idle. */
export function showsFree(record: PresenceRecord): boolean {
  return record.status === 'forwarding';
}

/** Whether a record carries a forwarding destination anywhere. */
export function hasForwardTo(p: PresenceRecord | undefined): boolean {
  return p !== undefined && (p.indicators.forwardTo !== undefined || p.manual?.forwardTo !== undefined);
}

/** The record without its forwarding destination (in the indicators and the manual status). */
export function withoutForwardTo(p: PresenceRecord): PresenceRecord {
  if (!hasForwardTo(p)) return p;
  const { forwardTo: _f, ...indicators } = p.indicators;
  const out: PresenceRecord = { ...p, indicators };
  if (p.manual === undefined) return out;
  const { forwardTo: _g, ...manual } = p.manual;
  return { ...out, manual };
}

/** S2.7: the presence record as `viewer` may see it. */
export function presenceAs<R extends PresenceRecord>(viewer: Viewer, record: R): R {
  return seesForwardTo(viewer, record.userId) ? record : (withoutForwardTo(record) as R);
}

/** What stands in for a destination the viewer may not see. */
export const HIDDEN = '(hidden)';

/** One explanation step as `viewer` may read it: a step that names a destination says `withheld` instead. */
function stepAs(viewer: Viewer, e: Explanation): Explanation {
  if (e.forwarding === undefined) return e;
  const text = seesForwardTo(viewer, e.forwarding.user) ? e.text : e.forwarding.withheld;
  return { rule: e.rule, text };
}

/** A ring entry rung in place of a forwarding member, without what says who or where it is. */
function ringAs(viewer: Viewer, r: RingEntry): RingEntry {
  if (r.forwardedFrom === undefined || seesForwardTo(viewer, r.forwardedFrom)) return r;
  const { userId: _u, deviceId: _d, ...rest } = r;
  return { ...rest, number: HIDDEN };
}

/**
 * S2.7, S5.1: a routing decision as `viewer` may see it. For anyone but the forwarding user and
 * admins it says that a user forwards, not where to, and stops at the forward; a group member's
 * stand-in rings without its number or user. Built from the decision's structure (each step that
 * names a destination carries its withheld wording), never by editing text.
 */
export function decisionAs(viewer: Viewer, d: Decision): Decision {
  const explanation = d.explanation.map((e) => stepAs(viewer, e));
  switch (d.outcome) {
    case 'forward': {
      if (d.target.kind === 'user' && seesForwardTo(viewer, d.target.id)) {
        return { ...d, explanation, ...(d.next ? { next: decisionAs(viewer, d.next) } : {}) };
      }
      const { next: _next, ...rest } = d;
      return { ...rest, to: HIDDEN, explanation };
    }
    case 'ring':
      return { ...d, ring: d.ring.map((r) => ringAs(viewer, r)), explanation };
    case 'action':
      return { ...d, explanation, ...(d.next ? { next: decisionAs(viewer, d.next) } : {}) };
    default:
      return { ...d, explanation };
  }
}
