// S9.4: what a phone's DND or forward key asks for (a SetDoNotDisturb or SetForwarding body in its
// `as-feature-event` SUBSCRIBE) becomes the user's manual status, with cause `sip`.
import type { TenantId, UserId } from '../core/index.js';
import { FEATURE_EVENT_TYPE, parseFeatureRequest } from './bodies/feature-event.js';
import type { FeatureKey } from './bodies/feature-event.js';
import type { SipContext } from './context.js';
import { header } from './message.js';
import type { Incoming } from './request.js';

/**
 * Applies the request in the SUBSCRIBE body, if any. What the status does not allow is not done
 * (a `blocked` user stays blocked; turning DND or forwarding off clears only that status): the
 * NOTIFY that follows shows the phone the status as it is. Answers which key the phone pressed
 * (`dnd` or `forwarding`: that document goes first, so a key the status did not allow is set
 * back at once), `null` for no request, `undefined` when the SUBSCRIBE was answered here (a body
 * of another type, or not a feature document).
 */
export async function applyFeatureRequest(
  ctx: SipContext,
  inc: Incoming,
  tenant: TenantId,
  userId: UserId,
): Promise<FeatureKey | null | undefined> {
  if (inc.req.body.length === 0) return null;
  const type = (header(inc.req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== FEATURE_EVENT_TYPE) {
    ctx.reply(inc, 415, 'Unsupported Media Type', [['Accept', FEATURE_EVENT_TYPE]]);
    return undefined;
  }
  const request = parseFeatureRequest(inc.req.body.toString('utf8'));
  if (request === undefined) {
    ctx.reply(inc, 400, 'Bad Request: not a SetDoNotDisturb or SetForwarding document');
    return undefined;
  }
  const manual = ctx.engine.state(tenant)?.users.get(userId)?.manual;
  const by = { kind: 'sip' } as const;
  let out: { readonly ok: boolean; readonly code?: string } | undefined;
  if (request.type === 'dnd') {
    if (request.on && manual?.status !== 'blocked')
      out = await ctx.engine.dispatch(tenant, { type: 'status.set', userId, status: 'dnd', by });
    if (!request.on && manual?.status === 'dnd')
      out = await ctx.engine.dispatch(tenant, { type: 'status.clear', userId, by });
  } else if (request.type === 'forwarding') {
    if (request.on && request.forwardTo !== undefined && manual?.status !== 'blocked') {
      out = await ctx.engine.dispatch(tenant, {
        type: 'status.set',
        userId,
        status: 'forwarding',
        forwardTo: request.forwardTo,
        by,
      });
    }
    if (!request.on && manual?.status === 'forwarding')
      out = await ctx.engine.dispatch(tenant, { type: 'status.clear', userId, by });
  }
  if (out !== undefined && !out.ok) ctx.log('debug', { code: out.code, userId }, 'as-feature-event change refused');
  return request.type === 'other' ? null : request.type;
}
