// S1.6, S4: agent commands for one queue or all of an agent's queues, an agent's state per queue,
// and a queue's live snapshot. Who may command whom (S5.1) is the core's rule: the actor travels
// with the command.
import { Type } from 'typebox';
import { queueSnapshot } from '../../core/index.js';
import type { AgentAction, UserState } from '../../core/index.js';
import type { AuthContext } from '../../auth/accounts.js';
import type { DispatchOptions } from '../../engine/index.js';
import { HttpRefusal } from '../errors.js';
import { agentStates, agentView, iso, queueRef, tenantState } from '../lookup.js';
import { Ref } from '../schemas.js';
import type { App, HttpContext } from '../server.js';
import { requirePermission, resolveUser, tenantAuth } from '../server.js';

const Action = Type.Enum(['login', 'logout', 'ready', 'not_ready']);
const ReasonBody = Type.Object(
  {
    reason: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_.-]{1,40}$',
        description: "One of the tenant's reason codes (S9.2, GET /api/v1/reasons), e.g. break, lunch.",
      }),
    ),
  },
  { additionalProperties: false },
);

/** Runs an agent command and answers the user's agent states as they are now (S4.2). */
async function command(
  ctx: HttpContext,
  auth: AuthContext,
  u: UserState,
  action: AgentAction,
  reason: string | undefined,
  caller: DispatchOptions,
  queueId?: string,
) {
  const out = await ctx.engine.dispatch(
    auth.tenant,
    {
      type: 'agent.command',
      userId: u.id,
      action,
      by: auth.actor,
      ...(queueId !== undefined ? { queueId } : {}),
      ...(reason !== undefined ? { reason } : {}),
    },
    caller,
  );
  if (!out.ok) throw HttpRefusal.of(out);
  const now = tenantState(ctx, auth).users.get(u.id)!;
  // S4.2: an all-queues command applies where it can and names the queues it could not.
  const refused = out.reply?.refused;
  return {
    userId: now.id,
    queues: agentStates(tenantState(ctx, auth), now),
    ...(refused !== undefined ? { refused } : {}),
  };
}

export function agentRoutes(app: App, ctx: HttpContext): void {
  agentCommandRoutes(app, ctx);
  agentReadRoutes(app, ctx);
}

/** S1.6 S4.2: agent commands, in one queue or all of them. */
function agentCommandRoutes(app: App, ctx: HttpContext): void {
  app.post(
    '/api/v1/queues/:queue/agents/:user/:action',
    {
      // The body is optional: no body is no reason.
      config: { bodyOptional: true },
      schema: {
        summary: 'An agent command in one queue (S1.6): the agent themself, a supervisor of the queue, or an admin.',
        tags: ['agents'],
        params: Type.Object({ queue: Ref, user: Ref, action: Action }, { additionalProperties: false }),
        body: ReasonBody,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      const q = queueRef(tenantState(ctx, auth), request.params.queue);
      const u = resolveUser(ctx, auth, request.params.user);
      return command(ctx, auth, u, request.params.action, request.body.reason, request.caller, q.config.id);
    },
  );

  app.post(
    '/api/v1/agents/:user/:action',
    {
      config: { bodyOptional: true },
      schema: {
        summary:
          'An agent command in every queue the agent belongs to (S1.6, S4.2); `refused` lists the queues where it did not apply.',
        tags: ['agents'],
        params: Type.Object({ user: Ref, action: Action }, { additionalProperties: false }),
        body: ReasonBody,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      const u = resolveUser(ctx, auth, request.params.user);
      return command(ctx, auth, u, request.params.action, request.body.reason, request.caller);
    },
  );
}

/** S4.2: agent states, read. */
function agentReadRoutes(app: App, ctx: HttpContext): void {
  app.get(
    '/api/v1/agents/:user',
    {
      schema: {
        summary: "An agent's state in each of their queues (also shown in every presence record, S2.4).",
        tags: ['agents'],
        params: Type.Object({ user: Ref }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      const u = resolveUser(ctx, auth, request.params.user);
      return { userId: u.id, extension: u.extension, name: u.name, queues: agentStates(tenantState(ctx, auth), u) };
    },
  );

  app.get(
    '/api/v1/queues/:queue/state',
    {
      schema: {
        summary:
          "A queue's live snapshot (S4.4): waiting callers with position and wait, counters, and each agent's state. Admins, supervisors and the queue's agents.",
        tags: ['agents'],
        params: Type.Object({ queue: Ref }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      const state = tenantState(ctx, auth);
      const q = queueRef(state, request.params.queue);
      requirePermission(auth, 'queue.watch', { agents: q.config.agents });
      const now = ctx.now();
      const snap = queueSnapshot(q);
      const agents = q.config.agents.map((id) => {
        const u = state.users.get(id)!;
        return {
          userId: u.id,
          extension: u.extension,
          name: u.name,
          ...agentView(q, u.agent[q.config.id], state.policy),
        };
      });
      const count = (s: string) => agents.filter((a) => a.state === s).length;
      return {
        queueId: snap.queueId,
        name: snap.name,
        ...(q.config.extension !== undefined ? { extension: q.config.extension } : {}),
        strategy: q.config.strategy,
        waiting: snap.waiting.map((w) => ({
          ...w,
          arrivedAt: iso(w.arrivedAt),
          waitSec: Math.max(0, Math.floor((now - w.arrivedAt) / 1000)),
        })),
        counters: {
          waiting: snap.waiting.length,
          longestWaitSec: snap.waiting.reduce((m, w) => Math.max(m, Math.floor((now - w.arrivedAt) / 1000)), 0),
          answeredToday: snap.answeredToday,
          missedToday: snap.missedToday,
          overflowedToday: snap.overflowedToday,
          loggedIn: agents.length - count('logged_out'),
          ready: count('ready'),
          onQueueCall: count('queue_call'),
          wrapUp: count('wrap_up'),
          notReady: count('not_ready'),
        },
        agents,
      };
    },
  );
}
