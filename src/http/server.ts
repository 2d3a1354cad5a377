// The HTTP surface: fastify with TypeBox schemas (one source for validation and the OpenAPI
// document), bearer authentication, and every failure as a stable SWB_ERR_* body.
import swagger from '@fastify/swagger';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import { isDeepStrictEqual } from 'node:util';
import { permission, presenceAs } from '../core/index.js';
import type { Action, PresenceRecord, Subject, TenantId, UserId, UserState } from '../core/index.js';
import type { DispatchOptions, Engine } from '../engine/index.js';
import type { Store, TenantRow } from '../store/index.js';
import type { AuthContext } from '../auth/accounts.js';
import { Accounts } from '../auth/accounts.js';
import { callerOf } from './client-gone.js';
import { fail } from './errors.js';
import { MethodTable, clientErrorHandler, errorHandler, frameworkErrors } from './failures.js';
import { openapiPath, responsesOf } from './contract.js';
import { DecisionSchema } from './replies.js';
import type { Metrics } from '../shared/metrics.js';
import type { OverloadSignal } from '../shared/overload.js';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | 'system' | undefined;
    /** S10.2: the dispatch options of its commands, whose signal aborts when the client goes before its answer. */
    caller: DispatchOptions;
  }
  interface FastifyContextConfig {
    /** 'public': no credentials; 'system': the system administrator only; default: a tenant user or API key. */
    access?: 'public' | 'system';
    /** The route takes no body as `{}` (and the OpenAPI document says the body is optional). */
    bodyOptional?: boolean;
  }
  interface FastifyInstance {
    /** 405 for a path that takes other methods, else 404, in the SWB_ERR_ shape. */
    notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply;
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
  readonly addTenant: (row: TenantRow) => Promise<void>;
  /** S10: this node among several — its name, the tenants it owns and the nodes it sees (for /readyz). */
  readonly cluster?: () => {
    readonly node: string;
    readonly ownedTenants: number;
    readonly liveNodes: readonly string[];
  };
  /** S8.3: while the server is behind, writes are refused with SWB_ERR_OVERLOADED (none: never). */
  readonly overload?: OverloadSignal;
  /** The SIP server's view of a user's bindings and subscriptions (operator view), when SIP runs. */
  readonly sipDevices?: (
    tenant: TenantId,
    userId: UserId,
  ) => {
    readonly bindings: readonly unknown[];
    readonly watchedBy: readonly unknown[];
    readonly watching: readonly unknown[];
  };
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

export async function buildHttp(
  ctx: HttpContext,
  options: {
    logger?: FastifyBaseLogger | boolean;
    routes: readonly ((app: App, ctx: HttpContext) => void | Promise<void>)[];
  },
): Promise<App> {
  const app = Fastify({
    loggerInstance: typeof options.logger === 'object' ? options.logger : undefined,
    logger: typeof options.logger === 'boolean' ? options.logger : undefined,
    bodyLimit: BODY_LIMIT,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // S8.1: the refusals raised before a route runs get the SWB_ERR_ shape too (failures.ts).
    return503OnClosing: false,
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  setValidators(app);

  app.decorateRequest('auth', undefined);
  app.decorateRequest('caller', undefined as unknown as DispatchOptions);

  // The answers: every documented route gets its response schemas from contract.ts (the OpenAPI
  // document and fast-json-stringify both read them); the 405 table learns every path.
  app.addSchema(DecisionSchema);
  const methods = new MethodTable();
  const bodyOptional = new Set<string>();
  app.addHook('onRoute', (route) => {
    const method = String(route.method);
    if (route.url.startsWith('/api/')) methods.add(method, route.url);
    if (method === 'HEAD' || route.schema?.hide === true) return;
    const schema = route.schema ?? {};
    route.schema = {
      ...schema,
      response: responsesOf({ method, url: route.url, access: route.config?.access, schema }),
    };
    if (route.config?.bodyOptional === true) {
      bodyOptional.add(`${method.toLowerCase()} ${openapiPath(route.url)}`);
      // No body is an empty one.
      route.preValidation = [
        ...[route.preValidation ?? []].flat(),
        async (request: FastifyRequest) => void (request.body ??= {}),
      ];
    }
  });
  if (process.env.SWB_CHECK_REPLIES === '1') checkReplies(app);

  await registerOpenApi(app, bodyOptional);

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });

  app.addHook('onRequest', async (request, reply) => {
    request.caller = callerOf(reply.raw);
    if (closing) {
      void reply.header('connection', 'close');
      fail('SWB_ERR_UNAVAILABLE');
    }
    if (ctx.overload !== undefined) shedWrite(ctx.overload, request, reply);
    const access = request.routeOptions.config?.access;
    if (access === 'public') return;
    const auth = ctx.accounts.authenticate(request.headers.authorization);
    if (access === 'system' && auth !== 'system') fail('SWB_ERR_FORBIDDEN');
    if (access !== 'system' && auth === 'system')
      fail(
        'SWB_ERR_FORBIDDEN',
        undefined,
        'The system administrator manages tenants only; sign in as a user of the company.',
      );
    request.auth = auth;
  });

  app.addHook('onResponse', async (request, reply) => {
    ctx.metrics.httpRequests.inc({
      method: request.method,
      route: request.routeOptions.url ?? 'unknown',
      status: String(reply.statusCode),
    });
  });

  app.setErrorHandler(errorHandler(BODY_LIMIT));
  app.setNotFoundHandler((request, reply) => methods.notFound(request, reply));
  app.decorate('notFound', (request: FastifyRequest, reply: FastifyReply) => methods.notFound(request, reply));

  for (const register of options.routes) await register(app, ctx);

  app.get('/api/v1/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
  return app;
}

/** Reads: never shed (health, readiness and metrics above all). */
const READS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * S8.3: counts the request in flight until its answer is sent (or the client goes away) and,
 * while the server is behind, refuses a write at once, before authentication and before its body
 * is read: 503 SWB_ERR_OVERLOADED with Retry-After. Reads are served.
 */
function shedWrite(overload: OverloadSignal, request: FastifyRequest, reply: FastifyReply): void {
  reply.raw.once('close', overload.httpStarted());
  if (READS.has(request.method) || overload.cause('http') === undefined) return;
  overload.count('http');
  fail('SWB_ERR_OVERLOADED');
}

/** OpenAPI: fastify-swagger marks every body required; these routes take none as `{}`. */
function markOptionalBodies<T>(document: T, optional: ReadonlySet<string>): T {
  const paths =
    (document as { paths?: Record<string, Record<string, { requestBody?: { required?: boolean } }>> }).paths ?? {};
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (optional.has(`${method} ${path}`) && operation.requestBody !== undefined)
        operation.requestBody.required = false;
    }
  }
  return document;
}

