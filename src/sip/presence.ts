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
import type { PresenceRecord, TenantId, UserId } from '../core/index.js';
import type { EngineEvent } from '../engine/index.js';
import type { BlfState } from './bodies/dialog-info.js';
import { blfState, dialogInfoDocument } from './bodies/dialog-info.js';
import { FEATURE_EVENT_TYPE, FEATURE_KEYS, featureDocuments, featureView } from './bodies/feature-event.js';
import type { FeatureKey } from './bodies/feature-event.js';
import { pidfDocument, pidfKey, pidfView } from './bodies/pidf.js';
import type { SipContext } from './context.js';
import { ALLOW_EVENTS, tenantOf } from './context.js';
import { parseDelta, parseNameAddr, parseParams, parseUri } from './headers.js';
import { detach, header, headerValues, serializeRequest } from './message.js';
import type { Outgoing } from './outgoing.js';
import { applyFeatureRequest } from './features.js';
import type { SipStateRow } from './persistence.js';
import type { SubscriptionLimits } from './subscription-quota.js';
import { DEFAULT_SUBSCRIPTION_LIMITS, SubscriptionQuota } from './subscription-quota.js';
import type { EventPackage, StoredSubscription } from './subscription-rows.js';
import { PACKAGES, parseSubscriptionRow, subscriptionKey, subscriptionRow } from './subscription-rows.js';
import type { Incoming } from './request.js';
import { orderedTag } from './request.js';

export type { EventPackage } from './subscription-rows.js';

/** How far the NOTIFY CSeq and dialog-info version jump when a subscription is reloaded (S8.2). */
export const VERSION_JUMP = 1000;
/** Subscriptions whose counters are saved per sweep (every 250 ms). */
const SAVE_BATCH = 64;

export interface PresenceOptions extends SubscriptionLimits {
  readonly minExpiresSec: number;
  readonly maxExpiresSec: number;
  readonly defaultExpiresSec: number;
  /** Changes closer together than this share one NOTIFY. */
  readonly coalesceMs: number;
}

export const DEFAULT_PRESENCE: PresenceOptions = { minExpiresSec: 60, maxExpiresSec: 3600, defaultExpiresSec: 3600, coalesceMs: 5, ...DEFAULT_SUBSCRIPTION_LIMITS };

/** A subscription: what is stored (S8.2) and how its NOTIFYs are going. */
interface Subscription extends StoredSubscription {
  /** The NOTIFY CSeq last persisted (S8.2). */
  savedCSeq: number;
  /** The expiry bucket (second) the subscription sits in. */
  bucket: number;
  inFlight: boolean;
  dirty: boolean;
  lastSentAt: number;
  hold: NodeJS.Timeout | undefined;
  retryMs: number;
  ended: boolean;
}

export interface SubscriptionView {
  readonly event: EventPackage;
  readonly target: UserId;
  readonly watcher: UserId;
  readonly expiresAt: number;
  readonly transport: string;
  readonly remote: string;
}

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

const ACCEPTS: Readonly<Record<EventPackage, string>> = { presence: 'application/pidf+xml', dialog: 'application/dialog-info+xml', 'as-feature-event': FEATURE_EVENT_TYPE };

export class PresenceServer {
  /** By our tag (unique: 64 random bits); the Call-ID is checked on lookup. */
  private readonly byDialog = new Map<string, Subscription>();
  private readonly byTarget = new Map<string, Set<Subscription>>();
  private readonly byWatcher = new Map<string, Set<Subscription>>();
  /** The last committed record of each watched user (what NOTIFYs show). */
  private readonly latest = new Map<string, PresenceRecord>();
  private readonly buckets = new Map<number, Set<Subscription>>();
  /** Subscriptions whose NOTIFY counters moved since they were last persisted. */
  private readonly unsaved = new Set<Subscription>();
  private readonly quota: SubscriptionQuota;

  constructor(
    private readonly ctx: SipContext,
    private readonly out: Outgoing,
    private readonly options: PresenceOptions = DEFAULT_PRESENCE,
  ) {
    this.quota = new SubscriptionQuota(options, (w) => this.byWatcher.get(w), () => this.byDialog.size);
  }

