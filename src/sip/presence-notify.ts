// S7.2 NOTIFY fan-out: committed presence events become NOTIFYs, coalesced per subscription (the
// first change at once, later ones after the previous answer and a short window); a failed NOTIFY is
// retried later and only a 481 ends the subscription (RFC 6665 §4.2.2).
import type { PresenceRecord } from '../core/index.js';
import type { EngineEvent } from '../engine/index.js';
import type { BlfState } from './bodies/dialog-info.js';
import { blfState, dialogInfoDocument } from './bodies/dialog-info.js';
import { FEATURE_EVENT_TYPE, FEATURE_KEYS, featureDocuments, featureView } from './bodies/feature-event.js';
import type { FeatureKey } from './bodies/feature-event.js';
import { pidfDocument, pidfKey, pidfView } from './bodies/pidf.js';
import { parseUri } from './headers.js';
import { serializeRequest } from './message.js';
import type { EventPackage } from './subscription-rows.js';
import type { Subscription } from './subscription-store.js';
import { SubscriptionStore, VERSION_JUMP } from './subscription-store.js';

export const ACCEPTS: Readonly<Record<EventPackage, string>> = {
  presence: 'application/pidf+xml',
  dialog: 'application/dialog-info+xml',
  'as-feature-event': FEATURE_EVENT_TYPE,
};

export abstract class PresenceNotifier extends SubscriptionStore {
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

  /** Ends a subscription with a final NOTIFY (`terminated`, with a reason when one applies). */
  protected terminate(sub: Subscription, reason: string | undefined): void {
    if (sub.ended) return;
    this.remove(sub);
    this.notify(sub, reason ?? null, true, true);
  }

  protected changed(sub: Subscription): void {
    if (sub.ended) return;
    if (sub.inFlight || sub.hold !== undefined) {
      sub.dirty = true;
      return;
    }
    const wait = sub.lastSentAt + this.options.coalesceMs - this.ctx.now();
    if (wait > 0) {
      sub.dirty = true;
      sub.hold = this.ctx.clock.setTimer(this.ctx.now() + wait, () => {
        sub.hold = undefined;
        if (sub.dirty) this.changed(sub);
      });
      return;
    }
    sub.dirty = false;
    this.notify(sub);
  }

  private record(sub: Subscription): PresenceRecord | undefined {
    return (
      this.latest.get(`${sub.tenant}\u0000${sub.target}`) ??
      this.ctx.engine.state(sub.tenant)?.users.get(sub.target)?.presence
    );
  }

  /**
   * Sends a NOTIFY with the current state. `reason` set (or null with `final`) sends the
   * terminating one; `force` sends even when the document would show nothing new. `pressed`
   * (as-feature-event only): the key whose document goes now, whatever else is still untold.
   */
  protected notify(
    sub: Subscription,
    reason?: string | null,
    force = false,
    final = false,
    pressed: FeatureKey | null = null,
  ): void {
    const record = this.record(sub);
    const ending = final || (reason !== undefined && reason !== null);
    let doc: ReturnType<typeof notifyDocument> = { body: '', key: undefined };
    if (record !== undefined) {
      doc = notifyDocument(sub, record, force || ending, pressed);
      if (!ending && doc.dirty) sub.dirty = true;
      if (doc.body === '') return;
    }
    sub.lastKey = doc.key;
    const remaining = Math.max(0, Math.round((sub.expiresAt - this.ctx.now()) / 1000));
    const subState = ending ? `terminated${reason ? `;reason=${reason}` : ''}` : `active;expires=${remaining}`;
    sub.localCSeq++;
    if (!sub.ended) {
      // The counters may run at most VERSION_JUMP ahead of what is stored: halfway there, this
      // subscription is saved now rather than with the others.
      if (sub.localCSeq - sub.savedCSeq >= VERSION_JUMP / 2) this.ctx.journal.later([this.saved(sub)]);
      else this.unsaved.add(sub);
    }
    this.send(sub, doc.body, subState, ending);
  }

  private send(sub: Subscription, body: string, subState: string, ending: boolean): void {
    const headers: [string, string][] = [];
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
    const fallback = sub.flow.transport === 'tcp' ? fallbackOf(sub.remoteTarget) : undefined;
    this.out.request(sub.flow, fallback, build, (outcome) => {
      if (ending || sub.ended) return;
      this.answered(sub, outcome.type === 'response' ? outcome.response.status : 408);
    });
  }

  /** What the subscriber answered a NOTIFY (408 for no answer). */
  private answered(sub: Subscription, status: number): void {
    sub.inFlight = false;
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
    sub.hold = this.ctx.clock.setTimer(this.ctx.now() + sub.retryMs, () => {
      sub.hold = undefined;
      this.changed(sub);
    });
  }
}

function fallbackOf(uri: string): { host: string; port: number } | undefined {
  const u = parseUri(uri);
  return u === undefined || u.host === '' ? undefined : { host: u.host.replace(/^\[|\]$/g, ''), port: u.port ?? 5060 };
}

/**
 * The document a NOTIFY of `sub` carries for `record`: empty when it would tell nothing new
 * (unless `always`). `dirty`: another document is still untold (as-feature-event only).
 */
function notifyDocument(
  sub: Subscription,
  record: PresenceRecord,
  always: boolean,
  pressed: FeatureKey | null,
): { body: string; key: string | undefined; dirty?: boolean } {
  const entity = `sip:${sub.extension}@${sub.domain}`;
  const fresh = (key: string): boolean => key !== sub.lastKey || always || sub.lastKey === undefined;
  if (sub.event === 'presence') {
    const view = pidfView(record);
    const key = pidfKey(view);
    return { key, body: fresh(key) ? pidfDocument(view, entity, sub.extension) : '' };
  }
  if (sub.event === 'dialog') {
    const key: BlfState = blfState(record);
    return { key, body: fresh(key) ? dialogInfoDocument(key, entity, `swb-${sub.extension}`, sub.version++) : '' };
  }
  // One document per NOTIFY: the first one the phone has not been told (the other follows once
  // this NOTIFY is answered); when it knows both, a refresh or the end gets DND.
  const docs = featureDocuments(featureView(record), sub.extension);
  const told = (sub.lastKey ?? '').split('|');
  let i = pressed === null ? docs.findIndex((d, j) => d.key !== told[j]) : FEATURE_KEYS.indexOf(pressed);
  if (i < 0 && always) i = 0;
  if (i < 0) return { body: '', key: undefined };
  const next = docs.map((d, j) => (j === i ? d.key : (told[j] ?? '')));
  return { body: docs[i]!.body, key: next.join('|'), dirty: docs.some((d, j) => d.key !== next[j]) };
}
