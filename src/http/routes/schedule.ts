// S9.1: a user's scheduled statuses, listed, added and cancelled. The core checks each window (the
// same rules as a status set now, plus the schedule's limits); this adapter turns times into ISO.
import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import { MANUAL_STATUSES, SCHEDULE_LIMITS, mayUseCalendar, windowStateAt } from '../../core/index.js';
import type { ScheduledWindow, UserState } from '../../core/index.js';
import { HttpRefusal } from '../errors.js';
import { iso, tenantState } from '../lookup.js';
import { PhoneNumber, Ref, UserParam } from '../schemas.js';
import type { App, HttpContext } from '../server.js';
import { requirePermission, resolveUser, tenantAuth } from '../server.js';

const WindowParam = Type.Object({ user: Ref, window: Ref }, { additionalProperties: false });

const WindowBody = Type.Object(
  {
    status: Type.String({ minLength: 1, maxLength: 40, description: `One of ${MANUAL_STATUSES.join(', ')}.` }),
    from: Type.String({ format: 'date-time', description: 'When the status is set: now or later.' }),
    until: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'When the status before comes back; without it, the status stays until changed.',
      }),
    ),
    text: Type.Optional(Type.String({ maxLength: 1000 })),
    forwardTo: Type.Optional(PhoneNumber),
  },
  { additionalProperties: false },
);

/** A window as the API shows it, with how it stands now; a calendar event's title to the user only (S11.3). */
export function windowView(u: UserState, w: ScheduledWindow, now: number, ownRead = false) {
  return {
    id: w.id,
    status: w.status,
    ...(w.text !== undefined ? { text: w.text } : {}),
    ...(w.forwardTo !== undefined ? { forwardTo: w.forwardTo } : {}),
    from: iso(w.from),
    ...(w.until !== undefined ? { until: iso(w.until) } : {}),
    setBy: w.setBy,
    setAt: iso(w.setAt),
    state: windowStateAt(u, w, now),
    ...(w.source !== undefined ? { source: w.source } : {}),
    ...(ownRead && w.title !== undefined ? { title: w.title } : {}),
  };
}

function listOf(u: UserState, now: number, ownRead: boolean) {
  const windows = [...(u.schedule?.windows ?? [])].sort((a, b) => a.from - b.from);
  return { windows: windows.map((w) => windowView(u, w, now, ownRead)), max: SCHEDULE_LIMITS.maxWindows };
}

export function scheduleRoutes(app: App, ctx: HttpContext): void {
  app.get(
    '/api/v1/users/:user/schedule',
    {
      schema: {
        summary: "A user's scheduled statuses, by start (the user themself, supervisors and admins).",
        tags: ['presence'],
        params: UserParam,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      const u = resolveUser(ctx, auth, request.params.user);
      requirePermission(auth, 'user.watch', { user: u.id });
      return listOf(u, ctx.engine.now(), mayUseCalendar(auth.actor, u.id));
    },
  );

  app.post(
    '/api/v1/users/:user/schedule',
    {
      schema: {
        summary: 'Schedule a manual status for a window (self, or an admin for anyone).',
        tags: ['presence'],
        params: UserParam,
        body: WindowBody,
      },
    },
    async (request, reply) => {
      const auth = tenantAuth(request);
      const u = resolveUser(ctx, auth, request.params.user);
      const { status, from, until, text, forwardTo } = request.body;
      const out = await ctx.engine.dispatch(
        auth.tenant,
        {
          type: 'schedule.add',
          userId: u.id,
          by: auth.actor,
          window: {
            id: randomUUID(),
            status,
            from: Date.parse(from),
            ...(until !== undefined ? { until: Date.parse(until) } : {}),
            ...(text !== undefined ? { text } : {}),
            ...(forwardTo !== undefined ? { forwardTo } : {}),
          },
        },
        request.caller,
      );
      if (!out.ok) throw HttpRefusal.of(out);
      const now = tenantState(ctx, auth).users.get(u.id)!;
      return reply.status(201).send(windowView(now, out.reply!, ctx.engine.now()));
    },
  );

  app.delete(
    '/api/v1/users/:user/schedule/:window',
    {
      schema: {
        summary: 'Cancel a scheduled status; one in force gives the status before back at once.',
        tags: ['presence'],
        params: WindowParam,
      },
    },
    async (request, reply) => {
      const auth = tenantAuth(request);
      const u = resolveUser(ctx, auth, request.params.user);
      const out = await ctx.engine.dispatch(
        auth.tenant,
        {
          type: 'schedule.cancel',
          userId: u.id,
          windowId: request.params.window,
          by: auth.actor,
        },
        request.caller,
      );
      if (!out.ok) throw HttpRefusal.of(out);
      return reply.status(204).send();
    },
  );
}
