// S7.4 Calls: a stateful proxy between the tenant's extensions, groups and queues. The routing
// decision comes from the core (`call.route`, the function behind `POST /api/v1/route`); this
// file only carries it out: forks the INVITE to the registered contacts with the decision's
// delays, runs its action when nobody can ring, follows queue offers (engine directives), and
// tells the engine about every leg (S1.2, call-state.ts). Feature codes (S4.5) are answered here
// directly.
// The fork and its responses are call-fork.ts; queue offers are call-queue.ts.
import { APP_WHILE_FORWARDING, ERRORS } from '../core/index.js';
import type {
  ActionDecision,
  CallRequest,
  Command,
  Decision,
  Owner,
  RouteTarget,
  TenantId,
  UserId,
} from '../core/index.js';
import { actionAnswer, inactiveAnswer, numberContact, warningValue } from './call-answers.js';
import type { Call } from './call-state.js';
import { DIALLED, newCall, noHopsLeft } from './call-state.js';
import { tenantOf } from './context.js';
import { parseNameAddr, parseUri } from './headers.js';
import type { HeaderList, SipRequest } from './message.js';
import { detach, header, serializeRequest } from './message.js';
import type { Hop } from './proxy.js';
import { forwardedRequest, statelessBranch } from './proxy.js';
import type { Incoming } from './request.js';
import { reasonPhrase, sipStatus } from './refusals.js';
import { buildResponse, checkRequest, newTag, rawOf, stampVia } from './request.js';
import type { Flow } from './transport.js';
import { CallWait } from './call-wait.js';

export { DEFAULT_CALLS } from './call-state.js';
export type { CallOptions, CallPorts } from './call-state.js';

/** RFC 3264 §8.4: an offer that is `sendonly` or `inactive` (or the old `c=0.0.0.0`) puts the other side on hold. */
export function isHold(sdp: string): boolean {
  return /^a=(sendonly|inactive)\s*$/m.test(sdp) || /^c=IN IP4 0\.0\.0\.0\s*$/m.test(sdp);
}

export class CallManager extends CallWait {
  // ---------------------------------------------------------------------------------------------
  // A new INVITE

  async invite(inc: Incoming): Promise<void> {
    const { ctx } = this;
    // An in-dialog INVITE of a call we do not know (§12.2.2).
    if (inc.toTag !== undefined) return ctx.reply(inc, 481, 'Call/Transaction Does Not Exist');
    if (inc.req.body.length > this.options.maxInviteBodyBytes) return ctx.reply(inc, 413, 'Request Entity Too Large');
    const t = tenantOf(ctx, inc.ruri.host);
    if (t === undefined) return ctx.reply(inc, 404, 'Not Found (unknown domain)');
    // §16.3 step 3.
    if (noHopsLeft(inc)) return ctx.reply(inc, 483, 'Too Many Hops');
    // §22.3: a proxy challenges with 407 and Proxy-Authenticate.
    const auth = ctx.auth.authenticate(inc, t.tenant, t.domain);
    if (!auth.ok) {
      if (auth.status !== 401) return ctx.reply(inc, auth.status, auth.reason, auth.headers);
      return ctx.reply(
        inc,
        407,
        'Proxy Authentication Required',
        auth.headers.map(([k, v]) => [k.toLowerCase() === 'www-authenticate' ? 'Proxy-Authenticate' : k, v] as const),
      );
    }
    const dialled = inc.ruri.user;
    if (dialled === undefined || !DIALLED.test(dialled)) return ctx.reply(inc, 404, 'Not Found');
    // The same Call-ID on a new branch while the call runs: a loop or a merged request (§8.2.2.2).
    if (this.calls.has(inc.callId)) return ctx.reply(inc, 482, 'Loop Detected');
    const userKey = `${t.tenant}\u0000${auth.userId}`;
    if ((this.perUser.get(userKey) ?? 0) >= this.options.maxCallsPerUser) {
      return ctx.reply(inc, sipStatus('SWB_ERR_CALL_LIMIT'), 'Forbidden (too many calls)', [
        ['Warning', warningValue(this.ports.self().host, `SWB_ERR_CALL_LIMIT: ${ERRORS.SWB_ERR_CALL_LIMIT}`)],
      ]);
    }
    if ((this.perTenant.get(t.tenant) ?? 0) >= this.options.maxCallsPerTenant) {
      return ctx.reply(inc, 503, 'Service Unavailable (too many calls)', [
        ['Retry-After', '5'],
        ['Warning', warningValue(this.ports.self().host, `SWB_ERR_CALL_LIMIT: ${ERRORS.SWB_ERR_CALL_LIMIT}`)],
      ]);
    }
    // §16.2: 100 Trying at once, so the caller stops retransmitting.
    ctx.reply(inc, 100, 'Trying');
    if (dialled.startsWith('*')) return this.featureCode(inc, t, auth.userId, dialled);

    const request: CallRequest = {
      callId: detach(inc.callId),
      from: { userId: auth.userId, device: auth.kind },
      to: { kind: 'extension', extension: dialled },
    };
    const call = this.open(newCall('proxy', inc, t, auth.userId, auth.extension, request));
    this.perTenant.set(t.tenant, (this.perTenant.get(t.tenant) ?? 0) + 1);
    this.perUser.set(userKey, (this.perUser.get(userKey) ?? 0) + 1);
    // Queue offers (engine directives) may arrive before the decision does: the call is known first.
    const out = await this.engine(call, { type: 'call.route', call: request });
    call.routing = false;
    if (call.final) return this.leaveQueue(call, out);
    if (out === undefined) return this.answer(call, { status: 500, reason: 'Server Internal Error' });
    this.execute(call, out, false);
  }

