// The wire side of the call proxy (RFC 3261 §16): rewriting a request to forward it (our Via,
// Record-Route, Max-Forwards, our own Route and credentials removed), the ACK and CANCEL a proxy
// sends down a branch (§17.1.1.3, §9.1), where a response goes next (§18.2.2 with RFC 3581), and
// the INVITE client transaction of one branch (§17.1.1: Timer A retransmits over UDP until a
// response, Timer B gives up). No call logic lives here: calls.ts decides who rings.
import { createHash } from 'node:crypto';
import type { Clock, TimerHandle } from '../engine/index.js';
import type { SipUri } from './headers.js';
import { parseNameAddr, parseUri, parseVia } from './headers.js';
import type { HeaderList, SipRequest, SipResponse } from './message.js';
import { header, headerValues, serializeRequest, serializeResponse, splitList } from './message.js';
import { randomHex } from './random.js';
import type { Flow } from './transport.js';

/**
 * Branches of stateful INVITE forks start `z9hG4bKx`, stateless in-dialog forwards `z9hG4bKs`:
 * neither `x` nor `s` is a hex digit, so they never meet the branch of a NOTIFY (`z9hG4bK` + hex).
 */
export const FORK_BRANCH = 'z9hG4bKx';
export const STATELESS_BRANCH = 'z9hG4bKs';

export function forkBranch(): string {
  return FORK_BRANCH + randomHex(16);
}

/** §16.11: a stateless proxy derives its branch from the request, so a retransmission gets the same one. */
export function statelessBranch(incomingBranch: string, callId: string, method: string): string {
  return (
    STATELESS_BRANCH +
    createHash('sha1').update(`${incomingBranch}\u0000${callId}\u0000${method}`).digest('hex').slice(0, 16)
  );
}

/** Where to send something: a flow, and the address to connect to when a TCP flow is gone. */
export interface Hop {
  readonly flow: Flow;
  readonly fallback?: { readonly host: string; readonly port: number };
}

/** The hop for a SIP URI (a Contact or a Route): its host, port and transport parameter. */
export function hopOfUri(uri: SipUri): Hop {
  const transport = uri.params.get('transport')?.toLowerCase() === 'tcp' ? 'tcp' : 'udp';
  const port = uri.port ?? 5060;
  return { flow: { transport, address: uri.host, port }, fallback: { host: uri.host, port } };
}

export interface ForwardOptions {
  readonly uri: string;
  /** Our Via, put on top. */
  readonly via: string;
  /** The incoming top Via with `received` and `rport` filled in. */
  readonly stampedVia: string;
  /** §16.6 step 4: Record-Route so the dialog's later requests pass through us. */
  readonly recordRoute?: string;
  /** §16.4: leading Route entries naming this proxy are removed. */
  readonly isOwnRoute: (value: string) => boolean;
  /** §22.3: a proxy removes the credentials meant for it. */
  readonly dropCredentials: boolean;
}

/** The Route values left after removing our own leading entries. */
export function remainingRoutes(req: SipRequest, isOwnRoute: (value: string) => boolean): string[] {
  const routes = headerValues(req, 'route');
  let i = 0;
  while (i < routes.length && isOwnRoute(routes[i]!)) i++;
  return routes.slice(i);
}

/** §16.6: the request as it leaves for one target. */
export function forwardedRequest(req: SipRequest, o: ForwardOptions): { bytes: Buffer; routes: string[] } {
  const routes = remainingRoutes(req, o.isOwnRoute);
  const mf = Number(header(req, 'max-forwards') ?? '70');
  const headers: [string, string][] = [['Via', o.via]];
  let firstVia = true;
  let routesPut = false;
  if (o.recordRoute !== undefined) headers.push(['Record-Route', o.recordRoute]);
  for (const h of req.headers) {
    switch (h.key) {
      case 'via':
        if (firstVia) {
          // The first Via line may hold several values: only its first is stamped.
          const [, ...rest] = splitList(h.value);
          headers.push(['Via', o.stampedVia]);
          for (const v of rest) headers.push(['Via', v]);
          firstVia = false;
        } else headers.push([h.name, h.value]);
        continue;
      case 'route':
        if (!routesPut) for (const r of routes) headers.push(['Route', r]);
        routesPut = true;
        continue;
      case 'max-forwards':
      case 'content-length':
        continue;
      case 'proxy-authorization':
        if (o.dropCredentials) continue;
        break;
    }
    headers.push([h.name, h.value]);
  }
  headers.push(['Max-Forwards', String(Math.max(0, mf - 1))]);
  return { bytes: serializeRequest(req.method, o.uri, headers, req.body), routes };
}

/** What a branch remembers of the INVITE it sent, to build its CANCEL and ACK. */
export interface SentInvite {
  readonly uri: string;
  readonly via: string;
  readonly from: string;
  readonly to: string;
  readonly callId: string;
  readonly cseq: number;
  readonly routes: readonly string[];
}

