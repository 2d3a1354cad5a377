// S6.3: webhooks, admin only. Creating one returns its signing secret once; events reach it
// through the outbox (src/webhooks/dispatcher.ts). Another tenant's webhook is not found (S5.2).
import { randomBytes } from 'node:crypto';
import { Type } from 'typebox';
import { causeOf } from '../../core/index.js';
import type { CoreEvent } from '../../core/index.js';
import type { WebhookRow } from '../../store/index.js';
import type { App, HttpContext } from '../server.js';
import { requirePermission, tenantAuth } from '../server.js';
import type { AuthContext } from '../../auth/accounts.js';
import { fail } from '../errors.js';
import { AddressPolicy } from '../../webhooks/address-policy.js';

/** The event types a webhook can ask for (S6.1); none listed means all of them. */
export const WEBHOOK_EVENT_TYPES = [
  'presence.changed',
  'agent.changed',
  'queue.changed',
  'call.missed',
  'schedule.changed',
  'call.ended',
] as const satisfies readonly CoreEvent['type'][];

/** Every event is written once per matching webhook, so their number per tenant is bounded. */
export const MAX_WEBHOOKS_PER_TENANT = 20;

const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

function publicView(w: WebhookRow): { id: string; url: string; events: readonly string[]; createdAt: string } {
  return { id: w.id, url: w.url, events: w.events, createdAt: new Date(w.createdAt).toISOString() };
}

/** The caller's webhook by id; another tenant's is answered as not found (S5.2). */
async function ownWebhook(ctx: HttpContext, auth: AuthContext, id: string): Promise<WebhookRow> {
  const hook = (await ctx.store.webhooks(auth.tenant)).find((w) => w.id === id);
  if (hook === undefined) fail('SWB_ERR_WEBHOOK_NOT_FOUND', { webhook: id.slice(0, 64) });
  return hook;
}

function isHttpUrl(raw: string): boolean {
  try {
    const u = new URL(raw);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * `dispatcher.poke()` makes a test event go out at once instead of at the next wake-up;
 * `addresses` is where webhooks may point (the operator's allow-list, else public addresses only).
 */
export function webhookRoutes(
  app: App,
  ctx: HttpContext,
  dispatcher: { poke(): void } = { poke: () => undefined },
  addresses = new AddressPolicy(),
): void {
  createWebhookRoutes(app, ctx, addresses);
  webhookListRoutes(app, ctx);
  webhookTestRoutes(app, ctx, dispatcher);
}

/** S6.3: a webhook is registered (admin). */
function createWebhookRoutes(app: App, ctx: HttpContext, addresses: AddressPolicy): void {
  app.post(
    '/api/v1/webhooks',
    {
      schema: {
        summary: 'Create a webhook (admin). The signing secret is shown once, in this answer.',
        tags: ['webhooks'],
        body: Type.Object(
          {
            url: Type.String({
              minLength: 1,
              maxLength: 2000,
              format: 'uri',
              pattern: '^[Hh][Tt][Tt][Pp][Ss]?://',
              description: 'http or https address that receives a POST per event.',
            }),
            events: Type.Optional(
              Type.Array(Type.Enum([...WEBHOOK_EVENT_TYPES]), {
                maxItems: WEBHOOK_EVENT_TYPES.length,
                uniqueItems: true,
                description: 'Event types to send; empty or absent: all.',
              }),
            ),
            secret: Type.Optional(
              Type.String({ minLength: 16, maxLength: 200, description: 'HMAC-SHA256 key; generated when absent.' }),
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'integrations.manage');
      const { url, events = [], secret } = request.body;
      if (!isHttpUrl(url)) fail('SWB_ERR_VALIDATION', { field: 'url' }, 'The url must be an http or https address.');
      // S6.3: no webhook to the server's own network; names are checked again after DNS at delivery.
      const refused = addresses.urlProblem(url);
      if (refused !== undefined)
        fail(
          'SWB_ERR_WEBHOOK_URL_FORBIDDEN',
          { field: 'url' },
          `Webhooks may not be sent to that address: ${refused}. An operator can allow it with webhookAllowedHosts.`,
        );
      if ((await ctx.store.webhooks(auth.tenant)).length >= MAX_WEBHOOKS_PER_TENANT)
        fail(
          'SWB_ERR_INVALID',
          { limit: MAX_WEBHOOKS_PER_TENANT },
          `A company has at most ${MAX_WEBHOOKS_PER_TENANT} webhooks; delete one first.`,
        );
      const row: WebhookRow = {
        tenant: auth.tenant,
        id: `wh_${randomBytes(9).toString('hex')}`,
        url,
        secret: secret ?? `whsec_${randomBytes(24).toString('base64url')}`,
        events,
        createdAt: ctx.now(),
      };
      await ctx.store.createWebhook(row);
      return reply.status(201).send({ ...publicView(row), secret: row.secret });
    },
  );
}

/** S6.3: webhooks listed and deleted. */
function webhookListRoutes(app: App, ctx: HttpContext): void {
  app.get(
    '/api/v1/webhooks',
    { schema: { summary: "The company's webhooks, without their secrets (admin).", tags: ['webhooks'] } },
    async (request) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'integrations.manage');
      return { webhooks: (await ctx.store.webhooks(auth.tenant)).map(publicView) };
    },
  );

  app.delete(
    '/api/v1/webhooks/:id',
    {
      schema: {
        summary: 'Delete a webhook (admin); its undelivered events are dropped.',
        tags: ['webhooks'],
        params: IdParam,
      },
    },
    async (request, reply) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'integrations.manage');
      if (!(await ctx.store.deleteWebhook(auth.tenant, request.params.id)))
        fail('SWB_ERR_WEBHOOK_NOT_FOUND', { webhook: request.params.id });
      return reply.status(204).send();
    },
  );
}

/** S6.3: a test event, and the deliveries of a webhook. */
function webhookTestRoutes(app: App, ctx: HttpContext, dispatcher: { poke(): void }): void {
  app.post(
    '/api/v1/webhooks/:id/test',
    {
      schema: {
        summary: 'Send a webhook.test event to this webhook only (admin).',
        tags: ['webhooks'],
        params: IdParam,
      },
    },
    async (request, reply) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'integrations.manage');
      const hook = await ownWebhook(ctx, auth, request.params.id);
      const at = ctx.now();
      const event = {
        type: 'webhook.test',
        tenant: auth.tenant,
        subject: hook.id,
        at,
        cause: causeOf(auth.actor),
        value: { webhook: hook.id, url: hook.url },
      };
      const delivery = await ctx.store.enqueue(auth.tenant, hook.id, hook.id, JSON.stringify(event), at);
      dispatcher.poke();
      return reply.status(202).send({ delivery: String(delivery) });
    },
  );

  app.get(
    '/api/v1/webhooks/:id/deliveries',
    {
      schema: {
        summary: 'The delivery log of a webhook, newest first: one row per attempt (admin).',
        tags: ['webhooks'],
        params: IdParam,
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'integrations.manage');
      const hook = await ownWebhook(ctx, auth, request.params.id);
      const rows = await ctx.store.deliveries(auth.tenant, hook.id, request.query.limit ?? 100);
      return {
        deliveries: rows.map((d) => ({
          id: d.id,
          delivery: String(d.outboxId),
          at: new Date(d.at).toISOString(),
          ok: d.error === null,
          status: d.status,
          error: d.error,
          durationMs: d.durationMs,
        })),
      };
    },
  );
}
