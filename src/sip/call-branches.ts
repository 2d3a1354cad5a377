// S7.4 Calls, the branches of a fork (§16.6): one INVITE client transaction per registered
// contact rung, where it goes (the phone's own flow, RFC 3581), and its CANCEL. The fork around
// them — when each starts and stops, and what the caller hears — is call-fork.ts.
import type { QueueId, TenantId, UserId } from '../core/index.js';
import type { TimerHandle } from '../engine/index.js';
import type { Branch, Call, CallOptions, CallPorts } from './call-state.js';
import { CallLegs, DEFAULT_CALLS } from './call-state.js';
import type { SipContext } from './context.js';
import { tenantOf } from './context.js';
import { parseUri } from './headers.js';
import type { Hop, SentInvite } from './proxy.js';
import { InviteClient, cancelFor, forkBranch, forwardedRequest, hopOfUri, routeUri } from './proxy.js';
import type { Binding } from './registrar.js';
import { stampVia } from './request.js';

export abstract class CallBranches {
  protected readonly calls = new Map<string, Call>();
  protected readonly branches = new Map<string, Branch>();
  protected readonly perTenant = new Map<TenantId, number>();
  protected readonly perUser = new Map<string, number>();
  protected readonly lingering = new Set<TimerHandle>();
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

  /** A timer of the call on the engine's clock (cancelled with its ring steps); `ms` from now. */
  protected later(call: Call, ms: number, fn: () => void): void {
    const clock = this.ctx.clock;
    const handle = clock.setTimer(clock.now() + ms, () => {
      call.timers.delete(handle);
      fn();
    });
    call.timers.add(handle);
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
      this.ctx.clock,
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
  protected branchEnded(b: Branch): void {
    const call = b.call;
    if (b === call.answered) return;
    const live = call.branches.some(
      (x) => x.userId === b.userId && x !== b && x.tx.state !== 'done' && !x.cancelWanted,
    );
    if (!live) this.legs.callee(call, b.userId, 'ended', b.queueId);
  }

  /** Nothing rings any more and nothing will: the best answer goes to the caller (call-fork.ts). */
  protected abstract checkDone(call: Call): void;
}