  get size(): number {
    return this.byDialog.size;
  }

  /** Subscriptions to a user and by a user (operator view). */
  subscriptions(tenant: TenantId, userId: UserId): { watchedBy: SubscriptionView[]; watching: SubscriptionView[] } {
    const view = (s: Subscription): SubscriptionView => ({ event: s.event, target: s.target, watcher: s.watcher, expiresAt: s.expiresAt, transport: s.flow.transport, remote: `${s.flow.address}:${s.flow.port}` });
    const key = `${tenant}\u0000${userId}`;
    return { watchedBy: [...(this.byTarget.get(key) ?? [])].map(view), watching: [...(this.byWatcher.get(key) ?? [])].map(view) };
  }

  /** Committed events: a NOTIFY for every subscription whose user changed. */
  onEvents(events: readonly EngineEvent[]): void {
    for (const e of events) {
      if (e.type !== 'presence.changed') continue;
      const key = `${e.tenant}\u0000${e.subject}`;
      const subs = this.byTarget.get(key);
      if (subs === undefined) continue;
      if (e.removed) {
        for (const s of [...subs]) this.terminate(s, 'noresource');
        this.latest.delete(key);
        continue;
      }
      this.latest.set(key, e.value);
      for (const s of subs) this.changed(s);
    }
  }

  async handle(inc: Incoming): Promise<void> {
    const { ctx } = this;
    const eventRaw = header(inc.req, 'event') ?? '';
    const semi = eventRaw.indexOf(';');
    const pkg = (semi < 0 ? eventRaw : eventRaw.slice(0, semi)).trim().toLowerCase();
    if (!PACKAGES.includes(pkg)) return ctx.reply(inc, 489, 'Bad Event', [['Allow-Events', ALLOW_EVENTS]]);
    const event = pkg as EventPackage;
    const eventId = semi < 0 ? undefined : parseParams(eventRaw.slice(semi))?.get('id');
    const expiresRaw = header(inc.req, 'expires');
    const requested = expiresRaw === undefined ? this.options.defaultExpiresSec : parseDelta(expiresRaw);
    if (requested === undefined) return ctx.reply(inc, 400, 'Bad Request: Expires');

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
    if (event === 'as-feature-event' && target !== auth.userId) return ctx.reply(inc, 403, 'Forbidden (not your own features)');
    const accept = headerValues(inc.req, 'accept');
    if (accept.length > 0 && !accept.some((a) => acceptable(a, ACCEPTS[event]))) return ctx.reply(inc, 406, 'Not Acceptable', [['Accept', ACCEPTS[event]]]);
    if (requested > 0 && requested < this.options.minExpiresSec) return ctx.reply(inc, 423, 'Interval Too Brief', [['Min-Expires', String(this.options.minExpiresSec)]]);
    const contact = parseNameAddr(headerValues(inc.req, 'contact')[0] ?? '');
    if (contact === undefined || contact.star || parseUri(contact.uri) === undefined) return ctx.reply(inc, 400, 'Bad Request: Contact');
    if (inc.fromTag === undefined) return ctx.reply(inc, 400, 'Bad Request: From tag');
    // S8.3: within the limits of the server, the tenant and the watcher (subscription-quota.ts).
    const refused = this.quota.admit(t.tenant, auth.userId, target);
    if (refused !== undefined) return ctx.reply(inc, refused.status, refused.reason, refused.headers);
    let kept = false;
    try {
      kept = await this.create(inc, { tenant: t.tenant, domain: t.domain, watcher: auth.userId, target, event, eventId, requested, contact: contact.uri });
    } finally {
      this.quota.settle(t.tenant, auth.userId, target, kept);
    }
  }

