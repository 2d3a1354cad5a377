// S7.4 Calls: a stateful proxy between the tenant's extensions, groups and queues. The routing
// decision comes from the core (`call.route`, the function behind `POST /api/v1/route`); this
// file only carries it out: forks the INVITE to the registered contacts with the decision's
// delays, runs its action when nobody can ring, follows queue offers (engine directives), and
// tells the engine about every leg (S1.2, call-state.ts). Feature codes (S4.5) are answered here
// directly.
import { ERRORS } from '../core/index.js';
import type { ActionDecision, CallRequest, Command, Decision, Directive, LegState, Owner, QueueId, RingEntry, RouteTarget, TenantId, UserId } from '../core/index.js';
import type { FinalAnswer } from './call-answers.js';
import { actionAnswer, inactiveAnswer, numberContact, warningValue } from './call-answers.js';
import type { Branch, Call, CallOptions, CallPorts } from './call-state.js';
import { CallLegs, DEFAULT_CALLS, DIALLED, better, newCall, noHopsLeft } from './call-state.js';
import type { SipContext } from './context.js';
import { tenantOf } from './context.js';
import { parseCSeq, parseNameAddr, parseUri, parseVia } from './headers.js';
import type { HeaderList, SipRequest, SipResponse } from './message.js';
import { detach, header, headerValues, serializeRequest } from './message.js';
import type { Hop, SentInvite } from './proxy.js';
import { FORK_BRANCH, InviteClient, STATELESS_BRANCH, ackFor, cancelFor, forkBranch, forwardedRequest, hopOfUri, routeUri, statelessBranch, viaHop, withoutTopVia } from './proxy.js';
import type { Binding } from './registrar.js';
import type { Incoming } from './request.js';
import { reasonPhrase, sipStatus } from './refusals.js';
import { buildResponse, checkRequest, newTag, rawOf, stampVia } from './request.js';
import type { Flow } from './transport.js';

export { DEFAULT_CALLS } from './call-state.js';
export type { CallOptions, CallPorts } from './call-state.js';

/** RFC 3264 §8.4: an offer that is `sendonly` or `inactive` (or the old `c=0.0.0.0`) puts the other side on hold. */
export function isHold(sdp: string): boolean {
  return /^a=(sendonly|inactive)\s*$/m.test(sdp) || /^c=IN IP4 0\.0\.0\.0\s*$/m.test(sdp);
}

export class CallManager {
  private readonly calls = new Map<string, Call>();
  private readonly branches = new Map<string, Branch>();
  private readonly perTenant = new Map<TenantId, number>();
  private readonly perUser = new Map<string, number>();
  private readonly lingering = new Set<NodeJS.Timeout>();
  private readonly legs: CallLegs;

  constructor(
    private readonly ctx: SipContext,
    private readonly ports: CallPorts,
    private readonly options: CallOptions = DEFAULT_CALLS,
  ) {
    this.legs = new CallLegs(ctx);
  }

  get size(): number {
    let n = 0;
    for (const c of this.calls.values()) if (!c.ended) n++;
    return n;
  }

  /** Does this Call-ID belong to a call through us (its in-dialog requests are ours to route)? */
  has(callId: string): boolean {
    return this.calls.has(callId);
  }

