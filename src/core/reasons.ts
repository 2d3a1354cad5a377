// S9.2: reason codes as tenant data. The tenant's list (policy `reasons`, else the default list),
// its limits, the check a not-ready or away/dnd reason must pass, the label a surface shows and
// the deadline a reason's `maxSec` sets.
import { refuse } from './errors.js';
import type { AgentRecord, Cause, Instant, ReasonCode, Refusal, TenantPolicy } from './types.js';

/** A tenant whose policy names no list (created before S9.2, or never changed) has these. */
export const DEFAULT_REASONS: readonly ReasonCode[] = [
  { code: 'lunch', label: 'Lunch', productive: false },
  { code: 'break', label: 'Break', productive: false },
  { code: 'training', label: 'Training', productive: true },
  { code: 'admin', label: 'Admin work', productive: true },
  { code: 'other', label: 'Other', productive: false },
];

/** Reasons the system sets itself (S4.3), with the label shown when the tenant does not list them. */
export const SYSTEM_REASONS: Readonly<Record<string, string>> = { missed: 'Missed a queue call' };

export const REASON_LIMITS = {
  maxCodes: 100,
  code: /^[a-z0-9_-]{1,32}$/,
  maxLabel: 64,
  minSec: 60,
  maxSec: 86400,
} as const;

/** The statuses a manual reason may go with. */
export const REASON_STATUSES: readonly string[] = ['away', 'dnd'];

export function reasonsOf(policy: TenantPolicy): readonly ReasonCode[] {
  return policy.reasons ?? DEFAULT_REASONS;
}

export function findReason(policy: TenantPolicy, code: string): ReasonCode | undefined {
  return reasonsOf(policy).find((r) => r.code === code);
}

/** A reason asked for by hand must be one of the tenant's codes (none given is always fine). */
export function checkReason(policy: TenantPolicy, code: string | undefined): Refusal | undefined {
  if (code === undefined || findReason(policy, code) !== undefined) return undefined;
  return refuse('SWB_ERR_REASON_UNKNOWN', { reason: code.slice(0, 40) });
}

/** What a surface shows for a code: the tenant's label, a system reason's label, else the code. */
export function reasonLabel(policy: TenantPolicy, code: string): string {
  return labelIn(reasonsOf(policy), code);
}

/** The label of a code in a list (the web app holds the list it read). */
export function labelIn(list: readonly ReasonCode[], code: string): string {
  return list.find((r) => r.code === code)?.label ?? SYSTEM_REASONS[code] ?? code;
}

/** When a reason given now ends by itself, or undefined (no `maxSec`). */
export function reasonDeadline(policy: TenantPolicy, code: string | undefined, now: Instant): Instant | undefined {
  if (code === undefined) return undefined;
  const maxSec = findReason(policy, code)?.maxSec;
  return maxSec === undefined ? undefined : now + maxSec * 1000;
}

/** The agent input a reason's `maxSec` running out stands for: ready, or the admin's choice. */
export function reasonEnd(policy: TenantPolicy, code: string | undefined): 'ready' | 'logout' {
  const end = code === undefined ? undefined : findReason(policy, code)?.endState;
  return end === 'logged_out' ? 'logout' : 'ready';
}

/** S5.3: the cause of a state a reason's `maxSec` ended. */
export function reasonExpiredCause(code: string | undefined): Cause {
  return `system:reason_expired:${code ?? ''}`;
}

function withoutDeadline(a: AgentRecord): AgentRecord {
  if (a.reasonUntil === undefined) return a;
  const { reasonUntil: _r, ...rest } = a;
  return rest;
}

/**
 * The record with its S9.2 deadline: a not_ready whose reason has `maxSec` ends `maxSec` after it
 * began (kept while the same reason goes on, `before` is the record as it was); any other record
 * has none.
 */
export function agentDeadline(
  a: AgentRecord,
  before: AgentRecord | undefined,
  policy: TenantPolicy,
  now: Instant,
): AgentRecord {
  if (a.state !== 'not_ready' || a.reason === undefined) return withoutDeadline(a);
  const maxSec = findReason(policy, a.reason)?.maxSec;
  if (maxSec === undefined) return withoutDeadline(a);
  const kept =
    before?.state === 'not_ready' && before.reason === a.reason && before.reasonUntil !== undefined
      ? before.reasonUntil
      : (a.reasonUntil ?? now + maxSec * 1000);
  return a.reasonUntil === kept ? a : { ...a, reasonUntil: kept };
}

const bad = (field: string, why: string): Refusal => refuse('SWB_ERR_INVALID', { field, why }, `${field}: ${why}`);

/** The limits of a tenant's list: ≤ 100 codes, each once, code [a-z0-9_-]{1,32}, label ≤ 64, maxSec 60..86400. */
export function validateReasons(list: unknown): Refusal | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) return bad('reasons', 'a list of reason codes');
  if (list.length > REASON_LIMITS.maxCodes) return bad('reasons', `at most ${REASON_LIMITS.maxCodes} codes`);
  const seen = new Set<string>();
  for (const r of list as readonly Partial<ReasonCode>[]) {
    if (typeof r !== 'object' || r === null) return bad('reasons', 'a list of reason codes');
    if (typeof r.code !== 'string' || !REASON_LIMITS.code.test(r.code))
      return bad('reasons.code', '1 to 32 of a-z, 0-9, _ and -');
    if (seen.has(r.code)) return bad('reasons.code', `"${r.code}" is listed twice`);
    seen.add(r.code);
    if (typeof r.label !== 'string' || r.label.trim() === '' || r.label.length > REASON_LIMITS.maxLabel)
      return bad('reasons.label', `1 to ${REASON_LIMITS.maxLabel} characters`);
    if (typeof r.productive !== 'boolean') return bad('reasons.productive', 'true or false');
    const s = r.maxSec;
    if (s !== undefined && (!Number.isInteger(s) || s < REASON_LIMITS.minSec || s > REASON_LIMITS.maxSec))
      return bad('reasons.maxSec', `a whole number of seconds, ${REASON_LIMITS.minSec} to ${REASON_LIMITS.maxSec}`);
    if (r.endState !== undefined && r.endState !== 'ready' && r.endState !== 'logged_out')
      return bad('reasons.endState', 'ready or logged_out');
  }
  return undefined;
}