/**
 * SWB_CHECK_REPLIES=1 (the tests): an answer whose serialized form differs from what the route
 * returned — a field missing from its reply schema, dropped by fast-json-stringify, or a value
 * of another type — is a bug, answered as 500 and logged, so a test that reads it fails.
 */
function checkReplies(app: App): void {
  const sent = new WeakMap<FastifyReply, unknown>();
  app.addHook('preSerialization', async (_request, reply, payload) => {
    sent.set(reply, payload);
    return payload;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!sent.has(reply) || typeof payload !== 'string') return payload;
    const expected: unknown = JSON.parse(JSON.stringify(sent.get(reply)));
    sent.delete(reply);
    if (!isDeepStrictEqual(JSON.parse(payload), expected)) {
      request.log.error(
        { route: request.routeOptions.url, status: reply.statusCode, expected, serialized: payload },
        'the reply schema does not describe this answer',
      );
      throw new Error(
        `The reply schema of ${request.method} ${request.routeOptions.url ?? request.url} (status ${reply.statusCode}) does not describe the answer: ${JSON.stringify(expected).slice(0, 2000)} was serialized as ${payload.slice(0, 2000)}`,
      );
    }
    return payload;
  });
}

/** S8.1: the validators, strict for bodies and coercing for the text of queries and paths. */
function setValidators(app: App): void {
  // S8.1: a body of the wrong type is refused, never converted; only the query string and path
  // parameters (text by nature) are coerced to the declared types.
  const strict = new Ajv({
    removeAdditional: false,
    coerceTypes: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
  });
  const lenient = new Ajv({
    removeAdditional: false,
    coerceTypes: 'array',
    useDefaults: true,
    allErrors: false,
    strict: false,
  });
  const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
  addFormats(strict);
  addFormats(lenient);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : lenient).compile(schema));
}

/** The OpenAPI document, built from the routes' schemas (contract.ts adds their answers). */
async function registerOpenApi(app: App, bodyOptional: ReadonlySet<string>): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Switchboard API',
        version: '1',
        description:
          'Presence and call handling. Every failure is { error: { code, message, details? } } with a stable SWB_ERR_* code (docs/errors.md).',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    // Shared schemas (the recursive Decision) keep their names in components.schemas.
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
    transformObject: (document) =>
      markOptionalBodies('openapiObject' in document ? document.openapiObject : document.swaggerObject, bodyOptional),
  });
}
