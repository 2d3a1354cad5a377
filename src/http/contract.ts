// The API contract in one table: for every documented operation, the success status with its
// answer, and the refusals it can give beyond the ones every operation of its kind can give.
// server.ts attaches these to the routes as fastify response schemas, so they drive both the
// OpenAPI document and serialization; a documented route missing here stops the server starting.
import { Type } from 'typebox';
import type { TSchema } from 'typebox';
import {
  AgentCommandReply,
  AgentReply,
  ApiKeyCreatedReply,
  ApiKeyListReply,
  DeliveriesReply,
  DevicesReply,
  EventsReply,
  GroupReply,
  HistoryReply,
  HoursOverviewReply,
  HoursStatusReply,
  ImportReply,
  LoginReply,
  MeReply,
  NoContent,
  PolicyReply,
  PresenceListReply,
  PresenceReply,
  QueueReply,
  QueueStateReply,
  ReportReply,
  RouteReply,
  SettingsReply,
  TenantReply,
  UserReply,
  WebhookCreatedReply,
  WebhookListReply,
  WebhookTestReply,
} from './replies.js';
import { errorReply } from './error-replies.js';
import { CallListReply, CallReply } from './replies-calls.js';
import { ScheduleReply, ScheduledWindowReply } from './replies-schedule.js';
import { CalendarReply } from './replies-calendar.js';
import { QueueReportReply, ReasonsReply } from './replies-reasons.js';

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503;

interface Operation {
  readonly status: 200 | 201 | 202 | 204;
  readonly reply: TSchema;
  /** Refusals particular to this operation (404 not found, 409 taken, 422 a rule, 429 rate). */
  readonly errors?: readonly ErrorStatus[];
}

const op = (status: Operation['status'], reply: TSchema, ...errors: ErrorStatus[]): Operation => ({
  status,
  reply,
  errors,
});

