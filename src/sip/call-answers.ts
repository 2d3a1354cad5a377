// S7.4: what a caller hears when a call does not ring, as SIP. Switchboard has no media server,
// so an answering action that needs one (voicemail, a message) is a final response the caller's
// phone shows, and an action that sends the call to an outside number is a redirect the
// caller's phone or PBX can follow (docs/rules.md S7.4).
import type { AnsweringAction } from '../core/index.js';

export interface FinalAnswer {
  readonly status: number;
  readonly reason: string;
  /** A redirect's destination (302), as a Contact. */
  readonly contact?: string;
  /** Why, for the caller's phone log: a Warning header (RFC 3261 §20.43, code 399). */
  readonly warning?: string;
}

/** The Contact of an outside number, in the tenant's domain (the PBX in front routes it). */
export function numberContact(number: string, domain: string): string {
  return `<sip:${number.replace(/[^0-9+*#]/g, '')}@${domain};user=phone>`;
}

/** An answering action (S3.2) as the final response the proxy gives, for the actions that do not ring anyone here. */
export function actionAnswer(action: AnsweringAction, domain: string): FinalAnswer {
  switch (action.type) {
    case 'busyTone':
      return { status: 486, reason: 'Busy Here' };
    case 'reject':
      return { status: 603, reason: 'Decline' };
    case 'voicemail':
      return {
        status: 480,
        reason: 'Temporarily Unavailable',
        warning: 'voicemail: no voicemail server is attached to Switchboard',
      };
    case 'message':
      return {
        status: 480,
        reason: 'Temporarily Unavailable',
        warning: 'message: no media server is attached to Switchboard',
      };
    case 'external':
      return { status: 302, reason: 'Moved Temporarily', contact: numberContact(action.number, domain) };
    case 'wait':
      // S11.4: carried out by the proxy (call-wait.ts); a wait that cannot be held is busy.
      return { status: 486, reason: 'Busy Here' };
    case 'redirect':
    case 'queue':
      // Followed by the proxy itself; this answer is only for a target that no longer exists.
      return { status: 480, reason: 'Temporarily Unavailable' };
  }
}

/** The Warning header value for a text (quoted-string, RFC 3261 §20.43). */
export function warningValue(host: string, text: string): string {
  return `399 ${host} "${text.replace(/["\\\r\n]/g, ' ').slice(0, 200)}"`;
}

/**
 * An SDP answer for a call the server answers itself (a feature code): the offer's first audio
 * format, on the discard port, `inactive` — the call connects, no media flows (RFC 3264 §6).
 */
export function inactiveAnswer(offer: string, host: string, sessionId: number): string {
  const lines = offer.split(/\r?\n/);
  const m = lines.find((l) => l.startsWith('m=audio '));
  const format = m?.split(' ')[3] ?? '0';
  const rtpmap = lines.find((l) => l.startsWith(`a=rtpmap:${format} `));
  const ip = host.includes(':') ? 'IP6' : 'IP4';
  return [
    'v=0',
    `o=switchboard ${sessionId} ${sessionId} IN ${ip} ${host}`,
    's=switchboard',
    `c=IN ${ip} ${host}`,
    't=0 0',
    `m=audio 9 RTP/AVP ${/^[0-9]{1,3}$/.test(format) ? format : '0'}`,
    ...(rtpmap !== undefined && /^[0-9]{1,3}$/.test(format) ? [rtpmap] : []),
    'a=inactive',
    '',
  ].join('\r\n');
}
