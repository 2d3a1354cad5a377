// S3, S9.5: POST /route answers what would happen to a call right now, with the rules that
// applied, from the same pure function call control uses. It changes nothing.
import { Type } from 'typebox';
import { decisionAs, route } from '../../core/index.js';
import type { CallRequest, RouteTarget, TenantState } from '../../core/index.js';
import { HttpRefusal } from '../errors.js';
import { groupRef, queueRef, tenantState, userRef } from '../lookup.js';
import { Extension, PhoneNumber, Ref } from '../schemas.js';
import type { App, HttpContext } from '../server.js';
import { tenantAuth } from '../server.js';
import { hoursRoutes } from './hours.js';

const closed = { additionalProperties: false } as const;

const RouteBody = Type.Object(
  {
    from: Type.Optional(
      Type.Union([
        Type.Object(
          {
            user: Ref,
            device: Type.Optional(
              Type.Enum(['app', 'terminal', 'pbx'], {
                description: 'The kind of device placing the call (S11.7: an app while forwarding is refused).',
              }),
            ),
          },
          closed,
        ),
        Type.Object({ external: PhoneNumber }, closed),
      ]),
    ),
    to: Type.Union([
      Type.Object({ user: Ref }, closed),
      Type.Object({ group: Ref }, closed),
      Type.Object({ queue: Ref }, closed),
      Type.Object({ extension: Extension }, closed),
      Type.Object({ external: PhoneNumber }, closed),
    ]),
  },
  closed,
);

type To = { user: string } | { group: string } | { queue: string } | { extension: string } | { external: string };

/** The target in core terms; a user, group or queue must exist in the caller's tenant (S5.2). */
function target(state: TenantState, to: To): RouteTarget {
  if ('user' in to) return { kind: 'user', id: userRef(state, to.user).id };
  if ('group' in to) return { kind: 'group', id: groupRef(state, to.group).id };
  if ('queue' in to) return { kind: 'queue', id: queueRef(state, to.queue).config.id };
  if ('extension' in to) return { kind: 'extension', extension: to.extension };
  return { kind: 'external', number: to.external };
}

export function routingRoutes(app: App, ctx: HttpContext): void {
  hoursRoutes(app, ctx); // S11.2: open or closed now, night mode
  app.post(
    '/api/v1/route',
    {
      schema: {
        summary:
          "What would happen to this call now (S3): devices to ring with their delays, or the action (a closed target's too, S11.2), and the rules that applied. Changes nothing.",
        tags: ['routing'],
        body: RouteBody,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      const state = tenantState(ctx, auth);
      const { from, to } = request.body;
      const call: CallRequest = {
        to: target(state, to),
        ...(from === undefined
          ? {}
          : 'user' in from
            ? {
                from: {
                  userId: userRef(state, from.user).id,
                  ...(from.device !== undefined ? { device: from.device } : {}),
                },
              }
            : { from: { external: from.external } }),
      };
      const out = route(state, call, ctx.now());
      if (!out.ok) throw HttpRefusal.of(out);
      return { decision: decisionAs(auth, out.decision) }; // S2.7, S5.1
    },
  );
}
