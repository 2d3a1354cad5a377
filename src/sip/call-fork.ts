// S7.4 Calls, the fork: rings the registered contacts of a decision, each after its delay, until
// the ring timeout; follows every branch's responses, picks the best answer for the caller and
// ends the call (S1.2 legs, call-state.ts). What the routing decision is: calls.ts.
import type { ActionDecision, LegState, Owner, QueueId, RingEntry, TenantId, UserId } from '../core/index.js';
import type { FinalAnswer } from './call-answers.js';
import { warningValue } from './call-answers.js';
import type { Branch, Call, CallOptions, CallPorts } from './call-state.js';
import { CallLegs, DEFAULT_CALLS, better } from './call-state.js';
import type { SipContext } from './context.js';
import { tenantOf } from './context.js';
import { parseCSeq, parseNameAddr, parseUri, parseVia } from './headers.js';
import type { SipResponse } from './message.js';
import { detach, header, headerValues } from './message.js';
import type { Hop, SentInvite } from './proxy.js';
import {
  FORK_BRANCH,
  InviteClient,
  STATELESS_BRANCH,
  ackFor,
  cancelFor,
  forkBranch,
  forwardedRequest,
  hopOfUri,
  routeUri,
  viaHop,
  withoutTopVia,
} from './proxy.js';
import type { Binding } from './registrar.js';
import { buildResponse, rawOf, stampVia } from './request.js';

export abstract class CallFork {
  protected readonly calls = new Map<string, Call>();
  private readonly branches = new Map<string, Branch>();
  protected readonly perTenant = new Map<TenantId, number>();
  protected readonly perUser = new Map<string, number>();
  private readonly lingering = new Set<NodeJS.Timeout>();
  protected readonly legs: CallLegs;

  constructor(
    protected readonly ctx: SipContext,
    protected readonly ports: CallPorts,
    protected readonly options: CallOptions = DEFAULT_CALLS,
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
    return (
      uri.host === self.host ||
      uri.host === 'localhost' ||
      uri.host === '127.0.0.1' ||
      tenantOf(this.ctx, uri.host) !== undefined
    );
  };

  /** S3.1#7, S3.3: ring the devices of the decision, each after its delay, until the ring timeout. */
  protected ring(
    call: Call,
    target: Owner,
    entries: readonly RingEntry[],
    timeoutSec: number,
    onNoAnswer: ActionDecision,
  ): void {
    call.target = target;
    call.onNoAnswer = onNoAnswer;
    const plan: { entry: RingEntry; binding: Binding }[] = [];
    for (const entry of entries) {
      // An outside number rung for a forwarding group member cannot ring here: no trunk.
      if (entry.userId === undefined || entry.deviceId === undefined) continue;
      const binding = this.ports.bindings(call.tenant, entry.userId).find((b) => b.id === entry.deviceId);
      if (binding !== undefined) plan.push({ entry, binding });
    }
    if (plan.length === 0)
      return this.answer(call, {
        status: 480,
        reason: 'Temporarily Unavailable',
        warning: 'no registered device can ring',
      });
    this.legs.caller(call, 'ringing');
    call.pendingStarts += plan.length;
    for (const { entry, binding } of plan) {
      const start = (): void => {
        call.pendingStarts--;
        if (call.final) return;
        const b = this.startBranch(call, entry.userId!, binding, undefined);
        // Hunt strategies: the member stops ringing when the next one starts.
        if (b !== undefined && entry.stopSec !== undefined)
          this.later(call, (entry.stopSec - entry.startSec) * 1000, () => this.cancelBranch(b));
        if (b === undefined) this.checkDone(call);
      };
      if (entry.startSec > 0) this.later(call, entry.startSec * 1000, start);
      else start();
    }
    this.later(call, timeoutSec * 1000, () => this.noAnswer(call));
  }

  protected later(call: Call, ms: number, fn: () => void): void {
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
  protected startBranch(
    call: Call,
    userId: UserId,
    binding: Binding,
    queueId: QueueId | undefined,
  ): Branch | undefined {
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
    const sent: SentInvite = {
      uri: binding.uri,
      via,
      from: call.inc.rawFrom,
      to: call.inc.rawTo,
      callId: call.id,
      cseq: call.inc.cseq.seq,
      routes,
    };
    const branch: Branch = {
      id,
      call,
      userId,
      queueId,
      hop,
      sent,
      tx: undefined as unknown as InviteClient,
      cancelWanted: false,
      toTag: undefined,
    };
    branch.tx = new InviteClient(
      () => this.ports.send(hop, bytes),
      hop.flow.transport === 'tcp',
      this.ports.timers,
      () => this.branchFailed(branch),
    );
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

  protected cancelBranch(b: Branch): void {
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
    const live = call.branches.some(
      (x) => x.userId === b.userId && x !== b && x.tx.state !== 'done' && !x.cancelWanted,
    );
    if (!live) this.legs.callee(call, b.userId, 'ended', b.queueId);
  }

  // ---------------------------------------------------------------------------------------------
  // Responses

  /** A response to something we sent; true when it was ours to handle. */
  response(res: SipResponse): boolean {
    const top = headerValues(res, 'via')[0];
    const branchId = top === undefined ? undefined : parseVia(top)?.params.get('branch');
    if (branchId === undefined || !(branchId.startsWith(FORK_BRANCH) || branchId.startsWith(STATELESS_BRANCH)))
      return false;
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
    const flow =
      hop.flow.transport === 'tcp' ? (this.ports.connection(hop.flow.address, hop.flow.port) ?? hop.flow) : hop.flow;
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
    for (const [userId, leg] of call.legs)
      if (userId !== b.userId && leg.state !== 'ended') this.legs.callee(call, userId, 'ended', leg.queueId);
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
    if (best === undefined)
      return this.answer(call, { status: 480, reason: 'Temporarily Unavailable', warning: 'no device answered' });
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

  protected stopRinging(call: Call): void {
    this.clearTimers(call);
    for (const b of call.branches) this.cancelBranch(b);
    for (const [userId, leg] of call.legs)
      if (leg.state !== 'answered' && leg.state !== 'ended') this.legs.callee(call, userId, 'ended', leg.queueId);
  }

  private clearTimers(call: Call): void {
    for (const t of call.timers) clearTimeout(t);
    call.timers.clear();
    call.pendingStarts = 0;
  }

  /** A final response of our own to the caller; the call is over. */
  protected answer(call: Call, a: FinalAnswer): void {
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
  protected finalToCaller(call: Call, status: number, bytes: Buffer): void {
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

  protected acked(call: Call): void {
    if (call.resend !== undefined) clearTimeout(call.resend);
    call.resend = undefined;
  }

  /** The call is over: every leg ends (S1.2); it is remembered a little longer for stragglers. */
  protected end(call: Call): void {
    if (call.ended) return;
    call.ended = true;
    call.final = true;
    this.stopRinging(call);
    for (const [userId, leg] of call.legs)
      if (leg.state !== 'ended') this.legs.callee(call, userId, 'ended', leg.queueId);
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

  /** S3.2: an answering action (calls.ts). */
  protected abstract runAction(call: Call, a: ActionDecision): void;

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