  /** A new subscription, admitted; true when it is held (not a fetch, not refused). */
  private async create(inc: Incoming, n: NewSubscription): Promise<boolean> {
    const { ctx } = this;
    const { tenant, target, event, eventId } = n;
    if (event === 'as-feature-event' && (await applyFeatureRequest(ctx, inc, tenant, target)) === undefined) return false;
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
    ctx.reply(inc, 200, 'OK', [['Expires', String(expiresSec)], ['Contact', this.out.contact(inc.flow)], ['Allow-Events', ALLOW_EVENTS]], '', localTag);
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
    if (sub === undefined || sub.callId !== inc.callId || sub.remoteTag !== inc.fromTag || sub.event !== event) return ctx.reply(inc, 481, 'Subscription Does Not Exist');
    // RFC 3261 §12.2.2: a lower CSeq in a dialog is out of order.
    if (inc.cseq.seq <= sub.remoteCSeq) return ctx.reply(inc, 500, 'Server Internal Error (CSeq out of order)', [['Retry-After', '1']]);
    sub.remoteCSeq = inc.cseq.seq;
    if (requested > 0 && requested < this.options.minExpiresSec) return ctx.reply(inc, 423, 'Interval Too Brief', [['Min-Expires', String(this.options.minExpiresSec)]]);
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
    ctx.reply(inc, 200, 'OK', [['Expires', String(expiresSec)], ['Contact', this.out.contact(sub.flow)]]);
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

  private add(sub: Subscription): void {
    this.byDialog.set(sub.localTag, sub);
    const t = `${sub.tenant}\u0000${sub.target}`;
    const w = `${sub.tenant}\u0000${sub.watcher}`;
    let set = this.byTarget.get(t);
    if (set === undefined) this.byTarget.set(t, (set = new Set()));
    set.add(sub);
    let ws = this.byWatcher.get(w);
    if (ws === undefined) this.byWatcher.set(w, (ws = new Set()));
    ws.add(sub);
    this.arm(sub);
  }

  private remove(sub: Subscription): void {
    if (!sub.ended) this.quota.ended(sub.tenant);
    sub.ended = true;
    this.unsaved.delete(sub);
    this.ctx.journal.later([], [{ kind: 'subscription', key: subscriptionKey(sub) }]);
    this.unbucket(sub);
    if (sub.hold !== undefined) clearTimeout(sub.hold);
    if (this.byDialog.get(sub.localTag) === sub) this.byDialog.delete(sub.localTag);
    const t = `${sub.tenant}\u0000${sub.target}`;
    const w = `${sub.tenant}\u0000${sub.watcher}`;
    const set = this.byTarget.get(t);
    set?.delete(sub);
    if (set?.size === 0) {
      this.byTarget.delete(t);
      this.latest.delete(t);
    }
    const ws = this.byWatcher.get(w);
    ws?.delete(sub);
    if (ws?.size === 0) this.byWatcher.delete(w);
  }

  /**
   * Expiry without a timer per subscription: subscriptions sit in one bucket per second of their
   * expiry, and `sweep` (called every 250 ms) ends those whose second has passed.
   */
  private arm(sub: Subscription): void {
    this.unbucket(sub);
    sub.bucket = Math.ceil(sub.expiresAt / 1000);
    let set = this.buckets.get(sub.bucket);
    if (set === undefined) this.buckets.set(sub.bucket, (set = new Set()));
    set.add(sub);
  }

  private unbucket(sub: Subscription): void {
    const set = this.buckets.get(sub.bucket);
    if (set === undefined) return;
    set.delete(sub);
    if (set.size === 0) this.buckets.delete(sub.bucket);
  }

  /** Ends the subscriptions that have run out (RFC 6665 §4.2.2: NOTIFY terminated;reason=timeout). */
  sweep(): void {
    this.saveCounters(SAVE_BATCH);
    const now = this.ctx.now();
    if (this.buckets.size === 0) return;
    for (const [second, set] of this.buckets) {
      if (second * 1000 > now) continue;
      for (const sub of [...set]) if (sub.expiresAt <= now) this.terminate(sub, 'timeout');
    }
  }

  /** Ends a subscription with a final NOTIFY (`terminated`, with a reason when one applies). */
  private terminate(sub: Subscription, reason: string | undefined): void {
    if (sub.ended) return;
    this.remove(sub);
    this.notify(sub, reason ?? null, true, true);
  }

  private changed(sub: Subscription): void {
    if (sub.ended) return;
    if (sub.inFlight || sub.hold !== undefined) {
      sub.dirty = true;
      return;
    }
    const wait = sub.lastSentAt + this.options.coalesceMs - this.ctx.now();
    if (wait > 0) {
      sub.dirty = true;
      sub.hold = setTimeout(() => {
        sub.hold = undefined;
        if (sub.dirty) this.changed(sub);
      }, wait);
      return;
    }
    sub.dirty = false;
    this.notify(sub);
  }

  private record(sub: Subscription): PresenceRecord | undefined {
    return this.latest.get(`${sub.tenant}\u0000${sub.target}`) ?? this.ctx.engine.state(sub.tenant)?.users.get(sub.target)?.presence;
  }

  /**
   * Sends a NOTIFY with the current state. `reason` set (or null with `final`) sends the
   * terminating one; `force` sends even when the document would show nothing new. `pressed`
   * (as-feature-event only): the key whose document goes now, whatever else is still untold.
   */
  private notify(sub: Subscription, reason?: string | null, force = false, final = false, pressed: FeatureKey | null = null): void {
    const record = this.record(sub);
    const ending = final || (reason !== undefined && reason !== null);
    const entity = `sip:${sub.extension}@${sub.domain}`;
    let body = '';
    let key: string | undefined;
    if (record !== undefined) {
      if (sub.event === 'presence') {
        const view = pidfView(record);
        key = pidfKey(view);
        if (key !== sub.lastKey || force || ending || sub.lastKey === undefined) body = pidfDocument(view, entity, sub.extension);
      } else if (sub.event === 'dialog') {
        const state: BlfState = blfState(record);
        key = state;
        if (key !== sub.lastKey || force || ending || sub.lastKey === undefined) body = dialogInfoDocument(state, entity, `swb-${sub.extension}`, sub.version++);
      } else {
        // One document per NOTIFY: the first one the phone has not been told (the other follows
        // once this NOTIFY is answered); when it knows both, a refresh or the end gets DND.
        const docs = featureDocuments(featureView(record), sub.extension);
        const told = (sub.lastKey ?? '').split('|');
        let i = pressed === null ? docs.findIndex((d, j) => d.key !== told[j]) : FEATURE_KEYS.indexOf(pressed);
        if (i < 0 && (force || ending)) i = 0;
        if (i >= 0) {
          body = docs[i]!.body;
          const next = docs.map((d, j) => (j === i ? d.key : (told[j] ?? '')));
          key = next.join('|');
          if (!ending && docs.some((d, j) => d.key !== next[j])) sub.dirty = true;
        }
      }
      if (body === '') return;
    }
    sub.lastKey = key;
    const remaining = Math.max(0, Math.round((sub.expiresAt - this.ctx.now()) / 1000));
    const subState = ending ? `terminated${reason ? `;reason=${reason}` : ''}` : `active;expires=${remaining}`;
    const headers: [string, string][] = [];
    sub.localCSeq++;
    if (!sub.ended) {
      // The counters may run at most VERSION_JUMP ahead of what is stored: halfway there, this
      // subscription is saved now rather than with the others.
      if (sub.localCSeq - sub.savedCSeq >= VERSION_JUMP / 2) this.ctx.journal.later([this.saved(sub)]);
      else this.unsaved.add(sub);
    }
    const build = (via: string): Buffer => {
      headers.length = 0;
      headers.push(['Via', via], ['Max-Forwards', '70']);
      for (const r of sub.routes ?? []) headers.push(['Route', r]);
      headers.push(
        ['From', sub.localParty],
        ['To', sub.remoteParty],
        ['Call-ID', sub.callId],
        ['CSeq', `${sub.localCSeq} NOTIFY`],
        ['Contact', this.out.contact(sub.flow)],
        ['Event', sub.eventId !== undefined ? `${sub.event};id=${sub.eventId}` : sub.event],
        ['Subscription-State', subState],
      );
      if (body !== '') headers.push(['Content-Type', ACCEPTS[sub.event]]);
      return serializeRequest('NOTIFY', sub.remoteTarget, headers, body);
    };
    sub.inFlight = !ending;
    sub.lastSentAt = this.ctx.now();
    this.ctx.counters.notifySent();
    this.out.request(sub.flow, sub.flow.transport === 'tcp' ? fallbackOf(sub.remoteTarget) : undefined, build, (outcome) => {
      if (ending || sub.ended) return;
      sub.inFlight = false;
      const status = outcome.type === 'response' ? outcome.response.status : 408;
      if (status === 481) {
        // RFC 6665 §4.2.2: the subscriber has no such subscription: it ends, without a NOTIFY.
        this.remove(sub);
        return;
      }
      if (status >= 200 && status < 300) {
        sub.retryMs = 0;
        if (sub.dirty) this.changed(sub);
        return;
      }
      // A timeout or another failure is not fatal: send the state again later.
      sub.retryMs = Math.min(Math.max(sub.retryMs * 2, 2000), 60_000);
      sub.lastKey = undefined;
      sub.dirty = true;
      sub.hold = setTimeout(() => {
        sub.hold = undefined;
        this.changed(sub);
      }, sub.retryMs);
      sub.hold.unref();
    });
  }

  /** The row of a subscription about to be stored, noting what its counters were. */
  private saved(sub: Subscription): SipStateRow {
    sub.savedCSeq = sub.localCSeq;
    this.unsaved.delete(sub);
    return subscriptionRow(sub);
  }

  /**
   * Saves the NOTIFY counters that moved, lazily (nobody waits for this commit) and at most
   * `limit` subscriptions at a time, so a burst of NOTIFYs never meets one long commit.
   */
  saveCounters(limit = Infinity): void {
    if (this.unsaved.size === 0) return;
    const rows: SipStateRow[] = [];
    for (const sub of this.unsaved) {
      if (rows.length >= limit) break;
      if (!sub.ended) rows.push(this.saved(sub));
      else this.unsaved.delete(sub);
    }
    this.ctx.journal.later(rows);
  }

  /**
   * S8.2: the subscriptions stored before a restart, those still in force. Their counters jump by
   * VERSION_JUMP (the last NOTIFYs before a crash may not have been saved), and a subscription
   * whose document changed while the server was down gets a NOTIFY.
   */
  restore(rows: readonly SipStateRow[]): void {
    const now = this.ctx.now();
    const gone: string[] = [];
    for (const row of rows) {
      const stored = row.expiresAt > now ? parseSubscriptionRow(row) : undefined;
      if (stored === undefined || this.ctx.engine.state(stored.tenant)?.users.get(stored.target) === undefined) {
        gone.push(row.key);
        continue;
      }
      const sub: Subscription = {
        ...stored,
        localCSeq: stored.localCSeq + VERSION_JUMP,
        version: stored.version + VERSION_JUMP,
        // What is stored is the CSeq before the jump: the first NOTIFY saves the jumped one.
        savedCSeq: stored.localCSeq,
        bucket: 0,
        inFlight: false,
        dirty: false,
        lastSentAt: 0,
        hold: undefined,
        retryMs: 0,
        ended: false,
      };
      this.quota.restored(sub.tenant);
      this.add(sub);
      this.changed(sub);
    }
    this.ctx.journal.later([], gone.map((key) => ({ kind: 'subscription', key })));
  }

  stop(): void {
    this.saveCounters();
    for (const sub of this.byDialog.values()) if (sub.hold !== undefined) clearTimeout(sub.hold);
    this.buckets.clear();
  }
}

function acceptable(range: string, type: string): boolean {
  const r = range.split(';')[0]!.trim().toLowerCase();
  return r === type || r === '*/*' || r === `${type.split('/')[0]}/*`;
}

function fallbackOf(uri: string): { host: string; port: number } | undefined {
  const u = parseUri(uri);
  return u === undefined || u.host === '' ? undefined : { host: u.host.replace(/^\[|\]$/g, ''), port: u.port ?? 5060 };
}
