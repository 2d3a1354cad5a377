// S7.2 The presence server (RFC 6665 subscriptions; RFC 3856 `presence`, RFC 4235 `dialog`).
// A watcher in the tenant subscribes to a user; the subscription gets a NOTIFY at once, then one
// whenever what its document shows changes (S6.4), coalesced per subscription: the first change
// goes out at once, later ones wait for the previous NOTIFY's answer and a short window. A NOTIFY
// that times out is retried later; only a 481 ends the subscription (RFC 6665 §4.2.2).
// S9.4: `as-feature-event` is the phone's DND/forward key on its own user: the same manual
// status, and a SetDoNotDisturb in the SUBSCRIBE body changes it. S8.2: each subscription is
// persisted before its 200; the NOTIFY counters (CSeq, dialog-info version) are saved lazily, in
// small batches every 250 ms (and at once when they near VERSION_JUMP past the stored ones), and
// jump ahead by VERSION_JUMP when reloaded, so they still only rise.
// S8.3: how many subscriptions a watcher, a tenant and the server may hold is subscription-quota.ts.
// Here: SUBSCRIBE handling. The NOTIFYs are presence-notify.ts; the store and its refresh, subscription-store.ts.
import type { TenantId, UserId } from '../core/index.js';
import { ALLOW_EVENTS, tenantOf } from './context.js';
import { parseNameAddr, parseUri } from './headers.js';
import { detach, headerValues } from './message.js';
import { applyFeatureRequest } from './features.js';
import type { EventPackage } from './subscription-rows.js';
import { subscriptionKey } from './subscription-rows.js';
import type { Incoming } from './request.js';
import { orderedTag } from './request.js';
import { subscribeSyntax } from './preauth.js';
import { ACCEPTS, PresenceNotifier } from './presence-notify.js';
import type { Subscription } from './subscription-store.js';

export type { EventPackage } from './subscription-rows.js';

export { DEFAULT_PRESENCE, VERSION_JUMP } from './subscription-store.js';
export type { PresenceOptions, SubscriptionView } from './subscription-store.js';

/** An initial SUBSCRIBE, authenticated, checked and admitted. */
interface NewSubscription {
  readonly tenant: TenantId;
  readonly domain: string;
  readonly watcher: UserId;
  readonly target: UserId;
  readonly event: EventPackage;
  readonly eventId: string | undefined;
  /** Seconds asked for (0: a fetch). */
  readonly requested: number;
  /** The watcher's Contact URI. */
  readonly contact: string;
}

export class PresenceServer extends PresenceNotifier {
  async handle(inc: Incoming): Promise<void> {
    const { ctx } = this;
    const syntax = subscribeSyntax(inc, this.options.defaultExpiresSec);
    if (syntax.refused) return ctx.reply(inc, syntax.status, syntax.reason, syntax.headers);
    const { event, eventId, requested } = syntax;

    if (inc.toTag !== undefined) return this.refresh(inc, event, requested);

    const t = tenantOf(ctx, inc.ruri.host);
    if (t === undefined) return ctx.reply(inc, 404, 'Not Found (unknown domain)');
    // S5.2: the watcher authenticates in the target's tenant, so a watcher sees their own tenant only.
    const auth = ctx.auth.authenticate(inc, t.tenant, t.domain);
    if (!auth.ok) return ctx.reply(inc, auth.status, auth.reason, auth.headers);
    const state = ctx.engine.state(t.tenant);
    const target = inc.ruri.user === undefined ? undefined : state?.byExtension.get(inc.ruri.user);
    const record = target === undefined ? undefined : state?.users.get(target)?.presence;
    if (target === undefined || record === undefined) return ctx.reply(inc, 404, 'Not Found');
    // S9.4: the feature keys are a user's own: another user's are not theirs to see or change.
    if (event === 'as-feature-event' && target !== auth.userId)
      return ctx.reply(inc, 403, 'Forbidden (not your own features)');
    const accept = headerValues(inc.req, 'accept');
    if (accept.length > 0 && !accept.some((a) => acceptable(a, ACCEPTS[event])))
      return ctx.reply(inc, 406, 'Not Acceptable', [['Accept', ACCEPTS[event]]]);
    if (requested > 0 && requested < this.options.minExpiresSec)
      return ctx.reply(inc, 423, 'Interval Too Brief', [['Min-Expires', String(this.options.minExpiresSec)]]);
    const contact = parseNameAddr(headerValues(inc.req, 'contact')[0] ?? '');
    if (contact === undefined || contact.star || parseUri(contact.uri) === undefined)
      return ctx.reply(inc, 400, 'Bad Request: Contact');
    if (inc.fromTag === undefined) return ctx.reply(inc, 400, 'Bad Request: From tag');
    // S8.3: within the limits of the server, the tenant and the watcher (subscription-quota.ts).
    const refused = this.quota.admit(t.tenant, auth.userId, target);
    if (refused !== undefined) return ctx.reply(inc, refused.status, refused.reason, refused.headers);
    let kept = false;
    try {
      kept = await this.create(inc, {
        tenant: t.tenant,
        domain: t.domain,
        watcher: auth.userId,
        target,
        event,
        eventId,
        requested,
        contact: contact.uri,
      });
    } finally {
      this.quota.settle(t.tenant, auth.userId, target, kept);
    }
  }