  /** Is this Route value us (§16.4)? Our address, or a SIP domain we serve, on our port. */
  isOwnRoute = (value: string): boolean => {
    const uri = routeUri(value);
    if (uri === undefined) return false;
    const self = this.ports.self();
    if ((uri.port ?? 5060) !== self.port) return false;
    return uri.host === self.host || uri.host === 'localhost' || uri.host === '127.0.0.1' || tenantOf(this.ctx, uri.host) !== undefined;
  };

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
      return ctx.reply(inc, 407, 'Proxy Authentication Required', auth.headers.map(([k, v]) => [k.toLowerCase() === 'www-authenticate' ? 'Proxy-Authenticate' : k, v] as const));
    }
    const dialled = inc.ruri.user;
    if (dialled === undefined || !DIALLED.test(dialled)) return ctx.reply(inc, 404, 'Not Found');
    // The same Call-ID on a new branch while the call runs: a loop or a merged request (§8.2.2.2).
    if (this.calls.has(inc.callId)) return ctx.reply(inc, 482, 'Loop Detected');
    const userKey = `${t.tenant}\u0000${auth.userId}`;
    if ((this.perUser.get(userKey) ?? 0) >= this.options.maxCallsPerUser) {
      return ctx.reply(inc, sipStatus('SWB_ERR_CALL_LIMIT'), 'Forbidden (too many calls)', [['Warning', warningValue(this.ports.self().host, `SWB_ERR_CALL_LIMIT: ${ERRORS.SWB_ERR_CALL_LIMIT}`)]]);
    }
    if ((this.perTenant.get(t.tenant) ?? 0) >= this.options.maxCallsPerTenant) {
      return ctx.reply(inc, 503, 'Service Unavailable (too many calls)', [['Retry-After', '5'], ['Warning', warningValue(this.ports.self().host, `SWB_ERR_CALL_LIMIT: ${ERRORS.SWB_ERR_CALL_LIMIT}`)]]);
    }
    // §16.2: 100 Trying at once, so the caller stops retransmitting.
    ctx.reply(inc, 100, 'Trying');
    if (dialled.startsWith('*')) return this.featureCode(inc, t, auth.userId, dialled);

    const request: CallRequest = { callId: detach(inc.callId), from: { userId: auth.userId }, to: { kind: 'extension', extension: dialled } };
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
      if (out.ok) return out.reply as Decision;
      this.ctx.log('warn', { code: out.code, call: call.id }, 'call routing refused');
    } catch (e) {
      this.ctx.log('warn', { err: (e as Error).message, call: call.id }, 'call routing failed');
    }
    return undefined;
  }

  /** The caller gave up while the engine was routing: a queue the call joined meanwhile lets it go. */
  private leaveQueue(call: Call, d: Decision | undefined): void {
    if (d?.outcome === 'queue' && call.queueId === undefined) void this.legs.submit(call, { type: 'queue.call.abandon', queueId: d.target.id, callId: call.id });
  }

  /** Carries out a decision. `diverted`: reached through forwarding or a redirect, so an outside number is a redirect. */
  private execute(call: Call, d: Decision, diverted: boolean): void {
    switch (d.outcome) {
      case 'ring':
        return this.ring(call, d.target, d.ring, d.timeoutSec, d.onNoAnswer);
      case 'action':
        if (d.next !== undefined) return this.execute(call, d.next, true);
        return this.runAction(call, d.action);
      case 'forward':
        if (d.next !== undefined && d.next.outcome !== 'external') return this.execute(call, d.next, true);
        return this.answer(call, { status: 302, reason: 'Moved Temporarily', contact: numberContact(d.to, call.domain) });
      case 'reject':
        if (d.reason === 'caller blocked') return this.answer(call, { status: 403, reason: 'Forbidden (calls from this user are blocked)' });
        return this.answer(call, { status: 480, reason: 'Temporarily Unavailable' });
      case 'queue':
        // S4.3: the engine offers the call to agents (queue.offer directives); the caller waits.
        call.queueId = d.target.id;
        this.legs.caller(call, 'ringing');
        if (!call.final) this.ctx.reply(call.inc, 182, 'Queued');
        return;
      case 'external':
        if (diverted) return this.answer(call, { status: 302, reason: 'Moved Temporarily', contact: numberContact(d.number, call.domain) });
        return this.answer(call, { status: 404, reason: 'Not Found (not an extension of this company)' });
    }
  }

  /** S3.2: an answering action: a diversion is routed again (one level, S3.5), anything else is a final response. */
  private runAction(call: Call, a: ActionDecision): void {
    const action = a.action;
    if (action.type === 'redirect') return void this.reroute(call, action.target, a.owner);
    if (action.type === 'queue') return void this.reroute(call, { kind: 'queue', id: action.queueId }, undefined);
    this.answer(call, actionAnswer(action, call.domain));
  }

  private async reroute(call: Call, to: RouteTarget, divertedBy: Owner | undefined): Promise<void> {
    if (call.final) return;
    call.routing = true;
    call.request = { ...call.request, to, ...(divertedBy !== undefined ? { divertedBy: call.request.divertedBy ?? divertedBy } : {}) };
    const d = await this.engine(call, { type: 'call.route', call: call.request });
    call.routing = false;
    if (call.final) return this.leaveQueue(call, d);
    if (d === undefined) return this.answer(call, { status: 480, reason: 'Temporarily Unavailable' });
    this.execute(call, d, divertedBy !== undefined);
  }

  /** S3.1#7, S3.3: ring the devices of the decision, each after its delay, until the ring timeout. */
  private ring(call: Call, target: Owner, entries: readonly RingEntry[], timeoutSec: number, onNoAnswer: ActionDecision): void {
    call.target = target;
    call.onNoAnswer = onNoAnswer;
    const plan: { entry: RingEntry; binding: Binding }[] = [];
    for (const entry of entries) {
      // An outside number rung for a forwarding group member cannot ring here: no trunk.
      if (entry.userId === undefined || entry.deviceId === undefined) continue;
      const binding = this.ports.bindings(call.tenant, entry.userId).find((b) => b.id === entry.deviceId);
      if (binding !== undefined) plan.push({ entry, binding });
    }
    if (plan.length === 0) return this.answer(call, { status: 480, reason: 'Temporarily Unavailable', warning: 'no registered device can ring' });
    this.legs.caller(call, 'ringing');
    call.pendingStarts += plan.length;
    for (const { entry, binding } of plan) {
      const start = (): void => {
        call.pendingStarts--;
        if (call.final) return;
        const b = this.startBranch(call, entry.userId!, binding, undefined);
        // Hunt strategies: the member stops ringing when the next one starts.
        if (b !== undefined && entry.stopSec !== undefined) this.later(call, (entry.stopSec - entry.startSec) * 1000, () => this.cancelBranch(b));
        if (b === undefined) this.checkDone(call);
      };
      if (entry.startSec > 0) this.later(call, entry.startSec * 1000, start);
      else start();
    }
    this.later(call, timeoutSec * 1000, () => this.noAnswer(call));
  }

  private later(call: Call, ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      call.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    call.timers.add(t);
  }

  private hopOf(binding: Binding, contact: string): Hop | undefined {
    const uri = parseUri(contact);
    if (uri === undefined) return undefined;
    const colon = binding.source.lastIndexOf(':');
    const address = binding.source.slice(0, colon);
    const port = Number(binding.source.slice(colon + 1));
    if (binding.transport === 'tcp') {
      // The phone's own connection when it is still open (it may not accept new ones).
      const flow = colon > 0 ? this.ports.connection(address, port) : undefined;
      return flow !== undefined ? { flow, fallback: { host: uri.host, port: uri.port ?? 5060 } } : hopOfUri(uri);
    }
    // UDP: where the REGISTER came from (the phone may sit behind NAT, RFC 3581).
    return colon > 0 && Number.isInteger(port) ? { flow: { transport: 'udp', address, port } } : hopOfUri(uri);
  }

  /** §16.6: one branch of the fork, to one registered contact. */
  private startBranch(call: Call, userId: UserId, binding: Binding, queueId: QueueId | undefined): Branch | undefined {
    const hop = this.hopOf(binding, binding.uri);
    if (hop === undefined) return undefined;
    const self = this.ports.self();
    const id = forkBranch();
    const via = `SIP/2.0/${hop.flow.transport.toUpperCase()} ${self.host}:${self.port};branch=${id};rport`;
    const { bytes, routes } = forwardedRequest(call.inc.req, {
      uri: binding.uri,
      via,
      stampedVia: stampVia(call.inc.vias[0]!, call.inc.flow),
      recordRoute: `<sip:${self.host}:${self.port};lr>`,
      isOwnRoute: this.isOwnRoute,
      dropCredentials: true,
    });
    const sent: SentInvite = { uri: binding.uri, via, from: call.inc.rawFrom, to: call.inc.rawTo, callId: call.id, cseq: call.inc.cseq.seq, routes };
    const branch: Branch = { id, call, userId, queueId, hop, sent, tx: undefined as unknown as InviteClient, cancelWanted: false, toTag: undefined };
    branch.tx = new InviteClient(() => this.ports.send(hop, bytes), hop.flow.transport === 'tcp', this.ports.timers, () => this.branchFailed(branch));
    this.branches.set(id, branch);
    call.branches.push(branch);
    if (!branch.tx.start()) {
      branch.tx.finish();
      this.branches.delete(id);
      call.branches.splice(call.branches.indexOf(branch), 1);
      return undefined;
    }
    return branch;
  }

  private cancelBranch(b: Branch): void {
    if (b.tx.state === 'done' || b.cancelWanted || b === b.call.answered) return;
    b.cancelWanted = true;
    // §9.1: a CANCEL only after a provisional response; until then it waits for one.
    if (b.tx.state === 'proceeding') this.ports.send(b.hop, cancelFor(b.sent));
    this.branchEnded(b);
  }

  /** Timer B: the branch never answered. */
  private branchFailed(b: Branch): void {
    this.branchEnded(b);
    this.checkDone(b.call);
  }

  /** The callee's leg ends when none of their branches is still ringing. */
  private branchEnded(b: Branch): void {
    const call = b.call;
    if (b === call.answered) return;
    const live = call.branches.some((x) => x.userId === b.userId && x !== b && x.tx.state !== 'done' && !x.cancelWanted);
    if (!live) this.legs.callee(call, b.userId, 'ended', b.queueId);
  }

  // ---------------------------------------------------------------------------------------------
  // Responses

  /** A response to something we sent; true when it was ours to handle. */
  response(res: SipResponse): boolean {
    const top = headerValues(res, 'via')[0];
    const branchId = top === undefined ? undefined : parseVia(top)?.params.get('branch');
    if (branchId === undefined || !(branchId.startsWith(FORK_BRANCH) || branchId.startsWith(STATELESS_BRANCH))) return false;
    const b = this.branches.get(branchId);
    const cseq = parseCSeq(header(res, 'cseq') ?? '');
    if (b === undefined || cseq === undefined) {
      this.forwardResponse(res);
      return true;
    }
    if (cseq.method === 'CANCEL') return true; // the answer to our CANCEL: the INVITE's own answer follows
    if (cseq.method !== 'INVITE') return true;
    this.branchResponse(b, res);
    return true;
  }

  /** Stateless: the response goes to the Via below ours. */
  private forwardResponse(res: SipResponse): void {
    const next = headerValues(res, 'via')[1];
    const hop = next === undefined ? undefined : viaHop(next);
    if (hop === undefined) return;
    const flow = hop.flow.transport === 'tcp' ? (this.ports.connection(hop.flow.address, hop.flow.port) ?? hop.flow) : hop.flow;
    this.ports.send({ flow, ...(hop.fallback !== undefined ? { fallback: hop.fallback } : {}) }, withoutTopVia(res));
  }

  private branchResponse(b: Branch, res: SipResponse): void {
    const call = b.call;
    const tag = parseNameAddr(header(res, 'to') ?? '')?.params.get('tag');
    if (tag !== undefined) b.toTag = detach(tag);
    if (res.status < 200) {
      const first = b.tx.state === 'calling';
      b.tx.provisional();
      if (b.cancelWanted) {
        if (first) this.ports.send(b.hop, cancelFor(b.sent));
        return;
      }
      if (res.status === 100 || call.final) return;
      // S1.2: 180 rings; 183 (early media) is `early`.
      const state: LegState = res.status === 183 ? 'early' : 'ringing';
      call.rang.add(b.userId);
      this.legs.callee(call, b.userId, state, b.queueId);
      this.legs.caller(call, state);
      this.ports.relay(call.inc, res.status, withoutTopVia(res));
      return;
    }
    const retransmitted = b.tx.state === 'done' && !b.cancelWanted;
    b.tx.finish();
    if (res.status < 300) {
      // §16.7 step 5: every 2xx goes to the caller, even after another branch answered.
      this.ports.relay(call.inc, res.status, withoutTopVia(res));
      if (call.final || retransmitted) return;
      this.answered(call, b);
      return;
    }
    // §16.7 step 4 / §17.1.1.3: we ACK a non-2xx final response ourselves.
    this.ports.send(b.hop, ackFor(b.sent, res));
    if (retransmitted) return;
    if (!b.cancelWanted && (call.best === undefined || better(res, call.best))) call.best = res;
    this.branchEnded(b);
    this.checkDone(call);
  }

  private answered(call: Call, b: Branch): void {
    call.answered = b;
    call.final = true;
    this.clearTimers(call);
    for (const other of call.branches) if (other !== b) this.cancelBranch(other);
    for (const [userId, leg] of call.legs) if (userId !== b.userId && leg.state !== 'ended') this.legs.callee(call, userId, 'ended', leg.queueId);
    this.legs.callee(call, b.userId, 'answered', b.queueId);
    this.legs.caller(call, 'answered');
    call.queueId = undefined;
    call.maxTimer = setTimeout(() => this.end(call), this.options.maxCallMs);
    call.maxTimer.unref();
  }

  /** Nothing rings any more and nothing will: the best answer goes to the caller (§16.7 step 6). */
  private checkDone(call: Call): void {
    if (call.final || call.routing || call.queueId !== undefined || call.pendingStarts > 0) return;
    if (call.branches.some((b) => b.tx.state !== 'done' && !b.cancelWanted)) return;
    const best = call.best;
    if (best === undefined) return this.answer(call, { status: 480, reason: 'Temporarily Unavailable', warning: 'no device answered' });
    call.final = true;
    this.finalToCaller(call, best.status, withoutTopVia(best));
    this.end(call);
  }

  /** S3.1#7, S3.3: the ring timeout ran out: the no-answer action. */
  private noAnswer(call: Call): void {
    if (call.final) return;
    this.stopRinging(call);
    this.legs.missed(call);
    if (call.onNoAnswer !== undefined) this.runAction(call, call.onNoAnswer);
    else this.answer(call, { status: 480, reason: 'Temporarily Unavailable' });
  }

  private stopRinging(call: Call): void {
    this.clearTimers(call);
    for (const b of call.branches) this.cancelBranch(b);
    for (const [userId, leg] of call.legs) if (leg.state !== 'answered' && leg.state !== 'ended') this.legs.callee(call, userId, 'ended', leg.queueId);
  }

  private clearTimers(call: Call): void {
    for (const t of call.timers) clearTimeout(t);
    call.timers.clear();
    call.pendingStarts = 0;
  }

  /** A final response of our own to the caller; the call is over. */
  private answer(call: Call, a: FinalAnswer): void {
    if (call.final) return;
    call.final = true;
    const headers: [string, string][] = [];
    if (a.contact !== undefined) headers.push(['Contact', a.contact]);
    if (a.warning !== undefined) headers.push(['Warning', warningValue(this.ports.self().host, a.warning)]);
    this.finalToCaller(call, a.status, buildResponse(rawOf(call.inc), call.inc.flow, a.status, a.reason, headers));
    this.end(call);
  }

  /**
   * §17.2.1 Timer G (and §13.3.1.4 for a 2xx we send ourselves): over UDP our final answer is
   * sent again at T1, 2·T1 … T2 until the caller's ACK, for at most 64·T1.
   */
  private finalToCaller(call: Call, status: number, bytes: Buffer): void {
    this.ports.relay(call.inc, status, bytes);
    if (call.inc.flow.transport !== 'udp') return;
    const { t1Ms, t2Ms } = this.ports.timers;
    let intervalMs = t1Ms;
    let elapsedMs = 0;
    const arm = (): void => {
      call.resend = setTimeout(() => {
        elapsedMs += intervalMs;
        if (elapsedMs >= 64 * t1Ms) return;
        this.ports.send({ flow: call.inc.flow }, bytes);
        intervalMs = Math.min(intervalMs * 2, t2Ms);
        arm();
      }, intervalMs);
      call.resend.unref();
    };
    arm();
  }

  private acked(call: Call): void {
    if (call.resend !== undefined) clearTimeout(call.resend);
    call.resend = undefined;
  }

  /** The call is over: every leg ends (S1.2); it is remembered a little longer for stragglers. */
  private end(call: Call): void {
    if (call.ended) return;
    call.ended = true;
    call.final = true;
    this.stopRinging(call);
    for (const [userId, leg] of call.legs) if (leg.state !== 'ended') this.legs.callee(call, userId, 'ended', leg.queueId);
    this.legs.caller(call, 'ended');
    if (call.maxTimer !== undefined) clearTimeout(call.maxTimer);
    if (call.kind === 'proxy') {
      const userKey = `${call.tenant}\u0000${call.caller}`;
      this.count(this.perTenant, call.tenant);
      this.count(this.perUser, userKey);
    }
    const t = setTimeout(() => {
      this.lingering.delete(t);
      this.acked(call);
      if (this.calls.get(call.id) === call) this.calls.delete(call.id);
      for (const b of call.branches) {
        b.tx.finish();
        this.branches.delete(b.id);
      }
    }, this.options.lingerMs);
    t.unref();
    this.lingering.add(t);
  }

  private count(map: Map<string, number>, key: string): void {
    const n = (map.get(key) ?? 1) - 1;
    if (n <= 0) map.delete(key);
    else map.set(key, n);
  }

  // ---------------------------------------------------------------------------------------------
  // CANCEL, ACK and requests inside a dialog

  /** §16.10: the caller gives up: every branch is cancelled and the caller gets 487. */
  cancel(inc: Incoming): void {
    const call = this.calls.get(inc.callId);
    if (call === undefined || call.kind !== 'proxy' || call.inc.topVia.params.get('branch') !== inc.topVia.params.get('branch')) {
      return this.ctx.reply(inc, 481, 'Call/Transaction Does Not Exist');
    }
    this.ctx.reply(inc, 200, 'OK');
    if (call.final) return;
    if (call.queueId !== undefined) void this.legs.submit(call, { type: 'queue.call.abandon', queueId: call.queueId, callId: call.id });
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
    if (call.kind === 'fac' || inc.topVia.params.get('branch') === call.inc.topVia.params.get('branch')) return this.acked(call);
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
      return this.ctx.reply(inc, inc.req.method === 'INVITE' ? 488 : 200, inc.req.method === 'INVITE' ? 'Not Acceptable Here' : 'OK');
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
      hop = { flow: call.inc.flow, ...(uri !== undefined ? { fallback: { host: uri.host, port: uri.port ?? 5060 } } : {}) };
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
  // S4.3: queue offers from the engine

  onDirectives(tenant: TenantId, directives: readonly Directive[]): void {
    for (const d of directives) {
      const call = this.calls.get(d.callId);
      if (call === undefined || call.tenant !== tenant || call.final) continue;
      switch (d.type) {
        case 'queue.offer':
          call.queueId = d.queueId;
          for (const userId of d.userIds) for (const binding of this.ports.bindings(tenant, userId)) this.startBranch(call, userId, binding, d.queueId);
          this.legs.caller(call, 'ringing');
          break;
        case 'queue.offerEnded':
          for (const b of call.branches) if (d.userIds.includes(b.userId)) this.cancelBranch(b);
          break;
        case 'queue.action':
          // At arrival (busy, empty) the routing decision carries the same action; only a
          // caller who waited too long (overflow) hears it from here.
          if (d.reason !== 'overflow') break;
          call.queueId = undefined;
          this.stopRinging(call);
          this.runAction(call, { condition: 'noAnswer', owner: { kind: 'queue', id: d.queueId }, action: d.action, defaulted: false });
          break;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // S4.5: feature codes, answered by the server

  private async featureCode(inc: Incoming, t: { tenant: TenantId; domain: string }, userId: UserId, digits: string): Promise<void> {
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
    const call = this.open(newCall('fac', inc, t, userId, '', { callId: detach(inc.callId), to: { kind: 'extension', extension: digits } }));
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

  stop(): void {
    for (const call of this.calls.values()) {
      for (const t of call.timers) clearTimeout(t);
      if (call.maxTimer !== undefined) clearTimeout(call.maxTimer);
      this.acked(call);
      for (const b of call.branches) b.tx.finish();
    }
    for (const t of this.lingering) clearTimeout(t);
    this.lingering.clear();
    this.calls.clear();
    this.branches.clear();
  }
}
