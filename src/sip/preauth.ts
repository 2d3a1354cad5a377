// What a REGISTER and a new SUBSCRIBE must pass before their digest is looked at: the syntax
// checks of registrar.ts and presence.ts ahead of authenticate(), shared so that the SIP front
// thread (front-worker.ts) answers a request without credentials with the very 401 the main
// thread would have sent, and forwards every request these checks refuse.
import { ALLOW_EVENTS } from './context.js';
import type { NameAddr } from './headers.js';
import { parseDelta, parseNameAddr, parseParams, parseUri } from './headers.js';
import type { HeaderList } from './message.js';
import { header, headerValues } from './message.js';
import type { Incoming } from './request.js';
import type { EventPackage } from './subscription-rows.js';
import { PACKAGES } from './subscription-rows.js';

export interface Refusal {
  readonly refused: true;
  readonly status: number;
  readonly reason: string;
  readonly headers?: HeaderList;
}

const refuse = (status: number, reason: string, headers?: HeaderList): Refusal => ({
  refused: true,
  status,
  reason,
  ...(headers === undefined ? {} : { headers }),
});

/** REGISTER (RFC 3261 §10.3 steps 1–2, after the domain): the To scheme, Contacts and Expires. */
export function registerSyntax(
  inc: Incoming,
): Refusal | { readonly refused: false; readonly contacts: NameAddr[]; readonly expiresHeader: number | undefined } {
  if (inc.toUri.scheme !== 'sip') return refuse(416, 'Unsupported URI Scheme');
  const contacts: NameAddr[] = [];
  for (const v of headerValues(inc.req, 'contact')) {
    const c = parseNameAddr(v);
    if (c === undefined || (!c.star && parseUri(c.uri) === undefined)) return refuse(400, 'Bad Request: Contact');
    contacts.push(c);
  }
  const expiresRaw = header(inc.req, 'expires');
  const expiresHeader = expiresRaw === undefined ? undefined : parseDelta(expiresRaw);
  if (expiresRaw !== undefined && expiresHeader === undefined) return refuse(400, 'Bad Request: Expires');
  return { refused: false, contacts, expiresHeader };
}

/** SUBSCRIBE (RFC 6665 §4.2.1.1): the event package and the Expires asked for. */
export function subscribeSyntax(
  inc: Incoming,
  defaultExpiresSec: number,
):
  | Refusal
  | {
      readonly refused: false;
      readonly event: EventPackage;
      readonly eventId: string | undefined;
      readonly requested: number;
    } {
  const eventRaw = header(inc.req, 'event') ?? '';
  const semi = eventRaw.indexOf(';');
  const pkg = (semi < 0 ? eventRaw : eventRaw.slice(0, semi)).trim().toLowerCase();
  if (!PACKAGES.includes(pkg)) return refuse(489, 'Bad Event', [['Allow-Events', ALLOW_EVENTS]]);
  const eventId = semi < 0 ? undefined : parseParams(eventRaw.slice(semi))?.get('id');
  const expiresRaw = header(inc.req, 'expires');
  const requested = expiresRaw === undefined ? defaultExpiresSec : parseDelta(expiresRaw);
  if (requested === undefined) return refuse(400, 'Bad Request: Expires');
  return { refused: false, event: pkg as EventPackage, eventId, requested };
}

/**
 * The realm to challenge `inc` in when its answer can only be a 401 whatever the engine holds: a
 * REGISTER or a new SUBSCRIBE (no To-tag, so not inside a call or a subscription) that requires
 * no extension, carries no credentials at all, passes the syntax checks and is addressed to a
 * domain `realmOf` knows. Undefined: the main thread must see it.
 */
export function challengeRealm(inc: Incoming, realmOf: (host: string) => string | undefined): string | undefined {
  const method = inc.req.method;
  if ((method !== 'REGISTER' && method !== 'SUBSCRIBE') || inc.toTag !== undefined) return undefined;
  for (const h of inc.req.headers)
    if (h.key === 'authorization' || h.key === 'proxy-authorization' || h.key === 'require') return undefined;
  const realm = realmOf(inc.ruri.host);
  if (realm === undefined) return undefined;
  const syntax = method === 'REGISTER' ? registerSyntax(inc) : subscribeSyntax(inc, 0);
  return syntax.refused ? undefined : realm;
}