  /** A new subscription, admitted; true when it is held (not a fetch, not refused). */
  private async create(inc: Incoming, n: NewSubscription): Promise<boolean> {
    const { ctx } = this;
    const { tenant, target, event, eventId } = n;
    if (event === 'as-feature-event' && (await applyFeatureRequest(ctx, inc, tenant, target)) === undefined)
      return false;
    const expiresSec = Math.min(n.requested, this.options.maxExpiresSec);
    const localTag = orderedTag();
    const routes = headerValues(inc.req, 'record-route');
    const sub: Subscription = {
      tenant,
      domain: n.domain,
      target,
      // The engine's own string, shared by every subscription to this user.
      extension: ctx.engine.state(tenant)?.users.get(target)?.extension ?? detach(inc.ruri.user!),
      watcher: n.watcher,
      event,
      eventId: eventId === undefined ? undefined : detach(eventId),
      callId: detach(inc.callId),
      localTag,
      remoteTag: detach(inc.fromTag!),
      localParty: detach(`${inc.rawTo};tag=${localTag}`),
      remoteParty: detach(inc.rawFrom),
      remoteTarget: detach(n.contact),
      routes: routes.length > 0 ? routes.map(detach) : undefined,
      flow: inc.flow,
      remoteCSeq: inc.cseq.seq,
      localCSeq: 0,
      savedCSeq: 0,
      expiresAt: ctx.now() + expiresSec * 1000,
      bucket: 0,
      version: 0,
      lastKey: undefined,
      inFlight: false,
      dirty: false,
      lastSentAt: 0,
      hold: undefined,
      retryMs: 0,
      ended: false,
    };
    // Commit before acknowledge (S8.2): the 200 goes out once the subscription is stored.
    if (expiresSec > 0) await ctx.journal.write([this.saved(sub)]);
    ctx.reply(
      inc,
      200,
      'OK',
      [
        ['Expires', String(expiresSec)],
        ['Contact', this.out.contact(inc.flow)],
        ['Allow-Events', ALLOW_EVENTS],
      ],
      '',
      localTag,
    );
    if (expiresSec === 0) {
      // A fetch (RFC 6665 §4.4.3): one NOTIFY with the state, and no subscription.
      sub.ended = true;
      this.notify(sub, 'timeout');
      return false;
    }
    this.add(sub);
    this.notify(sub);
    return true;
  }

  private async refresh(inc: Incoming, event: EventPackage, requested: number): Promise<void> {
    const { ctx } = this;
    const sub = inc.toTag === undefined ? undefined : this.byDialog.get(inc.toTag);
    if (sub === undefined || sub.callId !== inc.callId || sub.remoteTag !== inc.fromTag || sub.event !== event)
      return ctx.reply(inc, 481, 'Subscription Does Not Exist');
    // RFC 3261 §12.2.2: a lower CSeq in a dialog is out of order.
    if (inc.cseq.seq <= sub.remoteCSeq)
      return ctx.reply(inc, 500, 'Server Internal Error (CSeq out of order)', [['Retry-After', '1']]);
    sub.remoteCSeq = inc.cseq.seq;
    if (requested > 0 && requested < this.options.minExpiresSec)
      return ctx.reply(inc, 423, 'Interval Too Brief', [['Min-Expires', String(this.options.minExpiresSec)]]);
    const contact = parseNameAddr(headerValues(inc.req, 'contact')[0] ?? '');
    if (contact !== undefined && !contact.star && parseUri(contact.uri) !== undefined) {
      sub.remoteTarget = detach(contact.uri);
    }
    // NOTIFYs follow the phone's latest flow (after a restart or a new TCP connection).
    sub.flow = inc.flow;
    const pressed = event === 'as-feature-event' ? await applyFeatureRequest(ctx, inc, sub.tenant, sub.target) : null;
    if (pressed === undefined) return;
    const expiresSec = Math.min(requested, this.options.maxExpiresSec);
    if (expiresSec > 0) sub.expiresAt = ctx.now() + expiresSec * 1000;
    // Commit before acknowledge (S8.2): the refreshed (or removed) subscription is stored first.
    if (expiresSec === 0) await ctx.journal.write([], [{ kind: 'subscription', key: subscriptionKey(sub) }]);
    else await ctx.journal.write([this.saved(sub)]);
    if (sub.ended) return ctx.reply(inc, 481, 'Subscription Does Not Exist');
    ctx.reply(inc, 200, 'OK', [
      ['Expires', String(expiresSec)],
      ['Contact', this.out.contact(sub.flow)],
    ]);
    if (expiresSec === 0) {
      // RFC 6665 §4.2.1.4: unsubscribing gets a final NOTIFY with the current state.
      this.terminate(sub, undefined);
      return;
    }
    this.arm(sub);
    // §4.2.1.2: a refresh is answered with a NOTIFY of the current state; after a key press, the
    // document of that key (the phone may show the key as pressed until it is told otherwise).
    this.notify(sub, null, true, false, pressed);
  }
}

function acceptable(range: string, type: string): boolean {
  const r = range.split(';')[0]!.trim().toLowerCase();
  return r === type || r === '*/*' || r === `${type.split('/')[0]}/*`;
}
