// S7.4: what the call proxy keeps about a call — its branches, timers and the legs it told the
// engine — and the proxy's limits and ports. calls.ts runs the calls; this file holds their state.
import type {
  ActionDecision,
  CallEnding,
  CallRequest,
  Command,
  LegState,
  Owner,
  QueueId,
  TenantId,
  UserId,
} from '../core/index.js';
import type { TimerHandle } from '../engine/index.js';
import type { SipContext } from './context.js';
import type { SipResponse } from './message.js';
import { detach, header } from './message.js';
import type { Outgoing } from './outgoing.js';
import type { Hop, InviteClient, SentInvite } from './proxy.js';
import type { Binding } from './registrar.js';
import type { Incoming } from './request.js';
import type { Flow } from './transport.js';

export interface CallOptions {
  /** Calls in progress at once, per tenant and per calling user (S8.1: limits, not a crash). */
  readonly maxCallsPerTenant: number;
  readonly maxCallsPerUser: number;
  /** An INVITE body (SDP) larger than this is 413. */
  readonly maxInviteBodyBytes: number;
  /** A feature-code call is hung up by the server after this long. */
  readonly facHangupMs: number;
  /** An ended call is remembered this long, for late ACKs, BYEs and retransmissions. */
  readonly lingerMs: number;
  /** An answered call with no BYE is forgotten after this long (the engine's maxCallSec ends its legs). */
  readonly maxCallMs: number;
}

export const DEFAULT_CALLS: CallOptions = {
  maxCallsPerTenant: 2000,
  maxCallsPerUser: 8,
  maxInviteBodyBytes: 16 * 1024,
  facHangupMs: 1000,
  lingerMs: 32_000,
  maxCallMs: 12 * 3600_000,
};

/** What the proxy needs from the SIP server around it. */
export interface CallPorts {
  /** Our address for Via, Record-Route and SDP. */
  self(): { readonly host: string; readonly port: number };
  send(hop: Hop, bytes: Buffer): boolean;
  /** Sends a response (built elsewhere) to a request we received; a final one answers its retransmissions. */
  relay(inc: Incoming, status: number, bytes: Buffer): void;
  bindings(tenant: TenantId, userId: UserId): readonly Binding[];
  /** The open TCP connection from a peer, if any. */
  connection(address: string, port: number): Flow | undefined;
  readonly outgoing: Outgoing;
  readonly timers: { readonly t1Ms: number; readonly t2Ms: number };
}

/** One device of a ring decision: its binding, and its branch once it started ringing. */
export interface RingMember {
  readonly userId: UserId;
  readonly binding: Binding;
  branch: Branch | undefined;
}

export interface Branch {
  readonly id: string;
  readonly call: Call;
  readonly userId: UserId;
  readonly queueId: QueueId | undefined;
  readonly hop: Hop;
  readonly sent: SentInvite;
  tx: InviteClient;
  cancelWanted: boolean;
  /** The callee's To tag, once a response carried one. */
  toTag: string | undefined;
}

export interface Call {
  readonly kind: 'proxy' | 'fac';
  readonly id: string;
  readonly tenant: TenantId;
  readonly domain: string;
  readonly caller: UserId;
  readonly callerExtension: string;
  readonly callerTag: string | undefined;
  readonly inc: Incoming;
  request: CallRequest;
  /** A final response went to the caller. */
  final: boolean;
  ended: boolean;
  /** Waiting for the engine (routing or a diversion): branches ending now do not end the call. */
  routing: boolean;
  answered: Branch | undefined;
  queueId: QueueId | undefined;
  target: Owner | undefined;
  onNoAnswer: ActionDecision | undefined;
  readonly branches: Branch[];
  /** The devices of the ring decision; the ring steps (ring-plan.ts) name them by index. */
  members: readonly RingMember[];
  /** Clock timers of the call besides its ring steps (a feature code's hang-up). */
  readonly timers: Set<TimerHandle>;
  pendingStarts: number;
  /** The callee legs told to the engine, per user. */
  readonly legs: Map<UserId, { state: LegState; queueId: QueueId | undefined }>;
  callerLeg: LegState | undefined;
  best: SipResponse | undefined;
  readonly rang: Set<UserId>;
  /** Timer G: our final answer, sent again over UDP until the caller's ACK. */
  resend: TimerHandle | undefined;
  /** S11.4: the line the caller waits in (call-wait.ts), whether the call is being offered now, and until when it may wait. */
  wait?: { readonly key: string; offered: boolean; readonly until: number; timer?: TimerHandle };
  /** S11.5: routed again while it rings; a new decision that rings too leaves the ringing as it is. */
  screening?: boolean;
  /** S11.1: what ended the call, for its outcome (the core's, call-log.ts). */
  ending: { cancelled?: boolean; action?: NonNullable<CallEnding['action']> };
}

