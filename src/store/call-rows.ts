// S11.1: the call log's rows, whatever the database: the values a call-log step writes (the
// adapters' SQL merges them into the call's row: sqlite-calls.ts, postgres-calls.ts) and a row
// read back as a CallRecord. Nothing is decided here: the steps are the core's.
import { isCallOutcome } from '../core/index.js';
import type { CallParty, CallRecord, CallStep, Decision, RouteTarget, UserId } from '../core/index.js';

/** What a list of calls asks for; every filter is optional, newest first. */
export interface CallQuery {
  /** Calls that concern this user (caller, target, offered, answered). */
  readonly user?: UserId;
  readonly queue?: string;
  readonly outcome?: string;
  /** Started at or after / before (ms). */
  readonly from?: number;
  readonly to?: number;
  /** The page after this call (its start and id): a cursor. */
  readonly after?: { readonly at: number; readonly id: string };
  /** S11.1 visibility: only calls that concern this user or reached one of these queues. */
  readonly visibleTo?: { readonly user: UserId | undefined; readonly queues: readonly string[] };
  readonly limit: number;
}

/** The named values of a step, for either adapter's SQL. */
export interface StepValues {
  readonly id: string;
  readonly at: number;
  readonly caller: string | null;
  readonly target: string;
  readonly queue: string | null;
  readonly parties: string;
  /** route: the decision; offer: the offer; JSON. */
  readonly item: string | null;
  readonly user: string | null;
  readonly outcome: string | null;
}

/** ",a,b," — each id between commas, so a lookup is one substring test. */
export function partiesText(ids: readonly UserId[]): string {
  return ids.length === 0 ? '' : `,${ids.join(',')},`;
}

export function stepValues(step: CallStep): StepValues {
  const none = { caller: null, queue: null, item: null, user: null, outcome: null, parties: '' };
  switch (step.kind) {
    case 'route':
      return {
        ...none,
        id: step.callId,
        at: step.at,
        caller: step.from !== undefined ? JSON.stringify(step.from) : null,
        target: JSON.stringify(step.to),
        queue: step.queueId ?? null,
        parties: partiesText(step.parties),
        item: JSON.stringify(step.decision),
      };
    case 'offer':
      return {
        ...none,
        id: step.callId,
        at: step.at,
        caller: step.from !== undefined ? JSON.stringify(step.from) : null,
        target: JSON.stringify({ kind: 'user', id: step.userId }),
        queue: step.queueId ?? null,
        parties: partiesText([step.userId]),
        item: JSON.stringify({ userId: step.userId, at: step.at }),
        user: step.userId,
      };
    case 'answer':
      return {
        ...none,
        id: step.callId,
        at: step.at,
        target: '',
        parties: partiesText([step.userId]),
        user: step.userId,
      };
    case 'end':
      return { ...none, id: step.callId, at: step.at, target: '', outcome: step.outcome };
  }
}

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

/** A call_log row (either adapter's, JSON columns as text or parsed) as a CallRecord. */
export function callRecordOf(r: Record<string, unknown>): CallRecord {
  const endedAt = num(r.ended_at);
  const caller = str(r.caller);
  const queueId = str(r.queue_id);
  const answeredBy = str(r.answered_by);
  const answeredAt = num(r.answered_at);
  const outcome = str(r.outcome);
  const parties = [
    ...new Set(
      String(r.parties)
        .split(',')
        .filter((p) => p !== ''),
    ),
  ];
  return {
    id: String(r.id),
    startedAt: Number(r.started_at),
    ...(endedAt !== undefined ? { endedAt } : {}),
    ...(caller !== undefined ? { from: JSON.parse(caller) as CallParty } : {}),
    to: JSON.parse(String(r.target)) as RouteTarget,
    ...(queueId !== undefined ? { queueId } : {}),
    decisions: json<Decision[]>(r.decisions),
    offers: json<{ userId: UserId; at: number }[]>(r.offers),
    ...(answeredBy !== undefined ? { answeredBy } : {}),
    ...(answeredAt !== undefined ? { answeredAt } : {}),
    ...(isCallOutcome(outcome) ? { outcome } : {}),
    parties,
  };
}

export const CALL_COLUMNS =
  'id, started_at, ended_at, caller, target, queue_id, outcome, answered_by, answered_at, parties, decisions, offers';

/** The list query of either database: its SQL and positional values, newest first. */
export function callListSql(
  tenant: string,
  q: CallQuery,
  dialect: 'sqlite' | 'pg',
): { sql: string; params: unknown[] } {
  const params: unknown[] = [tenant];
  const p = (v: unknown): string => {
    params.push(v);
    return dialect === 'pg' ? `$${params.length}` : '?';
  };
  const has = (ids: string): string =>
    dialect === 'pg' ? `strpos(parties, ${ids}) > 0` : `instr(parties, ${ids}) > 0`;
  const where = ['tenant = ' + (dialect === 'pg' ? '$1' : '?')];
  if (q.user !== undefined) where.push(has(p(`,${q.user},`)));
  if (q.queue !== undefined) where.push(`queue_id = ${p(q.queue)}`);
  if (q.outcome !== undefined) where.push(`outcome = ${p(q.outcome)}`);
  if (q.from !== undefined) where.push(`started_at >= ${p(q.from)}`);
  if (q.to !== undefined) where.push(`started_at < ${p(q.to)}`);
  const collate = dialect === 'pg' ? ' COLLATE "C"' : '';
  if (q.after !== undefined) {
    const at = p(q.after.at);
    const at2 = p(q.after.at);
    where.push(`(started_at < ${at} OR (started_at = ${at2} AND id${collate} < ${p(q.after.id)}))`);
  }
  if (q.visibleTo !== undefined) {
    const or: string[] = [];
    if (q.visibleTo.user !== undefined) or.push(has(p(`,${q.visibleTo.user},`)));
    for (const queue of q.visibleTo.queues) or.push(`queue_id = ${p(queue)}`);
    where.push(or.length === 0 ? '1 = 0' : `(${or.join(' OR ')})`);
  }
  const sql = `SELECT ${CALL_COLUMNS} FROM call_log WHERE ${where.join(' AND ')} ORDER BY started_at DESC, id${collate} DESC LIMIT ${p(q.limit)}`;
  return { sql, params };
}