  private open(call: Call): Call {
    this.calls.set(call.id, call);
    return call;
  }

  /** Routes through the engine; the decision, or undefined after logging a refusal. */
  private async engine(call: Call, command: Extract<Command, { type: 'call.route' }>): Promise<Decision | undefined> {
    try {
      const out = await this.ctx.engine.dispatch(call.tenant, command);
      if (out.ok) return out.reply;
      this.ctx.log('warn', { code: out.code, call: call.id }, 'call routing refused');
    } catch (e) {
      this.ctx.log('warn', { err: (e as Error).message, call: call.id }, 'call routing failed');
    }
    return undefined;
  }

  /** The caller gave up while the engine was routing: a queue the call joined meanwhile lets it go. */
  private leaveQueue(call: Call, d: Decision | undefined): void {
    if (d?.outcome === 'queue' && call.queueId === undefined)
      void this.legs.submit(call, { type: 'queue.call.abandon', queueId: d.target.id, callId: call.id });
  }

  /** Carries out a decision. `diverted`: reached through forwarding or a redirect, so an outside number is a redirect. */
  private execute(call: Call, d: Decision, diverted: boolean): void {
    if (call.screening) {
      // S11.5: a status under which the call still rings leaves it ringing; anything else stops it first.
      call.screening = false;
      if (d.outcome === 'ring') return this.checkDone(call);
      this.stopRinging(call);
      call.members = [];
    }
    switch (d.outcome) {
      case 'ring':
        return this.ring(call, d.target, d.ring, d.timeoutSec, d.onNoAnswer);
      case 'action':
        if (d.next !== undefined) return this.execute(call, d.next, true);
        return this.runAction(call, d.action);
      case 'forward':
        if (d.next !== undefined && d.next.outcome !== 'external') return this.execute(call, d.next, true);
        return this.answer(call, {
          status: 302,
          reason: 'Moved Temporarily',
          contact: numberContact(d.to, call.domain),
        });
      case 'reject':
        if (d.reason === 'caller blocked')
          return this.answer(call, { status: 403, reason: 'Forbidden (calls from this user are blocked)' });
        // S11.7: 403 like a blocked caller; the Warning names the rule for the app's call log.
        if (d.reason === APP_WHILE_FORWARDING)
          return this.answer(call, {
            status: 403,
            reason: 'Forbidden (forwarding: calls from the app are blocked)',
            warning: 'S11.7: you forward your calls, so your app cannot call out; your desk phone can',
          });
        return this.answer(call, { status: 480, reason: 'Temporarily Unavailable' });
      case 'queue':
        // S4.3: the engine offers the call to agents (queue.offer directives); the caller waits.
        call.queueId = d.target.id;
        this.legs.caller(call, 'ringing');
        if (!call.final) this.ctx.reply(call.inc, 182, 'Queued');
        return;
      case 'wait':
        // S11.4: held until the user's call ends (call-wait.ts).
        return this.hold(call, d);
      case 'external':
        if (diverted)
          return this.answer(call, {
            status: 302,
            reason: 'Moved Temporarily',
            contact: numberContact(d.number, call.domain),
          });
        return this.answer(call, { status: 404, reason: 'Not Found (not an extension of this company)' });
    }
  }

