// The directory's queues (S4): reads for every role of the tenant, changes for admins.
import type { Static } from 'typebox';
import type { AnsweringAction, OfficeHours, TenantState } from '../../core/index.js';
import { fail } from '../errors.js';
import { actionRef, queueRef, tenantState, userRefs } from '../lookup.js';
import { IdParam, NewQueueBody, QueuePatchBody } from '../schemas.js';
import type { App, HttpContext } from '../server.js';
import { requirePermission, tenantAuth } from '../server.js';
import { hoursInput, run } from './directory-input.js';

/** The queues: list, create, read, change, remove. */
export function queueRoutes(app: App, ctx: HttpContext): void {
  app.get(
    '/api/v1/queues',
    { schema: { summary: "Every queue's configuration.", tags: ['directory'] } },
    async (request) => {
      const auth = tenantAuth(request);
      return { queues: [...tenantState(ctx, auth).queues.values()].map((q) => q.config) };
    },
  );

  app.post(
    '/api/v1/queues',
    {
      schema: {
        summary: 'Create a queue (admin); agents and supervisors by id or extension.',
        tags: ['directory'],
        body: NewQueueBody,
      },
    },
    async (request, reply) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const state = tenantState(ctx, auth);
      if (state.queues.has(request.body.id)) fail('SWB_ERR_ID_TAKEN', { id: request.body.id });
      await run(ctx, request, {
        type: 'queue.upsert',
        queue: { ...queueInput(state, request.body), id: request.body.id, name: request.body.name },
      });
      return reply.status(201).send(tenantState(ctx, auth).queues.get(request.body.id)!.config);
    },
  );

  app.get(
    '/api/v1/queues/:id',
    { schema: { summary: "One queue's configuration, by id or extension.", tags: ['directory'], params: IdParam } },
    async (request) => {
      const auth = tenantAuth(request);
      return queueRef(tenantState(ctx, auth), request.params.id).config;
    },
  );

  app.put(
    '/api/v1/queues/:id',
    {
      schema: {
        summary: "Change a queue's configuration (admin): the fields given.",
        tags: ['directory'],
        params: IdParam,
        body: QueuePatchBody,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const state = tenantState(ctx, auth);
      const q = queueRef(state, request.params.id);
      await run(ctx, request, {
        type: 'queue.upsert',
        queue: { ...queueInput(state, request.body), id: q.config.id, name: request.body.name ?? q.config.name },
      });
      return tenantState(ctx, auth).queues.get(q.config.id)!.config;
    },
  );

  app.delete(
    '/api/v1/queues/:id',
    { schema: { summary: 'Delete a queue (admin); its agents leave it.', tags: ['directory'], params: IdParam } },
    async (request, reply) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const q = queueRef(tenantState(ctx, auth), request.params.id);
      await run(ctx, request, { type: 'queue.remove', queueId: q.config.id });
      return reply.status(204).send();
    },
  );
}

function queueInput(
  state: TenantState,
  body: Static<typeof QueuePatchBody>,
): Omit<Static<typeof QueuePatchBody>, 'overflowAction' | 'busyAction' | 'hours'> & {
  overflowAction?: AnsweringAction;
  busyAction?: AnsweringAction;
  hours?: OfficeHours;
} {
  const { agents, supervisors, overflowAction, busyAction, hours, name: _name, ...rest } = body;
  return {
    ...rest,
    ...(agents !== undefined ? { agents: userRefs(state, agents, 'agents') } : {}),
    ...(supervisors !== undefined ? { supervisors: userRefs(state, supervisors, 'supervisors') } : {}),
    ...(overflowAction !== undefined ? { overflowAction: actionRef(state, overflowAction as AnsweringAction) } : {}),
    ...(busyAction !== undefined ? { busyAction: actionRef(state, busyAction as AnsweringAction) } : {}),
    ...(hours !== undefined ? { hours: hoursInput(state, hours) } : {}),
  };
}
