// The directory's groups (S3.3): reads for every role of the tenant, changes for admins.
import type { AnsweringAction } from '../../core/index.js';
import { fail } from '../errors.js';
import { actionRefs, groupRef, groupView, tenantState, userRefs } from '../lookup.js';
import { GroupPatchBody, IdParam, MembersBody, NewGroupBody } from '../schemas.js';
import type { App, HttpContext } from '../server.js';
import { requirePermission, tenantAuth } from '../server.js';
import { hoursInput, run } from './directory-input.js';

/** The groups: list, create, read, change. */
export function groupRoutes(app: App, ctx: HttpContext): void {
  app.get(
    '/api/v1/groups',
    { schema: { summary: 'Every group (ring group or team).', tags: ['directory'] } },
    async (request) => {
      const auth = tenantAuth(request);
      return { groups: [...tenantState(ctx, auth).groups.values()].map(groupView) };
    },
  );

  app.post(
    '/api/v1/groups',
    {
      schema: {
        summary: 'Create a group (admin); members by id or extension.',
        tags: ['directory'],
        body: NewGroupBody,
      },
    },
    async (request, reply) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const state = tenantState(ctx, auth);
      const { members, actions, hours, ...rest } = request.body;
      if (state.groups.has(rest.id)) fail('SWB_ERR_ID_TAKEN', { id: rest.id });
      await run(ctx, request, {
        type: 'group.upsert',
        group: {
          ...rest,
          ...(members !== undefined ? { members: userRefs(state, members, 'members') } : {}),
          ...(actions !== undefined ? { actions: actionRefs(state, actions as Record<string, AnsweringAction>) } : {}),
          ...(hours !== undefined ? { hours: hoursInput(state, hours) } : {}),
        },
      });
      return reply.status(201).send(groupView(tenantState(ctx, auth).groups.get(rest.id)!));
    },
  );

  app.get(
    '/api/v1/groups/:id',
    { schema: { summary: 'One group, by id or extension.', tags: ['directory'], params: IdParam } },
    async (request) => {
      const auth = tenantAuth(request);
      return groupView(groupRef(tenantState(ctx, auth), request.params.id));
    },
  );

  app.put(
    '/api/v1/groups/:id',
    {
      schema: {
        summary: "Change a group's configuration (admin): the fields given.",
        tags: ['directory'],
        params: IdParam,
        body: GroupPatchBody,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const state = tenantState(ctx, auth);
      const g = groupRef(state, request.params.id);
      const { members, actions, hours, ...rest } = request.body;
      await run(ctx, request, {
        type: 'group.upsert',
        group: {
          ...rest,
          id: g.id,
          name: rest.name ?? g.name,
          ...(members !== undefined ? { members: userRefs(state, members, 'members') } : {}),
          ...(actions !== undefined ? { actions: actionRefs(state, actions as Record<string, AnsweringAction>) } : {}),
          ...(hours !== undefined ? { hours: hoursInput(state, hours) } : {}),
        },
      });
      return groupView(tenantState(ctx, auth).groups.get(g.id)!);
    },
  );
}

/** A group's members, and removing a group. */
export function groupMemberRoutes(app: App, ctx: HttpContext): void {
  app.put(
    '/api/v1/groups/:id/members',
    {
      schema: {
        summary: "Replace a group's members (admin), in order.",
        tags: ['directory'],
        params: IdParam,
        body: MembersBody,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const state = tenantState(ctx, auth);
      const g = groupRef(state, request.params.id);
      await run(ctx, request, {
        type: 'group.upsert',
        group: { id: g.id, name: g.name, members: userRefs(state, request.body.members, 'members') },
      });
      return groupView(tenantState(ctx, auth).groups.get(g.id)!);
    },
  );

  app.delete(
    '/api/v1/groups/:id',
    { schema: { summary: 'Delete a group (admin).', tags: ['directory'], params: IdParam } },
    async (request, reply) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const g = groupRef(tenantState(ctx, auth), request.params.id);
      await run(ctx, request, { type: 'group.remove', groupId: g.id });
      return reply.status(204).send();
    },
  );
}