  /** S3.2: an answering action: a diversion is routed again (one level, S3.5), anything else is a final response. */
  protected runAction(call: Call, a: ActionDecision, overflow = false): void {
    const action = a.action;
    call.ending.action = { condition: overflow ? 'overflow' : a.condition, type: action.type };
    if (action.type === 'redirect') return void this.reroute(call, action.target, a.owner);
    if (action.type === 'queue') return void this.reroute(call, { kind: 'queue', id: action.queueId }, undefined);
    this.answer(call, actionAnswer(action, call.domain));
  }

  /** S11.4, S11.5: the call routed again as it stands (the user's call ended, or their status changed). */
  protected routeAgain(call: Call): Promise<void> {
    return this.reroute(call, call.request.to, undefined);
  }

  private async reroute(call: Call, to: RouteTarget, divertedBy: Owner | undefined): Promise<void> {
    if (call.final) return;
    call.routing = true;
    call.request = {
      ...call.request,
      to,
      ...(divertedBy !== undefined ? { divertedBy: call.request.divertedBy ?? divertedBy } : {}),
    };
    const d = await this.engine(call, { type: 'call.route', call: call.request });
    call.routing = false;
    if (call.final) return this.leaveQueue(call, d);
    if (d === undefined) return this.answer(call, { status: 480, reason: 'Temporarily Unavailable' });
    this.execute(call, d, divertedBy !== undefined);
  }

  // ---------------------------------------------------------------------------------------------
  // CANCEL, ACK and requests inside a dialog

  /** §16.10: the caller gives up: every branch is cancelled and the caller gets 487. */
  cancel(inc: Incoming): void {
    const call = this.calls.get(inc.callId);
    if (
      call === undefined ||
      call.kind !== 'proxy' ||
      call.inc.topVia.params.get('branch') !== inc.topVia.params.get('branch')
    ) {
      return this.ctx.reply(inc, 481, 'Call/Transaction Does Not Exist');
    }
    this.ctx.reply(inc, 200, 'OK');
    if (call.final) return;
    call.ending.cancelled = true;
    if (call.queueId !== undefined)
      void this.legs.submit(call, { type: 'queue.call.abandon', queueId: call.queueId, callId: call.id });
    this.stopRinging(call);
    this.legs.missed(call);
    this.answer(call, { status: 487, reason: 'Request Terminated' });
  }

  /** An ACK: of our own non-2xx answer (absorbed, §17.2.1), or of a 2xx, passed on end to end. */
  ack(req: SipRequest, flow: Flow): void {
    const checked = checkRequest(req, flow);
    if (!checked.ok) return;
    const inc = checked.inc;
    const call = this.calls.get(inc.callId);
    if (call === undefined) return;
    if (call.kind === 'fac' || inc.topVia.params.get('branch') === call.inc.topVia.params.get('branch'))
      return this.acked(call);
    this.forwardInDialog(call, inc);
  }

  /** BYE, re-INVITE, UPDATE, INFO… of a call through us: passed to the other party (§16.6, stateless). */
  inDialog(inc: Incoming): void {
    const call = this.calls.get(inc.callId);
    if (call === undefined) return this.ctx.reply(inc, 481, 'Call/Transaction Does Not Exist');
    if (call.kind === 'fac') {
      if (inc.req.method === 'BYE') {
        this.ctx.reply(inc, 200, 'OK');
        return this.end(call);
      }
      return this.ctx.reply(
        inc,
        inc.req.method === 'INVITE' ? 488 : 200,
        inc.req.method === 'INVITE' ? 'Not Acceptable Here' : 'OK',
      );
    }
    if (noHopsLeft(inc)) return this.ctx.reply(inc, 483, 'Too Many Hops');
    if (!this.forwardInDialog(call, inc)) return this.ctx.reply(inc, 481, 'Call/Transaction Does Not Exist');
    // S1.2: a BYE from either side ends both legs.
    if (inc.req.method === 'BYE') return this.end(call);
    // S1.2: a re-INVITE offering no media back (RFC 3264 §8.4) holds the call; one that does resumes it.
    const b = call.answered;
    if (inc.req.method === 'INVITE' && b !== undefined && !call.ended && inc.req.body.length > 0) {
      const state = isHold(inc.req.body.toString('utf8')) ? 'held' : 'answered';
      this.legs.caller(call, state);
      this.legs.callee(call, b.userId, state, b.queueId);
    }
  }

