// S11.3: a user's calendar feed: read, linked (or changed), unlinked, refreshed now. The core
// decides (who may, the link's checks, the windows); this adapter checks where the URL points
// (the operator's address policy) and asks the calendar service to fetch.
import { Type } from 'typebox';
import { checkCalendarUrl, isCalendarWindow, mayUseCalendar } from '../../core/index.js';
import type { UserState } from '../../core/index.js';
import { HttpRefusal, fail } from '../errors.js';
import { iso, tenantState } from '../lookup.js';
import { UserParam } from '../schemas.js';
import type { App, HttpContext } from '../server.js';
import { resolveUser, tenantAuth } from '../server.js';
import type { AuthContext } from '../../auth/accounts.js';

/** What the routes need of the calendar service (src/calendar). */
export interface CalendarService {
  /** Why this URL may not be fetched (the address policy), or undefined. */
  urlProblem(url: string): string | undefined;
  /** Fetches the user's feed now and applies it; resolves when done. */
  refresh(tenant: string, userId: string): Promise<void>;
  readonly intervalMs: number;
}

const LinkBody = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 4096,
      description: 'The iCalendar feed (.ics): https, or http to hosts the operator allows.',
    }),
    status: Type.Enum(['dnd', 'away'], { description: 'The status a busy event sets.' }),
    shareTitle: Type.Optional(
      Type.Boolean({ description: "Whether others see the event's title as the status text (default false)." }),
    ),
  },
  { additionalProperties: false },
);

function view(u: UserState, intervalMs: number) {
  const c = u.calendar;
  if (c === undefined) fail('SWB_ERR_CALENDAR_NOT_LINKED');
  return {
    url: c.url,
    status: c.status,
    shareTitle: c.shareTitle,
    linkedAt: iso(c.linkedAt),
    ...(c.lastSuccessAt !== undefined ? { lastSuccessAt: iso(c.lastSuccessAt) } : {}),
    ...(c.lastError !== undefined ? { lastError: c.lastError } : {}),
    ...(c.lastErrorAt !== undefined ? { lastErrorAt: iso(c.lastErrorAt) } : {}),
    windows: (u.schedule?.windows ?? []).filter(isCalendarWindow).length,
    intervalSec: Math.round(intervalMs / 1000),
  };
}

/** The user, when the caller may use their calendar (S11.3: the user themself only). */
function own(ctx: HttpContext, auth: AuthContext, ref: string): UserState {
  const u = resolveUser(ctx, auth, ref);
  if (!mayUseCalendar(auth.actor, u.id)) fail('SWB_ERR_FORBIDDEN');
  return u;
}

const current = (ctx: HttpContext, auth: AuthContext, id: string): UserState => tenantState(ctx, auth).users.get(id)!;

export function calendarRoutes(app: App, ctx: HttpContext, calendar: CalendarService): void {
  const tags = ['presence'];
  app.get(
    '/api/v1/users/:user/calendar',
    {
      schema: {
        summary: "The user's linked calendar feed and how its last fetch went (the user themself only).",
        tags,
        params: UserParam,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      return view(own(ctx, auth, request.params.user), calendar.intervalMs);
    },
  );

  app.put(
    '/api/v1/users/:user/calendar',
    {
      schema: {
        summary: "Link (or change) the user's calendar feed; it is fetched at once, then every few minutes.",
        tags,
        params: UserParam,
        body: LinkBody,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      const u = own(ctx, auth, request.params.user);
      const { url, status, shareTitle = false } = request.body;
      const badUrl = checkCalendarUrl(url);
      if (badUrl !== undefined) throw HttpRefusal.of(badUrl);
      const problem = calendar.urlProblem(url);
      if (problem !== undefined)
        fail(
          'SWB_ERR_CALENDAR_URL_FORBIDDEN',
          { field: 'url', reason: problem },
          `A calendar may not be fetched from that address: ${problem}.`,
        );
      const link = { type: 'calendar.link', userId: u.id, url, status, shareTitle, by: auth.actor } as const;
      const out = await ctx.engine.dispatch(auth.tenant, link, request.caller);
      if (!out.ok) throw HttpRefusal.of(out);
      await calendar.refresh(auth.tenant, u.id);
      return view(current(ctx, auth, u.id), calendar.intervalMs);
    },
  );

  app.delete(
    '/api/v1/users/:user/calendar',
    { schema: { summary: "Unlink the user's calendar; its scheduled statuses go with it.", tags, params: UserParam } },
    async (request, reply) => {
      const auth = tenantAuth(request);
      const u = own(ctx, auth, request.params.user);
      const out = await ctx.engine.dispatch(
        auth.tenant,
        { type: 'calendar.unlink', userId: u.id, by: auth.actor },
        request.caller,
      );
      if (!out.ok) throw HttpRefusal.of(out);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/users/:user/calendar/refresh',
    { schema: { summary: "Fetch the user's calendar feed now; answers how the fetch went.", tags, params: UserParam } },
    async (request) => {
      const auth = tenantAuth(request);
      const u = own(ctx, auth, request.params.user);
      if (u.calendar === undefined) fail('SWB_ERR_CALENDAR_NOT_LINKED');
      await calendar.refresh(auth.tenant, u.id);
      return view(current(ctx, auth, u.id), calendar.intervalMs);
    },
  );
}
