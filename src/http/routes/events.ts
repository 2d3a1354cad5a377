// Overlay mode (S1.1, S1.2, S9.3): an existing PBX reports registrations (with a lease), calls,
// voicemail counts and missed calls. Each item becomes a command with cause `pbx`; the answer
// has one result per item, in order.
import { Type } from 'typebox';
import type { Static } from 'typebox';
import { CALL_OUTCOMES } from '../../core/index.js';
import type { Actor, CallParty, Command, TenantState } from '../../core/index.js';
import { findQueue, findUser, tenantState } from '../lookup.js';
import { Ref } from '../schemas.js';
import type { App, HttpContext } from '../server.js';
import { requirePermission, tenantAuth } from '../server.js';

const closed = { additionalProperties: false } as const;
export const EVENTS_MAX = 500;
const EVENTS_BODY_LIMIT = 512 * 1024;

const DeviceId = Type.String({ minLength: 1, maxLength: 200 });
const Kind = Type.Enum(['pbx', 'app', 'terminal']);

const OverlayEvent = Type.Union([
  Type.Object(
    {
      type: Type.Literal('registration'),
      user: Ref,
      id: DeviceId,
      kind: Kind,
      ttlSec: Type.Integer({
        minimum: 1,
        maximum: 86400,
        description: 'The lease (S9.3): the registration ends unless refreshed within it.',
      }),
    },
    closed,
  ),
  Type.Object(
    {
      type: Type.Literal('registration'),
      user: Ref,
      id: DeviceId,
      kind: Type.Optional(Kind),
      expires: Type.Literal(0, { description: 'Unregister.' }),
    },
    closed,
  ),
  Type.Object(
    {
      type: Type.Literal('call'),
      user: Ref,
      legId: DeviceId,
      direction: Type.Enum(['in', 'out']),
      state: Type.Enum(['ringing', 'early', 'answered', 'held', 'ended']),
      acd: Type.Optional(Type.Boolean()),
      queue: Type.Optional(Ref),
      callId: Type.Optional(
        Type.String({ minLength: 1, maxLength: 200, description: 'S11.1: the call the leg belongs to (call log).' }),
      ),
      caller: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'S11.1: who placed the call.' })),
    },
    closed,
  ),
  Type.Object(
    {
      type: Type.Literal('callEnded'),
      callId: Type.String({ minLength: 1, maxLength: 200 }),
      outcome: Type.Enum([...CALL_OUTCOMES]),
    },
    { ...closed, description: 'S11.1: how a call the PBX reported ended, for the call log.' },
  ),
  Type.Object(
    { type: Type.Literal('voicemail'), user: Ref, count: Type.Integer({ minimum: 0, maximum: 1_000_000 }) },
    closed,
  ),
  Type.Object(
    {
      type: Type.Literal('missed'),
      user: Ref,
      callId: Type.Optional(DeviceId),
      caller: Type.Optional(Type.String({ maxLength: 100 })),
    },
    closed,
  ),
]);

type Item = Static<typeof OverlayEvent>;
type Result = { index: number; ok: true } | { index: number; ok: false; error: { code: string; message: string } };

const PBX: Actor = { kind: 'pbx' };

/** The command an item stands for, or the refusal for a name that is not in this tenant (S5.2). */
function commandOf(
  state: TenantState,
  item: Item,
  now: number,
): Command | { readonly code: string; readonly message: string } {
  if (item.type === 'callEnded') return { type: 'call.end', callId: item.callId, outcome: item.outcome, by: PBX };
  const user = findUser(state, item.user);
  if (user === undefined)
    return { code: 'SWB_ERR_USER_NOT_FOUND', message: `No such user in this company: ${item.user.slice(0, 64)}.` };
  switch (item.type) {
    case 'registration':
      if ('expires' in item)
        return { type: 'registration.remove', userId: user.id, id: item.id, reason: 'unregister', by: PBX };
      return {
        type: 'registration.set',
        userId: user.id,
        id: item.id,
        kind: item.kind,
        expiresAt: now + item.ttlSec * 1000,
        by: PBX,
      };
    case 'call': {
      const queueId = item.queue === undefined ? undefined : findQueue(state, item.queue)?.config.id;
      if (item.queue !== undefined && queueId === undefined)
        return {
          code: 'SWB_ERR_QUEUE_NOT_FOUND',
          message: `No such queue in this company: ${item.queue.slice(0, 64)}.`,
        };
      return {
        type: 'leg.update',
        userId: user.id,
        legId: item.legId,
        direction: item.direction,
        state: item.state,
        by: PBX,
        ...(item.acd !== undefined ? { acd: item.acd } : {}),
        ...(queueId !== undefined ? { queueId } : {}),
        ...(item.callId !== undefined ? { callId: item.callId } : {}),
        ...(item.caller !== undefined ? { caller: callerOf(state, item.caller) } : {}),
      };
    }
    case 'voicemail':
      return { type: 'voicemail.count', userId: user.id, count: item.count };
    case 'missed':
      return {
        type: 'missed.add',
        userId: user.id,
        by: PBX,
        ...(item.callId !== undefined ? { callId: item.callId } : {}),
        ...(item.caller !== undefined ? { caller: item.caller } : {}),
      };
  }
}

/** A caller named by the PBX: a user of the tenant (id or extension), else an outside number. */
function callerOf(state: TenantState, caller: string): CallParty {
  const u = findUser(state, caller);
  return u !== undefined ? { userId: u.id } : { external: caller };
}

export function eventRoutes(app: App, ctx: HttpContext): void {
  app.post(
    '/api/v1/events',
    {
      bodyLimit: EVENTS_BODY_LIMIT,
      schema: {
        summary: `Overlay events from an existing PBX (admin user or admin API key): up to ${EVENTS_MAX} registrations, calls, voicemail counts and missed calls, applied in order. A malformed batch is refused whole; otherwise each item has its own result.`,
        tags: ['overlay'],
        body: Type.Object({ events: Type.Array(OverlayEvent, { minItems: 1, maxItems: EVENTS_MAX }) }, closed),
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'events.post');
      const now = ctx.now();
      const pending: Promise<Result>[] = [];
      // Commands are applied in the order dispatched and share one commit.
      request.body.events.forEach((item, index) => {
        const c = commandOf(tenantState(ctx, auth), item, now);
        if (!('type' in c)) {
          pending.push(Promise.resolve({ index, ok: false, error: { code: c.code, message: c.message } }));
          return;
        }
        pending.push(
          ctx.engine
            .dispatch(auth.tenant, c, request.caller)
            .then((out): Result =>
              out.ok ? { index, ok: true } : { index, ok: false, error: { code: out.code, message: out.message } },
            ),
        );
      });
      const results = await Promise.all(pending);
      return { accepted: results.filter((r) => r.ok).length, results };
    },
  );
}
