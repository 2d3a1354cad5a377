// Shape checks for directory input that reaches the core without a schema in front of it (the
// CLI, the engine's own tests). The HTTP layer validates with schemas first; this is the floor.
import { isManualStatus } from './catalog.js';
import { refuse } from './errors.js';
import { validateHours } from './hours-input.js';
import { isTimeZone } from './wall-clock.js';
import { validateReasons } from './reasons.js';
import type { UserInput } from './commands.js';
import { checkWaitAction } from './wait.js';
import type { Group, QueueConfig, Refusal, TenantPolicy, UserId } from './types.js';

const EXTENSION = /^[0-9]{2,10}$/;
const ID = /^[A-Za-z0-9_.:-]{1,64}$/;

const bad = (field: string, why: string): Refusal => refuse('SWB_ERR_INVALID', { field, why }, `${field}: ${why}`);
const isNonNegInt = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 0;

export function validateUserInput(u: UserInput): Refusal | undefined {
  if (typeof u.id !== 'string' || !ID.test(u.id)) return bad('id', 'letters, digits and _.:- only, at most 64');
  if (typeof u.extension !== 'string' || !EXTENSION.test(u.extension)) return bad('extension', '2 to 10 digits');
  if (typeof u.name !== 'string' || u.name.trim() === '' || u.name.length > 100)
    return bad('name', '1 to 100 characters');
  if (u.role !== undefined && !['admin', 'supervisor', 'user'].includes(u.role))
    return bad('role', 'admin, supervisor or user');
  const s = u.settings ?? {};
  for (const k of ['deskDelaySec', 'ringTimeoutSec'] as const) {
    if (s[k] !== undefined && (!isNonNegInt(s[k]) || s[k]! > 600))
      return bad(`settings.${k}`, 'a whole number of seconds, 0 to 600');
  }
  // S11.4: `wait` only as the busy action.
  for (const [k, a] of Object.entries(s.actions ?? {}))
    if (a !== undefined) {
      const r = checkWaitAction(`settings.actions.${k}`, a, k === 'busy');
      if (r) return r;
    }
  return undefined;
}

function members(field: string, ids: readonly UserId[], exists: (id: UserId) => boolean): Refusal | undefined {
  if (!Array.isArray(ids)) return bad(field, 'a list of user ids');
  for (const id of ids) if (!exists(id)) return refuse('SWB_ERR_USER_NOT_FOUND', { user: id, field });
  if (new Set(ids).size !== ids.length) return bad(field, 'each user once');
  return undefined;
}

export function validateGroup(g: Group, exists: (id: UserId) => boolean): Refusal | undefined {
  if (typeof g.id !== 'string' || !ID.test(g.id)) return bad('id', 'letters, digits and _.:- only, at most 64');
  if (g.extension !== undefined && !EXTENSION.test(g.extension)) return bad('extension', '2 to 10 digits');
  if (!['ringAll', 'hunt', 'roundRobin', 'longestIdle'].includes(g.strategy))
    return bad('strategy', 'ringAll, hunt, roundRobin or longestIdle');
  if (!isNonNegInt(g.memberRingSec) || g.memberRingSec < 1)
    return bad('memberRingSec', 'a whole number of seconds, at least 1');
  if (!isNonNegInt(g.ringTimeoutSec) || g.ringTimeoutSec < 1)
    return bad('ringTimeoutSec', 'a whole number of seconds, at least 1');
  for (const [k, a] of Object.entries(g.actions)) {
    const r = checkWaitAction(`actions.${k}`, a, false);
    if (r) return r;
  }
  return validateHours(g.hours) ?? members('members', g.members, exists);
}

export function validateQueue(q: QueueConfig, exists: (id: UserId) => boolean): Refusal | undefined {
  if (typeof q.id !== 'string' || !ID.test(q.id)) return bad('id', 'letters, digits and _.:- only, at most 64');
  if (q.extension !== undefined && !EXTENSION.test(q.extension)) return bad('extension', '2 to 10 digits');
  if (!['ringAll', 'longestIdle', 'roundRobin', 'fewestCalls', 'linear'].includes(q.strategy)) {
    return bad('strategy', 'ringAll, longestIdle, roundRobin, fewestCalls or linear');
  }
  for (const k of ['wrapUpSec', 'agentRingSec', 'maxWaitSec', 'maxCallers'] as const) {
    if (!isNonNegInt(q[k])) return bad(k, 'a whole number, 0 or more');
  }
  if (q.agentRingSec < 1) return bad('agentRingSec', 'at least 1 second');
  const noWait =
    checkWaitAction('busyAction', q.busyAction, false) ?? checkWaitAction('overflowAction', q.overflowAction, false);
  if (noWait) return noWait;
  return validateHours(q.hours) ?? members('agents', q.agents, exists) ?? members('supervisors', q.supervisors, exists);
}

export function validatePolicy(p: TenantPolicy): Refusal | undefined {
  for (const k of ['idleAfterSec', 'sessionTimeoutSec', 'defaultDeskDelaySec', 'maxCallSec'] as const) {
    if (!isNonNegInt(p[k]) || p[k] < 1) return bad(k, 'a whole number of seconds, at least 1');
  }
  if (!Array.isArray(p.manualStatuses) || !p.manualStatuses.every((s) => isManualStatus(s)))
    return bad('manualStatuses', 'a list of manual statuses');
  if (typeof p.statusIndependentOfLogin !== 'boolean' || typeof p.adminsSetOthers !== 'boolean')
    return bad('policy', 'flags are true or false');
  if (p.callLogDays !== undefined && (!isNonNegInt(p.callLogDays) || p.callLogDays < 1 || p.callLogDays > 3650))
    return bad('callLogDays', 'a whole number of days, 1 to 3650');
  if (typeof p.timezone !== 'string' || p.timezone.length === 0 || p.timezone.length > 64 || !isTimeZone(p.timezone))
    return bad('timezone', 'an IANA time zone name');
  return validateHours(p.hours) ?? validateReasons(p.reasons);
}
