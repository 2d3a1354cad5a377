// S6.5: a user's history of status and agent state changes with their causes, and the daily
// report of time in each status in the tenant's time zone; plus the operator's view of a user's
// devices. The user themself, supervisors and admins.
import type { UserState } from '../../core/index.js';
import type { AuthContext } from '../../auth/accounts.js';
import { fail } from '../errors.js';
import { iso, tenantState } from '../lookup.js';
import { timeInStatusPerDay } from '../report.js';
import { UserParam, WindowQuery } from '../schemas.js';
import type { App, HttpContext } from '../server.js';
import { requirePermission, resolveUser, tenantAuth } from '../server.js';

const DAY_MS = 24 * 3600_000;
const MAX_WINDOW_MS = 31 * DAY_MS;

/** S5.1: the user themself, supervisors and admins (the core's permission table). */
function mayWatch(auth: AuthContext, u: UserState): void {
  requirePermission(auth, 'user.watch', { user: u.id });
}

/** [from, to): by default the last 24 hours; at most 31 days. */
export function window(query: { from?: string; to?: string }, now: number): { from: number; to: number } {
  const to = query.to !== undefined ? Date.parse(query.to) : now;
  const from = query.from !== undefined ? Date.parse(query.from) : to - DAY_MS;
  if (!(from < to)) fail('SWB_ERR_INVALID', { field: 'from' }, '`from` must be before `to`.');
  if (to - from > MAX_WINDOW_MS)
    fail('SWB_ERR_INVALID', { field: 'to', maxDays: 31 }, 'The window may be at most 31 days long.');
  return { from, to };
}

export function historyRoutes(app: App, ctx: HttpContext): void {
  historyListRoutes(app, ctx);
  userReportRoutes(app, ctx);
  userDeviceRoutes(app, ctx);
}

/** S6.5: the history rows of a user. */
function historyListRoutes(app: App, ctx: HttpContext): void {
  app.get(
    '/api/v1/users/:user/history',
    {
      schema: {
        summary:
          "A user's effective status and agent state changes with their causes (S6.5), oldest first. `from`/`to` are ISO instants; default the last 24 hours, at most 31 days.",
        tags: ['history'],
        params: UserParam,
        querystring: WindowQuery,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      const u = resolveUser(ctx, auth, request.params.user);
      mayWatch(auth, u);
      const { from, to } = window(request.query, ctx.now());
      const rows = await ctx.store.history(auth.tenant, u.id, from, to);
      return {
        userId: u.id,
        from: iso(from),
        to: iso(to),
        history: rows.map((r) => ({
          at: iso(r.at),
          kind: r.kind,
          ...(r.queueId !== null ? { queueId: r.queueId } : {}),
          value: r.value,
          ...(r.reason !== null ? { reason: r.reason } : {}),
          cause: r.cause,
        })),
      };
    },
  );
}

/** S6.5: a report of a user's statuses over a window. */
function userReportRoutes(app: App, ctx: HttpContext): void {
  app.get(
    '/api/v1/users/:user/report',
    {
      schema: {
        summary:
          "Time in each status per day in the tenant's time zone (S6.5), in milliseconds. Time after now is not counted.",
        tags: ['history'],
        params: UserParam,
        querystring: WindowQuery,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      const u = resolveUser(ctx, auth, request.params.user);
      mayWatch(auth, u);
      const now = ctx.now();
      const { from, to } = window(request.query, now);
      const timezone = tenantState(ctx, auth).policy.timezone;
      const end = Math.max(from, Math.min(to, now));
      const before = await ctx.store.statusBefore(auth.tenant, u.id, from);
      const changes = (await ctx.store.history(auth.tenant, u.id, from, end))
        .filter((r) => r.kind === 'status')
        .map((r) => ({ at: r.at, status: r.value }));
      return {
        userId: u.id,
        timezone,
        from: iso(from),
        to: iso(to),
        days: timeInStatusPerDay(before?.value, changes, from, end, timezone),
      };
    },
  );
}

/** S7: the SIP devices of a user, for the operator. */
function userDeviceRoutes(app: App, ctx: HttpContext): void {
  app.get(
    '/api/v1/users/:user/devices',
    {
      schema: {
        summary: "A user's registrations (id, kind, expiry) and signed-in app sessions (operator view).",
        tags: ['history'],
        params: UserParam,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      const u = resolveUser(ctx, auth, request.params.user);
      mayWatch(auth, u);
      const now = ctx.now();
      // S7: the SIP server adds each binding's contact, transport and source, and the user's subscriptions.
      const sip = ctx.sipDevices?.(auth.tenant, u.id);
      const bindings = new Map(
        (sip?.bindings ?? []).map((b) => [
          (b as { id: string }).id,
          b as { id: string; uri: string; transport: string; source: string; userAgent?: string },
        ]),
      );
      return {
        userId: u.id,
        registrations: u.registrations
          .filter((r) => r.expiresAt > now)
          .map((r) => {
            const b = bindings.get(r.id);
            return {
              id: r.id,
              kind: r.kind,
              expiresAt: iso(r.expiresAt),
              ...(b
                ? {
                    contact: b.uri,
                    transport: b.transport,
                    source: b.source,
                    ...(b.userAgent !== undefined ? { userAgent: b.userAgent } : {}),
                  }
                : {}),
            };
          }),
        sessions: u.sessions.length,
        ...(sip ? { subscriptions: { watchedBy: sip.watchedBy, watching: sip.watching } } : {}),
      };
    },
  );
}
