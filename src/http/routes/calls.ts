// S11.1: the call log over REST. A user reads the calls that concern them, a supervisor also their
// queues', an admin all (the core's CALL_VISIBILITY); a call outside the reader's scope is not found.
import { Type } from 'typebox';
import { CALL_OUTCOMES, callScope, decisionAs, seesCall } from '../../core/index.js';
import type { CallRecord, Viewer } from '../../core/index.js';
import { fail } from '../errors.js';
import { iso, queueRef, tenantState, userRef } from '../lookup.js';
import { Ref } from '../schemas.js';
import type { App, HttpContext } from '../server.js';
import { tenantAuth } from '../server.js';

const closed = { additionalProperties: false } as const;
export const CALLS_PAGE_MAX = 200;

const CallsQuery = Type.Object(
  {
    user: Type.Optional(Ref),
    queue: Type.Optional(Ref),
    outcome: Type.Optional(Type.Enum([...CALL_OUTCOMES])),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: CALLS_PAGE_MAX })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  },
  closed,
);

const CallParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }, closed);

/** The cursor is the last call's start and id, opaque to clients. */
const cursorOf = (c: CallRecord): string => Buffer.from(JSON.stringify([c.startedAt, c.id])).toString('base64url');

function parseCursor(s: string): { at: number; id: string } {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && Number.isInteger(v[0]) && typeof v[1] === 'string') return { at: v[0] as number, id: v[1] };
  } catch {
    // refused below
  }
  return fail('SWB_ERR_INVALID', { field: 'cursor' }, 'The cursor is not one this API gave.');
}

function time(field: 'from' | 'to', s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : fail('SWB_ERR_INVALID', { field }, `\`${field}\` must be an ISO instant.`);
}

/** One call as the viewer may read it (S2.7: a forwarding destination only for those who may see it). */
function callView(viewer: Viewer, c: CallRecord, full: boolean) {
  const first = c.decisions[0];
  const from =
    c.from === undefined ? undefined : 'userId' in c.from ? { user: c.from.userId } : { external: c.from.external };
  return {
    id: c.id,
    startedAt: iso(c.startedAt),
    ...(c.endedAt !== undefined ? { endedAt: iso(c.endedAt) } : {}),
    ...(from !== undefined ? { from } : {}),
    to: c.to,
    ...(c.queueId !== undefined ? { queueId: c.queueId } : {}),
    offers: c.offers.map((o) => ({ userId: o.userId, at: iso(o.at) })),
    ...(c.answeredBy !== undefined ? { answeredBy: c.answeredBy } : {}),
    ...(c.answeredAt !== undefined ? { answeredAt: iso(c.answeredAt) } : {}),
    ...(c.outcome !== undefined ? { outcome: c.outcome } : {}),
    ...(first !== undefined ? { routed: { outcome: first.outcome, rules: first.explanation.map((e) => e.rule) } } : {}),
    ...(full
      ? {
          ...(first !== undefined ? { decision: decisionAs(viewer, first) } : {}),
          decisions: c.decisions.map((d) => decisionAs(viewer, d)),
        }
      : {}),
  };
}

export function callRoutes(app: App, ctx: HttpContext): void {
  app.get(
    '/api/v1/calls',
    {
      schema: {
        summary:
          'The call log (S11.1), newest first: calls that concern the reader (a supervisor: also their queues; an admin: all). Filters: `user`, `queue`, `outcome`, `from`/`to` (ISO, by start); `cursor` pages on.',
        tags: ['calls'],
        querystring: CallsQuery,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      const state = tenantState(ctx, auth);
      const q = request.query;
      const user = q.user === undefined ? undefined : userRef(state, q.user).id;
      const queue = q.queue === undefined ? undefined : queueRef(state, q.queue).config.id;
      const from = time('from', q.from);
      const to = time('to', q.to);
      const scope = callScope(auth, state);
      const limit = q.limit ?? 50;
      const rows = await ctx.store.calls(auth.tenant, {
        ...(user !== undefined ? { user } : {}),
        ...(queue !== undefined ? { queue } : {}),
        ...(q.outcome !== undefined ? { outcome: q.outcome } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        ...(q.cursor !== undefined ? { after: parseCursor(q.cursor) } : {}),
        ...(scope.all ? {} : { visibleTo: { user: scope.user, queues: scope.queues } }),
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        calls: page.map((c) => callView(auth, c, false)),
        ...(rows.length > limit && last !== undefined ? { next: cursorOf(last) } : {}),
      };
    },
  );

  app.get(
    '/api/v1/calls/:id',
    {
      schema: {
        summary:
          'One call of the call log (S11.1) with the routing decisions as they were taken and their rules. A call the reader may not see is not found.',
        tags: ['calls'],
        params: CallParam,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      const c = await ctx.store.call(auth.tenant, request.params.id);
      if (c === undefined || !seesCall(callScope(auth, tenantState(ctx, auth)), c))
        fail('SWB_ERR_CALL_NOT_FOUND', { call: request.params.id.slice(0, 64) }, 'No such call in the call log.');
      return callView(auth, c, true);
    },
  );
}