function hopHeaders(sent: SentInvite, method: 'ACK' | 'CANCEL', to: string): HeaderList {
  return [
    ['Via', sent.via],
    ['Max-Forwards', '70'],
    ['From', sent.from],
    ['To', to],
    ['Call-ID', sent.callId],
    ['CSeq', `${sent.cseq} ${method}`],
    ...sent.routes.map((r) => ['Route', r] as const),
  ];
}

/** §9.1: CANCEL has the INVITE's Request-URI, Call-ID, From, To, CSeq number and top Via. */
export function cancelFor(sent: SentInvite): Buffer {
  return serializeRequest('CANCEL', sent.uri, hopHeaders(sent, 'CANCEL', sent.to));
}

/** §17.1.1.3: the ACK of a non-2xx final response, on the INVITE's branch, with the response's To. */
export function ackFor(sent: SentInvite, res: SipResponse): Buffer {
  return serializeRequest('ACK', sent.uri, hopHeaders(sent, 'ACK', header(res, 'to') ?? sent.to));
}

/** §16.7 step 9: the response without our Via, to go to the next one. */
export function withoutTopVia(res: SipResponse): Buffer {
  const headers: [string, string][] = [];
  let removed = false;
  for (const h of res.headers) {
    if (h.key === 'content-length') continue;
    if (h.key === 'via' && !removed) {
      removed = true;
      const rest = splitList(h.value).slice(1);
      if (rest.length > 0) headers.push([h.name, rest.join(', ')]);
      continue;
    }
    headers.push([h.name, h.value]);
  }
  return serializeResponse(res.status, res.reason, headers, res.body);
}

/** §18.2.2, RFC 3581: where the response goes: the top Via's received address and rport. */
export function viaHop(via: string): Hop | undefined {
  const v = parseVia(via);
  if (v === undefined) return undefined;
  const host = v.params.get('received') || v.host;
  const rport = Number(v.params.get('rport'));
  const port = Number.isInteger(rport) && rport > 0 && rport < 65536 ? rport : (v.port ?? 5060);
  return {
    flow: { transport: v.transport === 'TCP' ? 'tcp' : 'udp', address: host.replace(/^\[|\]$/g, ''), port },
    fallback: { host, port: v.port ?? 5060 },
  };
}

/** The URI of a Route or Record-Route value. */
export function routeUri(value: string): SipUri | undefined {
  const na = parseNameAddr(value);
  return na === undefined || na.star ? undefined : parseUri(na.uri);
}

const TIMER_C_MS = 180_000;

export type BranchState = 'calling' | 'proceeding' | 'done';

/**
 * The INVITE client transaction of one branch: sends the INVITE, retransmits it over UDP at T1,
 * 2·T1, … until any response (Timer A), and reports a timeout after 64·T1 without a final
 * response (Timer B; once ringing, the call's own ring timeout ends it first).
 */
export class InviteClient {
  state: BranchState = 'calling';
  private retransmit: TimerHandle | undefined;
  private giveUp: TimerHandle | undefined;
  private intervalMs: number;

  constructor(
    private readonly send: () => boolean,
    private readonly reliable: boolean,
    private readonly timers: { readonly t1Ms: number; readonly t2Ms: number },
    private readonly clock: Clock,
    private readonly onTimeout: () => void,
  ) {
    this.intervalMs = timers.t1Ms;
  }

  start(): boolean {
    if (!this.send()) return false;
    this.armGiveUp(64 * this.timers.t1Ms);
    if (!this.reliable) this.arm();
    return true;
  }

  private arm(): void {
    this.retransmit = this.clock.setTimer(this.clock.now() + this.intervalMs, () => {
      this.retransmit = undefined;
      if (this.state !== 'calling') return;
      this.send();
      this.intervalMs = Math.min(this.intervalMs * 2, this.timers.t2Ms);
      this.arm();
    });
  }

  private armGiveUp(ms: number): void {
    this.giveUp = this.clock.setTimer(this.clock.now() + ms, () => {
      this.giveUp = undefined;
      if (this.state === 'done') return;
      this.finish();
      this.onTimeout();
    });
  }

  /** A provisional response: no more retransmissions; Timer C (3 minutes) replaces Timer B (§16.6 step 11). */
  provisional(): void {
    if (this.state !== 'calling') return;
    this.state = 'proceeding';
    this.clearTimers();
    this.armGiveUp(TIMER_C_MS);
  }

  finish(): void {
    this.state = 'done';
    this.clearTimers();
  }

  private clearTimers(): void {
    if (this.retransmit !== undefined) this.clock.clearTimer(this.retransmit);
    if (this.giveUp !== undefined) this.clock.clearTimer(this.giveUp);
    this.retransmit = undefined;
    this.giveUp = undefined;
  }
}
