// S9.2: the tenant's reason codes (read by every role, replaced by admins) and the queue report of
// time in not_ready per reason per day, with the tenant's labels.
import { Type } from 'typebox';
import { findReason, reasonLabel, reasonsOf } from '../../core/index.js';
import type { TenantPolicy } from '../../core/index.js';
import { iso, queueRef, tenantState } from '../lookup.js';
import { addDays, timeInReasonPerDay } from '../report.js';
import { Ref, ReasonsBody, WindowQuery } from '../schemas.js';
import type { App, HttpContext } from '../server.js';
import { requirePermission, tenantAuth } from '../server.js';
import { run } from './directory-input.js';
import { window } from './history.js';

export function reasonRoutes(app: App, ctx: HttpContext): void {
  app.get(
    '/api/v1/reasons',
    {
      schema: {
        summary: "The tenant's reason codes for not ready, away and dnd (S9.2); every role may read them.",
        tags: ['directory'],
      },
    },
    async (request) => ({ reasons: reasonsOf(tenantState(ctx, tenantAuth(request)).policy) }),
  );

  app.put(
    '/api/v1/reasons',
    {
      schema: {
        summary:
          "Replace the tenant's reason codes (admin, S9.2): at most 100, code 1–32 of a-z 0-9 _ -, label ≤ 64, maxSec 60–86400. States already in a removed reason keep it until they change.",
        tags: ['directory'],
        body: ReasonsBody,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      await run(ctx, request, { type: 'tenant.policy', policy: { reasons: request.body.reasons } });
      return { reasons: reasonsOf(tenantState(ctx, auth).policy) };
    },
  );

  queueReportRoute(app, ctx);
}

/** A day's not_ready time per reason, with labels, in seconds. */
function dayReasons(policy: TenantPolicy, ms: Record<string, number>) {
  return Object.entries(ms)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, total]) => ({
      code,
      label: code === '' ? 'No reason' : reasonLabel(policy, code),
      productive: findReason(policy, code)?.productive ?? false,
      seconds: Math.round(total / 1000),
    }));
}

function queueReportRoute(app: App, ctx: HttpContext): void {
  app.get(
    '/api/v1/queues/:queue/report',
    {
      schema: {
        summary:
          "Time the queue's agents spent in not_ready per reason per day in the tenant's time zone (S9.2), in seconds, with the reasons' labels. Admins, supervisors and the queue's agents.",
        tags: ['agents'],
        params: Type.Object({ queue: Ref }, { additionalProperties: false }),
        querystring: WindowQuery,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      const state = tenantState(ctx, auth);
      const q = queueRef(state, request.params.queue);
      requirePermission(auth, 'queue.watch', { agents: q.config.agents });
      const now = ctx.now();
      const { from, to } = window(request.query, now);
      const end = Math.max(from, Math.min(to, now));
      const timezone = state.policy.timezone;
      const queueId = q.config.id;
      const sums = new Map<string, Record<string, number>>();
      for (const userId of q.config.agents) {
        const before = await ctx.store.agentStateBefore(auth.tenant, userId, queueId, from);
        const changes = (await ctx.store.history(auth.tenant, userId, from, end))
          .filter((r) => r.kind === 'agent' && r.queueId === queueId)
          .map((r) => ({ at: r.at, state: r.value, reason: r.reason }));
        const initial = before === undefined ? undefined : { state: before.value, reason: before.reason };
        addDays(sums, timeInReasonPerDay(initial, changes, from, end, timezone));
      }
      return {
        queueId,
        timezone,
        from: iso(from),
        to: iso(to),
        days: [...sums.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([date, ms]) => ({ date, reasons: dayReasons(state.policy, ms) })),
      };
    },
  );
}
