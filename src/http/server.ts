// The HTTP surface: fastify with TypeBox schemas (one source for validation and the OpenAPI
// document), bearer authentication, and every failure as a stable SWB_ERR_* body.
import swagger from '@fastify/swagger';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import { permission, presenceAs } from '../core/index.js';
import type { Action, PresenceRecord, Subject, TenantId, UserId, UserState } from '../core/index.js';
import type { Engine } from '../engine/index.js';
import type { Store, TenantRow } from '../store/index.js';
import type { AuthContext } from './accounts.js';
import { Accounts } from './accounts.js';
import { HttpRefusal, errorBody, fail, httpStatus } from './errors.js';
import type { Metrics } from './metrics.js';

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | 'system' | undefined;
  }
  interface FastifyContextConfig {
    /** 'public': no credentials; 'system': the system administrator only; default: a tenant user or API key. */
    access?: 'public' | 'system';
  }
}

export interface HttpContext {
  readonly engine: Engine;
  readonly store: Store;
  readonly accounts: Accounts;
  readonly metrics: Metrics;
  readonly now: () => number;
  /** The tenant that requests addressed to this server (not to a SIP domain) belong to. */
  readonly defaultTenant: () => TenantId | undefined;
  /** Loads a tenant created through the API into the engine. */
  readonly addTenant: (row: TenantRow) => void;
  /** The SIP server's view of a user's bindings and subscriptions (operator view), when SIP runs. */
  readonly sipDevices?: (tenant: TenantId, userId: UserId) => { readonly bindings: readonly unknown[]; readonly watchedBy: readonly unknown[]; readonly watching: readonly unknown[] };
}

/** The caller, who must be a tenant user or API key. */
export function tenantAuth(request: FastifyRequest): AuthContext {
  const auth = request.auth;
  if (auth === undefined || auth === 'system') fail('SWB_ERR_UNAUTHENTICATED');
  return auth;
}

/** `{user}` is a user id or an extension, in the caller's tenant only (S5.2: else not found). */
export function resolveUser(ctx: HttpContext, auth: AuthContext, ref: string): UserState {
  const state = ctx.engine.state(auth.tenant);
  const user = state?.users.get(ref) ?? (state && state.users.get(state.byExtension.get(ref) ?? ''));
  if (user === undefined) fail('SWB_ERR_USER_NOT_FOUND', { user: ref.slice(0, 64) });
  return user;
}

/** S2.7: the record as the caller may see it (the core's one visibility rule). */
export function presenceFor(auth: AuthContext, record: PresenceRecord): PresenceRecord {
  return presenceAs(auth, record);
}

/** S5.1: the core's permission table decides who may do what; anyone else is refused. */
export function requirePermission(auth: AuthContext, action: Action, subject?: Subject): void {
  if (!permission(auth, action, subject).allowed) fail('SWB_ERR_FORBIDDEN');
}

export const BODY_LIMIT = 64 * 1024;

export async function buildHttp(ctx: HttpContext, options: { logger?: FastifyBaseLogger | boolean; routes: readonly ((app: App, ctx: HttpContext) => void | Promise<void>)[] }): Promise<App> {
  const app = Fastify({
    loggerInstance: typeof options.logger === 'object' ? options.logger : undefined,
    logger: typeof options.logger === 'boolean' ? options.logger : undefined,
    bodyLimit: BODY_LIMIT,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  // S8.1: a body of the wrong type is refused, never converted; only the query string and path
  // parameters (text by nature) are coerced to the declared types.
  const strict = new Ajv({ removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false, strict: false });
  const lenient = new Ajv({ removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false, strict: false });
  const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
  addFormats(strict);
  addFormats(lenient);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : lenient).compile(schema));

  app.decorateRequest('auth', undefined);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Switchboard API', version: '1', description: 'Presence and call handling. Every failure is { error: { code, message, details? } } with a stable SWB_ERR_* code (docs/errors.md).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config?.access;
    if (access === 'public') return;
    const auth = ctx.accounts.authenticate(request.headers.authorization);
    if (access === 'system' && auth !== 'system') fail('SWB_ERR_FORBIDDEN');
    if (access !== 'system' && auth === 'system') fail('SWB_ERR_FORBIDDEN', undefined, 'The system administrator manages tenants only; sign in as a user of the company.');
    request.auth = auth;
  });

  app.addHook('onResponse', async (request, reply) => {
    ctx.metrics.httpRequests.inc({ method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) });
  });

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number; validation?: unknown[] }, request, reply) => {
    if (error instanceof HttpRefusal) {
      return reply.status(httpStatus(error.code)).send(errorBody(error.code, error.message, error.details));
    }
    if (error.validation !== undefined) {
      const issues = (error.validation as { instancePath?: string; message?: string; params?: unknown }[]).slice(0, 10).map((v) => ({ path: v.instancePath ?? '', message: v.message ?? '', params: v.params }));
      return reply.status(httpStatus('SWB_ERR_VALIDATION')).send(errorBody('SWB_ERR_VALIDATION', `The request does not have the expected shape: ${error.message}`, { issues }));
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.status(httpStatus('SWB_ERR_BODY_TOO_LARGE')).send(errorBody('SWB_ERR_BODY_TOO_LARGE', `The request body is larger than ${request.routeOptions.bodyLimit ?? BODY_LIMIT} bytes.`));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.status(httpStatus('SWB_ERR_UNSUPPORTED_MEDIA_TYPE')).send(errorBody('SWB_ERR_UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.'));
    }
    if (error.statusCode === 400 || error instanceof SyntaxError) {
      // JSON that does not parse, an empty JSON body, or a __proto__ / constructor.prototype key.
      return reply.status(httpStatus('SWB_ERR_BAD_JSON')).send(errorBody('SWB_ERR_BAD_JSON', `The request body is not valid JSON: ${error.message}`));
    }
    if (error.statusCode !== undefined && error.statusCode < 500) {
      return reply.status(error.statusCode).send(errorBody('SWB_ERR_VALIDATION', error.message));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(httpStatus('SWB_ERR_SERVER')).send(errorBody('SWB_ERR_SERVER', 'Something went wrong on the server; the change was not made.'));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(httpStatus('SWB_ERR_NOT_FOUND')).send(errorBody('SWB_ERR_NOT_FOUND', `There is nothing at ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}.`));
  });

  for (const register of options.routes) await register(app, ctx);

  app.get('/api/v1/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
  return app;
}
