// S7.3 PUBLISH (RFC 3903) for `Event: presence`: a softphone's published PIDF sets the matching
// manual status (cause `sip`). Each publication has an entity-tag, refreshed or modified with
// SIP-If-Match; an unknown tag is 412. When a publication is removed (Expires: 0) or runs out, the
// manual status it set is cleared — unless something else has changed it since. Publications are
// persisted (S8.2) before the 200, so an entity-tag issued before a restart still matches after it.
import { randomBytes } from 'node:crypto';
import { retryAfterOf } from '../core/index.js';
import type { TenantId, UserId } from '../core/index.js';
import type { TimerHandle } from '../engine/index.js';
import type { PublishedStatus } from './bodies/pidf.js';
import { parsePidf } from './bodies/pidf.js';
import type { SipContext } from './context.js';
import { tenantOf } from './context.js';
import { parseDelta } from './headers.js';
import { header } from './message.js';
import type { SipStateRow } from './persistence.js';
import { rowData } from './persistence.js';
import type { Incoming } from './request.js';
import { reasonPhrase, sipStatus } from './refusals.js';

export interface PublishOptions {
  readonly minExpiresSec: number;
  readonly maxExpiresSec: number;
  readonly defaultExpiresSec: number;
  readonly maxPublications: number;
}

const PUBLISHED: readonly PublishedStatus[] = ['dnd', 'busy', 'away', 'available'];

export const DEFAULT_PUBLISH: PublishOptions = {
  minExpiresSec: 60,
  maxExpiresSec: 3600,
  defaultExpiresSec: 3600,
  maxPublications: 100_000,
};

interface Publication {
  readonly tenant: TenantId;
  readonly userId: UserId;
  etag: string;
  /** The manual status this publication set, if any. */
  status: PublishedStatus | undefined;
  expiresAt: number;
  timer: TimerHandle | undefined;
}

export class PublicationHandler {
  private readonly byEtag = new Map<string, Publication>();

  constructor(
    private readonly ctx: SipContext,
    private readonly options: PublishOptions = DEFAULT_PUBLISH,
  ) {}

  get size(): number {
    return this.byEtag.size;
  }

