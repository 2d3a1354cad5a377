// S2: everyone's presence, one user's presence, and setting or clearing a manual status (S1.3).
import { Type } from 'typebox';
import { MANUAL_STATUSES, AUTOMATIC_STATUSES } from '../../core/index.js';
import type { PresenceRecord } from '../../core/index.js';
import type { App, HttpContext } from '../server.js';
import { presenceFor, resolveUser, tenantAuth } from '../server.js';
import { HttpRefusal } from '../errors.js';

const UserParam = Type.Object({ user: Type.String({ minLength: 1, maxLength: 64 }) });

export function presenceRoutes(app: App, ctx: HttpContext): void {
  presenceReadRoutes(app, ctx);
  presenceWriteRoutes(app, ctx);
}

/** S2.4: presence records, read. */
function presenceReadRoutes(app: App, ctx: HttpContext): void {
  app.get(
    '/api/v1/presence',
    {
      schema: {
        summary: "Every user's presence record in the tenant, filterable.",
        tags: ['presence'],
        querystring: Type.Object(
          {
            group: Type.Optional(Type.String({ maxLength: 64 })),
            status: Type.Optional(
              Type.String({ maxLength: 200, description: 'One status or a comma-separated list.' }),
            ),
            search: Type.Optional(Type.String({ maxLength: 100, description: 'Part of a name or extension.' })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      const state = ctx.engine.state(auth.tenant)!;
      const { group, status, search } = request.query;
      let members: ReadonlySet<string> | undefined;
      if (group !== undefined) {
        const g = state.groups.get(group) ?? [...state.groups.values()].find((x) => x.extension === group);
        const q = state.queues.get(group);
        if (g === undefined && q === undefined) throw new HttpRefusal('SWB_ERR_GROUP_NOT_FOUND', undefined, { group });
        members = new Set(g ? g.members : q!.config.agents);
      }
      const statuses = status === undefined ? undefined : new Set(status.split(','));
      const needle = search?.toLowerCase();
      const records: PresenceRecord[] = [];
      for (const u of state.users.values()) {
        if (members && !members.has(u.id)) continue;
        const p = u.presence;
        if (statuses && !statuses.has(p.status)) continue;
        if (needle && !p.name.toLowerCase().includes(needle) && !p.extension.includes(needle)) continue;
        records.push(presenceFor(auth, { ...p, ...agentsOf(u.agent) }));
      }
      records.sort((a, b) => a.extension.localeCompare(b.extension, 'en', { numeric: true }));
      const position = ctx.engine.position(auth.tenant)!;
      return { epoch: position.epoch, seq: position.seq, presence: records };
    },
  );

  app.get(
    '/api/v1/users/:user/presence',
    { schema: { summary: "One user's presence record.", tags: ['presence'], params: UserParam } },
    async (request) => {
      const auth = tenantAuth(request);
      const u = resolveUser(ctx, auth, request.params.user);
      return presenceFor(auth, { ...u.presence, ...agentsOf(u.agent) });
    },
  );
}

/** S1.3: a manual status, set and cleared. */
function presenceWriteRoutes(app: App, ctx: HttpContext): void {
  app.put(
    '/api/v1/users/:user/status',
    {
      schema: {
        summary: 'Set a manual status (self, or an admin for anyone). Automatic statuses are refused by name.',
        tags: ['presence'],
        params: UserParam,
        body: Type.Object(
          {
            status: Type.String({
              minLength: 1,
              maxLength: 40,
              description: `One of ${MANUAL_STATUSES.join(', ')}. Automatic statuses (${AUTOMATIC_STATUSES.join(', ')}) are refused.`,
            }),
            text: Type.Optional(Type.String({ maxLength: 1000 })),
            until: Type.Optional(Type.String({ format: 'date-time' })),
            forwardTo: Type.Optional(Type.String({ pattern: '^\\+?[0-9]{2,20}$' })),
            reason: Type.Optional(
              Type.String({ maxLength: 64, description: "S9.2: one of the tenant's reason codes, with away or dnd." }),
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      const u = resolveUser(ctx, auth, request.params.user);
      const { status, text, until, forwardTo, reason } = request.body;
      const out = await ctx.engine.dispatch(
        auth.tenant,
        {
          type: 'status.set',
          userId: u.id,
          status,
          by: auth.actor,
          ...(text !== undefined ? { text } : {}),
          ...(until !== undefined ? { until: Date.parse(until) } : {}),
          ...(forwardTo !== undefined ? { forwardTo } : {}),
          ...(reason !== undefined ? { reason } : {}),
        },
        request.caller,
      );
      if (!out.ok) throw HttpRefusal.of(out);
      const now = ctx.engine.state(auth.tenant)!.users.get(u.id)!;
      return presenceFor(auth, { ...now.presence, ...agentsOf(now.agent) });
    },
  );

  app.delete(
    '/api/v1/users/:user/status',
    { schema: { summary: 'Clear the manual status.', tags: ['presence'], params: UserParam } },
    async (request) => {
      const auth = tenantAuth(request);
      const u = resolveUser(ctx, auth, request.params.user);
      const out = await ctx.engine.dispatch(
        auth.tenant,
        { type: 'status.clear', userId: u.id, by: auth.actor },
        request.caller,
      );
      if (!out.ok) throw HttpRefusal.of(out);
      const now = ctx.engine.state(auth.tenant)!.users.get(u.id)!;
      return presenceFor(auth, { ...now.presence, ...agentsOf(now.agent) });
    },
  );
}

/** S2.4: the record shows the agent state per queue. */
export function agentsOf(agent: Readonly<Record<string, { state: string }>>): { agent?: Record<string, string> } {
  const keys = Object.keys(agent);
  if (keys.length === 0) return {};
  return { agent: Object.fromEntries(keys.map((k) => [k, agent[k]!.state])) };
}
