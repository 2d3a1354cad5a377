// S5: sign in and out, who am I, API keys, and tenants (system administrator).
import { Type } from 'typebox';
import { DEFAULT_POLICY } from '../../core/index.js';
import type { App, HttpContext } from '../server.js';
import { requirePermission, tenantAuth } from '../server.js';
import { fail } from '../errors.js';
import { Password } from '../schemas.js';

const Role = Type.Enum(['admin', 'supervisor', 'user']);
const Id = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$' });

export function authRoutes(app: App, ctx: HttpContext): void {
  signInRoutes(app, ctx);
  ownAccountRoutes(app, ctx);
  apiKeyRoutes(app, ctx);
  tenantRoutes(app, ctx);
}

/** S5.4: sign in and sign out. */
function signInRoutes(app: App, ctx: HttpContext): void {
  app.post(
    '/api/v1/auth/login',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Sign in with extension or email and password; answers a bearer token.',
        tags: ['auth'],
        security: [],
        body: Type.Object(
          {
            username: Type.String({ minLength: 1, maxLength: 200 }),
            password: Type.String({ minLength: 1, maxLength: 200 }),
            tenant: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 200,
                description: 'Tenant id or SIP domain; default: the default tenant.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { username, password } = request.body;
      const named = request.body.tenant;
      const tenant =
        named === undefined
          ? ctx.defaultTenant()
          : ctx.engine.hasTenant(named)
            ? named
            : (await ctx.store.tenantBySipDomain(named))?.id;
      if (tenant === undefined) fail('SWB_ERR_LOGIN_FAILED');
      const out = await ctx.accounts.login(tenant, username, password, request.ip);
      const user = ctx.engine.state(tenant)!.users.get(out.userId)!;
      return {
        token: out.token,
        expiresAt: new Date(out.expiresAt).toISOString(),
        tenant,
        user: { id: user.id, extension: user.extension, name: user.name, role: user.role },
      };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    { schema: { summary: 'Sign out: the token stops working.', tags: ['auth'] } },
    async (request, reply) => {
      await ctx.accounts.logout(tenantAuth(request));
      return reply.status(204).send();
    },
  );
}

/** S5.4: the signed-in user: their password and who they are. */
function ownAccountRoutes(app: App, ctx: HttpContext): void {
  app.post(
    '/api/v1/auth/password',
    {
      schema: {
        summary:
          'Change your own password (a signed-in user): give the current one. Your other sign-ins end; this one stays.',
        tags: ['auth'],
        body: Type.Object(
          { currentPassword: Type.String({ minLength: 1, maxLength: 200 }), newPassword: Password },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      await ctx.accounts.changePassword(
        tenantAuth(request),
        request.body.currentPassword,
        request.body.newPassword,
        request.ip,
      );
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/auth/me',
    { schema: { summary: 'Who the credential belongs to.', tags: ['auth'] } },
    async (request) => {
      const auth = tenantAuth(request);
      const tenant = (await ctx.store.tenants()).find((t) => t.id === auth.tenant);
      const user = auth.userId === undefined ? undefined : ctx.engine.state(auth.tenant)?.users.get(auth.userId);
      return {
        tenant: { id: auth.tenant, name: tenant?.name ?? auth.tenant, sipDomain: tenant?.sipDomain ?? '' },
        role: auth.role,
        user: user ? { id: user.id, extension: user.extension, name: user.name, role: user.role } : null,
        apiKey: auth.actor.kind === 'apikey' ? auth.actor.keyId : null,
      };
    },
  );
}

/** S5.1: API keys (admin). */
function apiKeyRoutes(app: App, ctx: HttpContext): void {
  app.get('/api/v1/api-keys', { schema: { summary: 'List API keys (admin).', tags: ['auth'] } }, async (request) => {
    const auth = tenantAuth(request);
    requirePermission(auth, 'integrations.manage');
    return {
      apiKeys: (await ctx.store.apiKeys(auth.tenant)).map((k) => ({
        id: k.id,
        name: k.name,
        role: k.role,
        createdAt: new Date(k.createdAt).toISOString(),
      })),
    };
  });

  app.post(
    '/api/v1/api-keys',
    {
      schema: {
        summary: 'Create an API key with a role (admin); the key is shown once.',
        tags: ['auth'],
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 100 }), role: Role },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'integrations.manage');
      const { id, key } = await ctx.accounts.createApiKey(auth.tenant, request.body.name, request.body.role);
      return reply.status(201).send({ id, key, name: request.body.name, role: request.body.role });
    },
  );

  app.delete(
    '/api/v1/api-keys/:id',
    {
      schema: {
        summary: 'Delete an API key (admin).',
        tags: ['auth'],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
      },
    },
    async (request, reply) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'integrations.manage');
      if (!(await ctx.accounts.deleteApiKey(auth.tenant, request.params.id))) fail('SWB_ERR_API_KEY_NOT_FOUND');
      return reply.status(204).send();
    },
  );
}

/** S5.2: tenants, made by the system administrator. */
function tenantRoutes(app: App, ctx: HttpContext): void {
  app.post(
    '/api/v1/tenants',
    {
      config: { access: 'system' },
      schema: {
        summary: 'Create a tenant (system administrator), with its first admin user.',
        tags: ['tenants'],
        body: Type.Object(
          {
            id: Id,
            name: Type.String({ minLength: 1, maxLength: 100 }),
            sipDomain: Type.String({ pattern: '^[a-z0-9.-]{1,200}$' }),
            admin: Type.Object(
              {
                id: Id,
                extension: Type.String({ pattern: '^[0-9]{2,10}$' }),
                name: Type.String({ minLength: 1, maxLength: 100 }),
                email: Type.Optional(Type.String({ format: 'email', maxLength: 200 })),
                password: Type.String({ minLength: 8, maxLength: 200 }),
              },
              { additionalProperties: false },
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { id, name, sipDomain, admin } = request.body;
      if (ctx.engine.hasTenant(id) || (await ctx.store.tenantBySipDomain(sipDomain)) !== undefined)
        fail('SWB_ERR_TENANT_EXISTS');
      const row = { id, name, sipDomain, policy: DEFAULT_POLICY, epoch: `${id}-${ctx.now().toString(36)}`, seq: 0 };
      await ctx.store.createTenant(row, ctx.now());
      await ctx.addTenant(row);
      await ctx.accounts.saveUser(id, { ...admin, role: 'admin', sipPassword: admin.password }, sipDomain);
      return reply.status(201).send({ id, name, sipDomain });
    },
  );
}
