// The directory's users (S5.1) and their settings (S2.5, S3.2): reads for every role of the
// tenant, changes for admins; a user's own settings for the user themself, supervisors and admins.
import { fail } from '../errors.js';
import { sipDomainOf, tenantState, userView } from '../lookup.js';
import { NewUserBody, SettingsPatch, UserParam, UserPatchBody } from '../schemas.js';
import type { App, HttpContext } from '../server.js';
import { requirePermission, resolveUser, tenantAuth } from '../server.js';
import { freshUserId, newUserInput, run, settingsInput } from './directory-input.js';

/** The users: list and create. */
export function userListRoutes(app: App, ctx: HttpContext): void {
  app.get(
    '/api/v1/users',
    { schema: { summary: 'Every user of the tenant (directory view, no credentials).', tags: ['directory'] } },
    async (request) => {
      const auth = tenantAuth(request);
      const users = [...tenantState(ctx, auth).users.values()].sort((a, b) =>
        a.extension.localeCompare(b.extension, 'en', { numeric: true }),
      );
      return { users: users.map((u) => userView(ctx, auth, u)) };
    },
  );

  app.post(
    '/api/v1/users',
    {
      schema: {
        summary: 'Create a user (admin). Passwords are stored only as hashes.',
        tags: ['directory'],
        body: NewUserBody,
      },
    },
    async (request, reply) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const state = tenantState(ctx, auth);
      const id = request.body.id ?? freshUserId(state, request.body.extension);
      if (state.users.has(id)) fail('SWB_ERR_ID_TAKEN', { id });
      await ctx.accounts.saveUser(auth.tenant, newUserInput(state, id, request.body), await sipDomainOf(ctx, auth));
      return reply.status(201).send(userView(ctx, auth, tenantState(ctx, auth).users.get(id)!));
    },
  );
}

/** One user: read, change, delete. */
export function userRoutes(app: App, ctx: HttpContext): void {
  app.get(
    '/api/v1/users/:user',
    { schema: { summary: 'One user, by id or extension.', tags: ['directory'], params: UserParam } },
    async (request) => {
      const auth = tenantAuth(request);
      return userView(ctx, auth, resolveUser(ctx, auth, request.params.user));
    },
  );

  app.patch(
    '/api/v1/users/:user',
    {
      schema: {
        summary:
          'Change a user (admin): the fields given. A new extension needs the SIP passwords again (they are stored as HA1 of the extension).',
        tags: ['directory'],
        params: UserParam,
        body: UserPatchBody,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const u = resolveUser(ctx, auth, request.params.user);
      const state = tenantState(ctx, auth);
      const { settings, ...rest } = request.body;
      await ctx.accounts.saveUser(
        auth.tenant,
        {
          id: u.id,
          extension: u.extension,
          name: u.name,
          role: u.role,
          ...rest,
          ...(settings !== undefined ? { settings: settingsInput(state, settings) } : {}),
        },
        await sipDomainOf(ctx, auth),
        auth,
      );
      return userView(ctx, auth, tenantState(ctx, auth).users.get(u.id)!);
    },
  );

  app.delete(
    '/api/v1/users/:user',
    { schema: { summary: 'Delete a user (admin), with their credentials.', tags: ['directory'], params: UserParam } },
    async (request, reply) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const u = resolveUser(ctx, auth, request.params.user);
      await ctx.accounts.deleteUser(auth.tenant, u.id);
      return reply.status(204).send();
    },
  );
}

/** A user's settings and answering actions. */
export function settingsRoutes(app: App, ctx: HttpContext): void {
  app.get(
    '/api/v1/users/:user/settings',
    {
      schema: {
        summary: "A user's settings and answering actions (S2.5, S3.2): the user themself, supervisors and admins.",
        tags: ['directory'],
        params: UserParam,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      const u = resolveUser(ctx, auth, request.params.user);
      requirePermission(auth, 'user.watch', { user: u.id });
      return u.settings;
    },
  );

  app.put(
    '/api/v1/users/:user/settings',
    {
      schema: {
        summary: "Change a user's settings (admin): the fields given replace the current ones.",
        tags: ['directory'],
        params: UserParam,
        body: SettingsPatch,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const u = resolveUser(ctx, auth, request.params.user);
      const settings = settingsInput(tenantState(ctx, auth), request.body);
      await run(ctx, request, {
        type: 'user.upsert',
        user: { id: u.id, extension: u.extension, name: u.name, role: u.role, settings },
      });
      return tenantState(ctx, auth).users.get(u.id)!.settings;
    },
  );
}