export const DIALLED = /^[0-9A-Za-z*#+._-]{1,32}$/;

/** §16.3 step 3: Max-Forwards 0 (request.ts has checked it is a number). */
export function noHopsLeft(inc: Incoming): boolean {
  const mf = header(inc.req, 'max-forwards');
  return mf !== undefined && Number(mf) === 0;
}

/** §16.7 step 6: the best final response so far: a 6xx wins, then the lowest class. */
export function better(a: SipResponse, than: SipResponse): boolean {
  const ca = Math.floor(a.status / 100);
  const cb = Math.floor(than.status / 100);
  if (cb === 6) return false;
  if (ca === 6) return true;
  return ca < cb || (ca === cb && a.status < than.status && a.status !== 408);
}

/** A new call record, nothing rung or answered yet. */
export function newCall(
  kind: Call['kind'],
  inc: Incoming,
  t: { tenant: TenantId; domain: string },
  caller: UserId,
  callerExtension: string,
  request: CallRequest,
): Call {
  const call: Call = {
    kind,
    id: request.callId ?? detach(inc.callId),
    tenant: t.tenant,
    domain: t.domain,
    caller,
    callerExtension,
    callerTag: inc.fromTag,
    inc,
    request,
    final: false,
    ended: false,
    routing: true,
    answered: undefined,
    queueId: undefined,
    target: undefined,
    onNoAnswer: undefined,
    branches: [],
    members: [],
    timers: new Set(),
    pendingStarts: 0,
    legs: new Map(),
    callerLeg: undefined,
    best: undefined,
    rang: new Set(),
    resend: undefined,
    ending: {},
  };
  return call;
}

/** An answered leg is held and resumed, and ends; it never rings again. */
function follows(from: LegState | undefined, to: LegState): boolean {
  if (from === 'answered' || from === 'held') return to === 'answered' || to === 'held' || to === 'ended';
  return true;
}

/**
 * S1.2: what the engine learns about the legs of a call through the proxy, each state once:
 * the caller's outgoing leg `<Call-ID>;out` and each callee's incoming leg `<Call-ID>;in`.
 */
export class CallLegs {
  constructor(private readonly ctx: SipContext) {}

  submit(call: Call, command: Command): Promise<void> {
    return this.ctx.engine.dispatch(call.tenant, command).then(
      (out) => {
        if (!out.ok)
          this.ctx.log('debug', { code: out.code, call: call.id, command: command.type }, 'call command refused');
      },
      (e: unknown) => this.ctx.log('warn', { err: (e as Error).message, call: call.id }, 'call command failed'),
    );
  }

  caller(call: Call, state: LegState): void {
    if (call.callerLeg === state || (call.callerLeg === undefined && state === 'ended') || call.callerLeg === 'ended')
      return;
    if (!follows(call.callerLeg, state)) return;
    call.callerLeg = state;
    void this.submit(call, {
      type: 'leg.update',
      userId: call.caller,
      legId: `${call.id};out`,
      direction: 'out',
      state,
      by: { kind: 'sip' },
    });
  }

  callee(call: Call, userId: UserId, state: LegState, queueId: QueueId | undefined): void {
    const leg = call.legs.get(userId);
    if (leg?.state === state || (leg === undefined && state === 'ended')) return;
    if (!follows(leg?.state, state)) return;
    call.legs.set(userId, { state, queueId });
    const legId = `${call.id};in`;
    if (state === 'answered' && queueId !== undefined && leg?.state !== 'held') {
      // S4.2: the agent answered a queue call: the queue records it and the agent goes queue_call.
      void this.submit(call, { type: 'queue.call.answer', queueId, callId: call.id, userId, legId });
      return;
    }
    void this.submit(call, {
      type: 'leg.update',
      userId,
      legId,
      direction: 'in',
      state,
      callId: call.id,
      by: { kind: 'sip' },
      ...(queueId !== undefined ? { acd: true, queueId } : {}),
    });
  }

  /** S11.1: the call is over; the engine logs its outcome (from what happened) and tells the world. */
  ended(call: Call): void {
    const answeredBy = call.answered?.userId;
    const { cancelled, action } = call.ending;
    void this.submit(call, {
      type: 'call.end',
      callId: call.id,
      from: { userId: call.caller },
      ...(call.target !== undefined ? { target: call.target } : {}),
      ending: {
        ...(answeredBy !== undefined ? { answeredBy } : {}),
        ...(cancelled === true ? { cancelled } : {}),
        ...(action !== undefined ? { action } : {}),
        rang: call.rang.size > 0,
      },
      by: { kind: 'sip' },
    });
  }

  /** A direct call that rang the user and was not answered is a missed call for them. */
  missed(call: Call): void {
    const target = call.target;
    if (target?.kind !== 'user' || !call.rang.has(target.id)) return;
    void this.submit(call, {
      type: 'missed.add',
      userId: target.id,
      callId: call.id,
      caller: call.callerExtension,
      by: { kind: 'sip' },
    });
  }
}