/** Keyed by `METHOD /fastify/url/:param`. */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  'POST /api/v1/auth/login': op(200, LoginReply, 401, 429),
  'POST /api/v1/auth/logout': op(204, NoContent),
  'POST /api/v1/auth/password': op(204, NoContent, 429),
  'GET /api/v1/auth/me': op(200, MeReply),
  'GET /api/v1/api-keys': op(200, ApiKeyListReply),
  'POST /api/v1/api-keys': op(201, ApiKeyCreatedReply),
  'DELETE /api/v1/api-keys/:id': op(204, NoContent, 404),
  'POST /api/v1/tenants': op(201, TenantReply, 409),

  'GET /api/v1/presence': op(200, PresenceListReply, 404),
  'GET /api/v1/users/:user/presence': op(200, PresenceReply, 404),
  'PUT /api/v1/users/:user/status': op(200, PresenceReply, 404, 422),
  'DELETE /api/v1/users/:user/status': op(200, PresenceReply, 404, 422),
  'GET /api/v1/users/:user/schedule': op(200, ScheduleReply, 404),
  'POST /api/v1/users/:user/schedule': op(201, ScheduledWindowReply, 404, 409, 422),
  'DELETE /api/v1/users/:user/schedule/:window': op(204, NoContent, 404),
  'GET /api/v1/users/:user/calendar': op(200, CalendarReply, 404),
  'PUT /api/v1/users/:user/calendar': op(200, CalendarReply, 404, 422),
  'DELETE /api/v1/users/:user/calendar': op(204, NoContent, 404),
  'POST /api/v1/users/:user/calendar/refresh': op(200, CalendarReply, 404),

  'GET /api/v1/users': op(200, Type.Object({ users: Type.Array(UserReply) })),
  'POST /api/v1/users': op(201, UserReply, 404, 409, 422),
  'GET /api/v1/users/:user': op(200, UserReply, 404),
  'PATCH /api/v1/users/:user': op(200, UserReply, 404, 409, 422),
  'DELETE /api/v1/users/:user': op(204, NoContent, 404, 409, 422),
  'GET /api/v1/users/:user/settings': op(200, SettingsReply, 404),
  'PUT /api/v1/users/:user/settings': op(200, SettingsReply, 404, 422),
  'POST /api/v1/users/import': op(200, ImportReply),

  'GET /api/v1/groups': op(200, Type.Object({ groups: Type.Array(GroupReply) })),
  'POST /api/v1/groups': op(201, GroupReply, 404, 409, 422),
  'GET /api/v1/groups/:id': op(200, GroupReply, 404),
  'PUT /api/v1/groups/:id': op(200, GroupReply, 404, 409, 422),
  'PUT /api/v1/groups/:id/members': op(200, GroupReply, 404, 422),
  'DELETE /api/v1/groups/:id': op(204, NoContent, 404, 422),

  'GET /api/v1/queues': op(200, Type.Object({ queues: Type.Array(QueueReply) })),
  'POST /api/v1/queues': op(201, QueueReply, 404, 409, 422),
  'GET /api/v1/queues/:id': op(200, QueueReply, 404),
  'PUT /api/v1/queues/:id': op(200, QueueReply, 404, 409, 422),
  'DELETE /api/v1/queues/:id': op(204, NoContent, 404, 422),

  'GET /api/v1/tenant/policy': op(200, PolicyReply),
  'PUT /api/v1/tenant/policy': op(200, PolicyReply, 404, 422),
  'GET /api/v1/reasons': op(200, ReasonsReply),
  'PUT /api/v1/reasons': op(200, ReasonsReply, 422),

  'POST /api/v1/queues/:queue/agents/:user/:action': op(200, AgentCommandReply, 404, 422),
  'POST /api/v1/agents/:user/:action': op(200, AgentCommandReply, 404, 422),
  'GET /api/v1/agents/:user': op(200, AgentReply, 404),
  'GET /api/v1/queues/:queue/state': op(200, QueueStateReply, 404),
  'GET /api/v1/queues/:queue/report': op(200, QueueReportReply, 404),

  'POST /api/v1/route': op(200, RouteReply, 404, 422),
  'GET /api/v1/hours': op(200, HoursOverviewReply),
  'PUT /api/v1/night-mode': op(200, HoursStatusReply, 404),

  'GET /api/v1/calls': op(200, CallListReply, 404),
  'GET /api/v1/calls/:id': op(200, CallReply, 404),

  'GET /api/v1/users/:user/history': op(200, HistoryReply, 404),
  'GET /api/v1/users/:user/report': op(200, ReportReply, 404),
  'GET /api/v1/users/:user/devices': op(200, DevicesReply, 404),

  'POST /api/v1/events': op(200, EventsReply),

  'POST /api/v1/webhooks': op(201, WebhookCreatedReply, 422),
  'GET /api/v1/webhooks': op(200, WebhookListReply),
  'DELETE /api/v1/webhooks/:id': op(204, NoContent, 404),
  'POST /api/v1/webhooks/:id/test': op(202, WebhookTestReply, 404),
  'GET /api/v1/webhooks/:id/deliveries': op(200, DeliveriesReply, 404),
};

const SUCCESS: Readonly<Record<Operation['status'], string>> = {
  200: 'OK.',
  201: 'Created.',
  202: 'Accepted: it happens shortly.',
  204: 'Done; no body.',
};

interface RouteShape {
  readonly method: string;
  readonly url: string;
  readonly access?: 'public' | 'system' | undefined;
  readonly schema: { readonly params?: unknown; readonly querystring?: unknown; readonly body?: unknown };
}

/** The response schemas of a route: its success, its own refusals, and the ones its kind can give. */
export function responsesOf(route: RouteShape): Record<number, TSchema> {
  const key = `${route.method} ${route.url}`;
  const operation = OPERATIONS[key];
  if (operation === undefined) throw new Error(`${key} has no answer declared in src/http/contract.ts`);
  const errors = new Set<ErrorStatus>(operation.errors);
  if (route.access !== 'public') [401, 403].forEach((s) => errors.add(s as ErrorStatus));
  if (route.schema.params !== undefined || route.schema.querystring !== undefined || route.schema.body !== undefined)
    errors.add(400);
  if (route.schema.body !== undefined) [413, 415].forEach((s) => errors.add(s as ErrorStatus));
  [500, 503].forEach((s) => errors.add(s as ErrorStatus));
  const reply =
    'description' in operation.reply ? operation.reply : { ...operation.reply, description: SUCCESS[operation.status] };
  const out: Record<number, TSchema> = { [operation.status]: reply };
  for (const status of [...errors].sort((a, b) => a - b)) out[status] = errorReply(status);
  return out;
}

/** fastify's `/a/:b` as OpenAPI's `/a/{b}`. */
export const openapiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
