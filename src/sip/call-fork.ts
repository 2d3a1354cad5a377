// S7.4 Calls, the fork: rings the registered contacts of a decision, each after its delay, until
// the ring timeout; follows every branch's responses, picks the best answer for the caller and
// ends the call (S1.2 legs, call-state.ts). What the routing decision is: calls.ts. When each
// device starts and stops is a ring plan (ring-plan.ts) armed on the Clock port by one scheduler
// (ring-scheduler.ts); the branches themselves are call-branches.ts.
import type { ActionDecision, LegState, Owner, RingEntry } from '../core/index.js';
import { CallBranches } from './call-branches.js';
import type { FinalAnswer } from './call-answers.js';
import { warningValue } from './call-answers.js';
import type { Branch, Call, CallOptions, CallPorts, RingMember } from './call-state.js';
import { DEFAULT_CALLS, better } from './call-state.js';
import type { SipContext } from './context.js';
import { parseCSeq, parseNameAddr, parseVia } from './headers.js';
import type { SipResponse } from './message.js';
import { detach, header, headerValues } from './message.js';
import { FORK_BRANCH, STATELESS_BRANCH, ackFor, cancelFor, viaHop, withoutTopVia } from './proxy.js';
import { buildResponse, rawOf } from './request.js';
import type { RingStep } from './ring-plan.js';
import { maxTimeStep, ringPlan } from './ring-plan.js';
import { RingScheduler } from './ring-scheduler.js';

export abstract class CallFork extends CallBranches {
  /** The ring steps still to come, on the engine's clock. */
  readonly ringSteps: RingScheduler;

  constructor(ctx: SipContext, ports: CallPorts, options: CallOptions = DEFAULT_CALLS) {
    super(ctx, ports, options);
    this.ringSteps = new RingScheduler(ctx.clock, (step) => this.ringStep(step));
  }

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
    const members: RingMember[] = [];
    const timing: RingEntry[] = [];
    for (const entry of entries) {
      // An outside number rung for a forwarding group member cannot ring here: no trunk.
      if (entry.userId === undefined || entry.deviceId === undefined) continue;
      const binding = this.ports.bindings(call.tenant, entry.userId).find((b) => b.id === entry.deviceId);
      if (binding === undefined) continue;
      members.push({ userId: entry.userId, binding, branch: undefined });
      timing.push(entry);
    }
    if (members.length === 0)
      return this.answer(call, {
        status: 480,
        reason: 'Temporarily Unavailable',
        warning: 'no registered device can ring',
      });
    this.legs.caller(call, 'ringing');
    call.members = members;
    call.pendingStarts += members.length;
    const now = this.ctx.clock.now();
    const steps = ringPlan(call.id, now, timing, timeoutSec);
    // A device with no delay rings now; the later steps are armed unless that already ended the call.
    const due = (s: RingStep): boolean => s.step === 'start' && s.at <= now;
    for (const s of steps) if (due(s)) this.ringStep(s);
    if (!call.final) this.ringSteps.plan(steps.filter((s) => !due(s)));
  }

  /** One step of a call's ring plan fell due. */
  private ringStep(step: RingStep): void {
    const call = this.calls.get(step.callId);
    if (call === undefined) return;
    const member = step.member === undefined ? undefined : call.members[step.member];
    switch (step.step) {
      case 'start': {
        call.pendingStarts--;
        if (call.final || member === undefined) return;
        member.branch = this.startBranch(call, member.userId, member.binding, undefined);
        if (member.branch === undefined) this.checkDone(call);
        return;
      }
      case 'stop':
        // Hunt strategies: the member stops ringing when the next one starts.
        if (member?.branch !== undefined) this.cancelBranch(member.branch);
        return;
      case 'noAnswer':
        return this.noAnswer(call);
      case 'maxTime':
        return this.end(call);
    }
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
    this.ringSteps.plan([maxTimeStep(call.id, this.ctx.clock.now(), this.options.maxCallMs)]);
  }

  /** Nothing rings any more and nothing will: the best answer goes to the caller (§16.7 step 6). */
  protected checkDone(call: Call): void {
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
    this.ringSteps.cancel(call.id);
    for (const t of call.timers) this.ctx.clock.clearTimer(t);
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
    const clock = this.ctx.clock;
    let intervalMs = t1Ms;
    let elapsedMs = 0;
    const arm = (): void => {
      call.resend = clock.setTimer(clock.now() + intervalMs, () => {
        call.resend = undefined;
        elapsedMs += intervalMs;
        if (elapsedMs >= 64 * t1Ms) return;
        this.ports.send({ flow: call.inc.flow }, bytes);
        intervalMs = Math.min(intervalMs * 2, t2Ms);
        arm();
      });
    };
    arm();
  }

  protected acked(call: Call): void {
    if (call.resend !== undefined) this.ctx.clock.clearTimer(call.resend);
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
    if (call.kind === 'proxy') {
      this.legs.ended(call);
      const userKey = `${call.tenant}\u0000${call.caller}`;
      this.count(this.perTenant, call.tenant);
      this.count(this.perUser, userKey);
    }
    const clock = this.ctx.clock;
    const t = clock.setTimer(clock.now() + this.options.lingerMs, () => {
      this.lingering.delete(t);
      this.acked(call);
      if (this.calls.get(call.id) === call) this.calls.delete(call.id);
      for (const b of call.branches) {
        b.tx.finish();
        this.branches.delete(b.id);
      }
    });
    this.lingering.add(t);
  }

  private count(map: Map<string, number>, key: string): void {
    const n = (map.get(key) ?? 1) - 1;
    if (n <= 0) map.delete(key);
    else map.set(key, n);
  }

  /** S3.2: an answering action (calls.ts). */
  protected abstract runAction(call: Call, a: ActionDecision, overflow?: boolean): void;

  stop(): void {
    this.ringSteps.stop();
    for (const call of this.calls.values()) {
      for (const t of call.timers) this.ctx.clock.clearTimer(t);
      this.acked(call);
      for (const b of call.branches) b.tx.finish();
    }
    for (const t of this.lingering) this.ctx.clock.clearTimer(t);
    this.lingering.clear();
    this.calls.clear();
    this.branches.clear();
  }
}