  async handle(inc: Incoming): Promise<void> {
    const { ctx } = this;
    const event = (header(inc.req, 'event') ?? '').split(';')[0]!.trim().toLowerCase();
    if (event !== 'presence') return ctx.reply(inc, 489, 'Bad Event', [['Allow-Events', 'presence']]);
    const t = tenantOf(ctx, inc.ruri.host);
    if (t === undefined) return ctx.reply(inc, 404, 'Not Found (unknown domain)');
    const auth = ctx.auth.authenticate(inc, t.tenant, t.domain);
    if (!auth.ok) return ctx.reply(inc, auth.status, auth.reason, auth.headers);
    // A user publishes their own presence only.
    if (inc.ruri.user !== auth.extension) return ctx.reply(inc, 403, 'Forbidden (not your presentity)');
    const expiresRaw = header(inc.req, 'expires');
    const requested = expiresRaw === undefined ? this.options.defaultExpiresSec : parseDelta(expiresRaw);
    if (requested === undefined) return ctx.reply(inc, 400, 'Bad Request: Expires');
    if (requested > 0 && requested < this.options.minExpiresSec)
      return ctx.reply(inc, 423, 'Interval Too Brief', [['Min-Expires', String(this.options.minExpiresSec)]]);
    const expiresSec = Math.min(requested, this.options.maxExpiresSec);

    const ifMatch = header(inc.req, 'sip-if-match');
    let pub: Publication | undefined;
    if (ifMatch !== undefined) {
      pub = this.byEtag.get(ifMatch.trim());
      // RFC 3903 §6 step 4: an entity-tag we do not hold (or not this user's) is 412.
      if (pub === undefined || pub.tenant !== t.tenant || pub.userId !== auth.userId || pub.expiresAt <= ctx.now()) {
        return ctx.reply(inc, 412, 'Conditional Request Failed');
      }
    }
    const hasBody = inc.req.body.length > 0;
    if (pub === undefined && !hasBody) return ctx.reply(inc, 400, 'Bad Request: an initial PUBLISH needs a body');

    if (expiresSec === 0) {
      if (pub === undefined) return ctx.reply(inc, 400, 'Bad Request: Expires 0 needs SIP-If-Match');
      this.byEtag.delete(pub.etag);
      if (pub.timer !== undefined) ctx.clock.clearTimer(pub.timer);
      await Promise.all([this.clear(pub), ctx.journal.write([], [{ kind: 'publication', key: pub.etag }])]);
      return ctx.reply(inc, 200, 'OK', [['Expires', '0']]);
    }

    let status = pub?.status;
    if (hasBody) {
      const type = (header(inc.req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/pidf+xml')
        return ctx.reply(inc, 415, 'Unsupported Media Type', [['Accept', 'application/pidf+xml']]);
      const parsed = parsePidf(inc.req.body.toString('utf8'));
      if (!parsed.ok) return ctx.reply(inc, 400, 'Bad Request: not a PIDF document');
      status = parsed.status;
      if (status !== undefined) {
        const out = await ctx.engine.dispatch(t.tenant, {
          type: 'status.set',
          userId: auth.userId,
          status,
          by: { kind: 'sip' },
        });
        if (!out.ok) {
          // S8.2: the store could not save the status; the phone may try again.
          const retryAfter = retryAfterOf(out.code);
          const retry: [string, string][] = retryAfter !== undefined ? [['Retry-After', String(retryAfter)]] : [];
          // S7.3: the status is the registry's for the code (src/core/errors.ts).
          const code = sipStatus(out.code);
          return ctx.reply(inc, code, code === 403 ? 'Forbidden (status not allowed)' : reasonPhrase(code), [
            ...retry,
            ['Warning', `399 switchboard "${out.code}"`],
          ]);
        }
      }
    }
    if (pub === undefined) {
      if (this.byEtag.size >= this.options.maxPublications)
        return ctx.reply(inc, 503, 'Service Unavailable', [['Retry-After', '60']]);
      pub = { tenant: t.tenant, userId: auth.userId, etag: '', status, expiresAt: 0, timer: undefined };
    }
    const old = pub.etag;
    if (old !== '') this.byEtag.delete(old);
    // §6 step 6: every successful PUBLISH gets a fresh entity-tag.
    pub.etag = randomBytes(9).toString('base64url');
    pub.status = status;
    pub.expiresAt = ctx.now() + expiresSec * 1000;
    this.byEtag.set(pub.etag, pub);
    this.arm(pub);
    // Commit before acknowledge: the new tag is stored (and the old one gone) before the 200.
    await ctx.journal.write([this.row(pub)], old !== '' ? [{ kind: 'publication', key: old }] : []);
    ctx.reply(inc, 200, 'OK', [
      ['SIP-ETag', pub.etag],
      ['Expires', String(expiresSec)],
    ]);
  }

  private row(pub: Publication): SipStateRow {
    return {
      kind: 'publication',
      key: pub.etag,
      tenant: pub.tenant,
      expiresAt: pub.expiresAt,
      data: JSON.stringify({ userId: pub.userId, status: pub.status ?? null }),
    };
  }

  /**
   * S8.2: the publications stored before a restart. Those still in force are kept with their
   * entity-tags; those that ran out meanwhile clear the status they set, as if they had run out here.
   */
  restore(rows: readonly SipStateRow[]): void {
    const now = this.ctx.now();
    const gone: string[] = [];
    for (const row of rows) {
      const d = rowData(row);
      if (d === undefined || typeof d.userId !== 'string') {
        gone.push(row.key);
        continue;
      }
      const status = PUBLISHED.find((x) => x === d.status);
      const pub: Publication = {
        tenant: row.tenant,
        userId: d.userId,
        etag: row.key,
        status,
        expiresAt: row.expiresAt,
        timer: undefined,
      };
      if (row.expiresAt <= now) {
        gone.push(row.key);
        void this.clear(pub);
        continue;
      }
      this.byEtag.set(pub.etag, pub);
      this.arm(pub);
    }
    this.ctx.journal.later(
      [],
      gone.map((key) => ({ kind: 'publication', key })),
    );
  }

  private arm(pub: Publication): void {
    if (pub.timer !== undefined) this.ctx.clock.clearTimer(pub.timer);
    // At its expiry (at once when that has passed: the clock never fires re-entrantly).
    pub.timer = this.ctx.clock.setTimer(pub.expiresAt, () => {
      if (this.byEtag.get(pub.etag) !== pub) return;
      this.byEtag.delete(pub.etag);
      this.ctx.journal.later([], [{ kind: 'publication', key: pub.etag }]);
      void this.clear(pub);
    });
  }

  /** Clears the manual status the publication set, if it is still the one in force (set by SIP). */
  private async clear(pub: Publication): Promise<void> {
    if (pub.status === undefined || pub.status === 'available') return;
    const manual = this.ctx.engine.state(pub.tenant)?.users.get(pub.userId)?.manual;
    if (manual === undefined || manual.status !== pub.status || manual.setBy !== 'sip') return;
    await this.ctx.engine.dispatch(pub.tenant, { type: 'status.clear', userId: pub.userId, by: { kind: 'sip' } });
  }

  stop(): void {
    for (const p of this.byEtag.values()) if (p.timer !== undefined) this.ctx.clock.clearTimer(p.timer);
    this.byEtag.clear();
  }
}