  private forwardInDialog(call: Call, inc: Incoming): boolean {
    const fromCaller = inc.fromTag === call.callerTag;
    let hop: Hop | undefined;
    if (fromCaller) {
      const b = call.answered ?? call.branches.find((x) => x.toTag !== undefined && x.toTag === inc.toTag);
      hop = b?.hop;
    } else {
      const contact = parseNameAddr(header(call.inc.req, 'contact') ?? '');
      const uri = contact === undefined || contact.star ? undefined : parseUri(contact.uri);
      hop = {
        flow: call.inc.flow,
        ...(uri !== undefined ? { fallback: { host: uri.host, port: uri.port ?? 5060 } } : {}),
      };
    }
    if (hop === undefined) return false;
    const self = this.ports.self();
    const branch = statelessBranch(inc.topVia.params.get('branch') ?? '', inc.callId, inc.req.method);
    const { bytes } = forwardedRequest(inc.req, {
      uri: inc.req.uri,
      via: `SIP/2.0/${hop.flow.transport.toUpperCase()} ${self.host}:${self.port};branch=${branch};rport`,
      stampedVia: stampVia(inc.vias[0]!, inc.flow),
      isOwnRoute: this.isOwnRoute,
      dropCredentials: false,
    });
    return this.ports.send(hop, bytes);
  }

  // ---------------------------------------------------------------------------------------------
  // S4.5: feature codes, answered by the server

  private async featureCode(
    inc: Incoming,
    t: { tenant: TenantId; domain: string },
    userId: UserId,
    digits: string,
  ): Promise<void> {
    const { ctx } = this;
    const self = this.ports.self();
    let out;
    try {
      out = await ctx.engine.dispatch(t.tenant, { type: 'fac.dial', userId, digits });
    } catch (e) {
      ctx.log('warn', { err: (e as Error).message }, 'feature code failed');
      return ctx.reply(inc, 500, 'Server Internal Error');
    }
    if (!out.ok) {
      // S7.4: the status is the registry's (404 for an unknown code, 403 for a code the user cannot use).
      const status = sipStatus(out.code);
      const reason = out.code === 'SWB_ERR_FAC_UNKNOWN' ? 'Not Found (unknown feature code)' : reasonPhrase(status);
      return ctx.reply(inc, status, reason, [['Warning', warningValue(self.host, `${out.code}: ${out.message}`)]]);
    }
    // The code is done: the call connects without media and the server hangs up after a moment.
    const call = this.open(
      newCall('fac', inc, t, userId, '', { callId: detach(inc.callId), to: { kind: 'extension', extension: digits } }),
    );
    call.routing = false;
    call.final = true;
    const localTag = newTag();
    const sdp = inactiveAnswer(inc.req.body.toString('utf8'), self.host, Math.floor(ctx.now() / 1000));
    const headers: HeaderList = [
      ['Contact', `<sip:${self.host}:${self.port}${inc.flow.transport === 'tcp' ? ';transport=tcp' : ''}>`],
      ['Content-Type', 'application/sdp'],
    ];
    this.finalToCaller(call, 200, buildResponse(rawOf(inc), inc.flow, 200, 'OK', headers, sdp, localTag));
    const contact = parseNameAddr(header(inc.req, 'contact') ?? '');
    const target = contact === undefined || contact.star ? undefined : parseUri(contact.uri);
    if (target === undefined) return this.end(call);
    this.later(call, this.options.facHangupMs, () => {
      if (call.ended) return;
      this.end(call);
      this.ports.outgoing.request(
        inc.flow,
        { host: target.host, port: target.port ?? 5060 },
        (via) =>
          serializeRequest('BYE', contact!.uri, [
            ['Via', via],
            ['Max-Forwards', '70'],
            ['From', `${inc.rawTo};tag=${localTag}`],
            ['To', inc.rawFrom],
            ['Call-ID', inc.callId],
            ['CSeq', '1 BYE'],
          ]),
        () => {},
      );
    });
  }
}
