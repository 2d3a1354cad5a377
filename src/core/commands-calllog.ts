// S11.1: the call-log steps of the call commands (call-log.ts says what a step is). A routed call
// logs its decision, a ringing incoming leg an offer, an answered one the answer, and `call.end`
// the outcome with one `call.ended` event.
import { callOutcome, decisionParties } from './call-log.js';
import type { CallParty } from './call-log.js';
import type { CallRequest, Command } from './commands.js';
import type { Decision } from './decisions.js';
import { addEvent, logCall } from './tx.js';
import type { Tx } from './tx.js';
import type { LegState, UserState } from './types.js';

function partyOf(from: CallRequest['from']): CallParty | undefined {
  if (from === undefined) return undefined;
  return 'userId' in from ? { userId: from.userId } : { external: from.external };
}

/** The queue a decision hands the call to, if any (directly or by its action). */
function queueOf(d: Decision): string | undefined {
  for (let x: Decision | undefined = d; x !== undefined; x = 'next' in x ? x.next : undefined) {
    if ((x.outcome === 'queue' || x.outcome === 'action') && x.target.kind === 'queue') return x.target.id;
    if (x.outcome === 'action' && x.action.action.type === 'queue') return x.action.action.queueId;
  }
  return undefined;
}

/** A routed call with a Call-ID: its decision as taken now. */
export function logRoute(tx: Tx, call: CallRequest, decision: Decision): void {
  if (call.callId === undefined) return;
  const parties = decisionParties(decision);
  const from = partyOf(call.from);
  if (from !== undefined && 'userId' in from) parties.add(from.userId);
  if (call.to.kind === 'user') parties.add(call.to.id);
  const queueId = call.to.kind === 'queue' ? call.to.id : queueOf(decision);
  logCall(tx, {
    kind: 'route',
    callId: call.callId,
    at: tx.now,
    ...(from !== undefined ? { from } : {}),
    to: call.to,
    ...(queueId !== undefined ? { queueId } : {}),
    parties: [...parties],
    decision,
  });
}

const RINGING: ReadonlySet<LegState> = new Set(['ringing', 'early']);
const TALKING: ReadonlySet<LegState> = new Set(['answered', 'held']);

/** An incoming leg of a known call: offered when it starts ringing, answered when first answered. */
export function logLeg(tx: Tx, user: UserState, cmd: Extract<Command, { type: 'leg.update' }>): void {
  if (cmd.callId === undefined || cmd.direction !== 'in') return;
  const before = user.legs.find((l) => l.id === cmd.legId)?.state;
  const base = { callId: cmd.callId, at: tx.now, userId: user.id };
  if (RINGING.has(cmd.state) && before === undefined)
    logCall(tx, {
      kind: 'offer',
      ...base,
      ...(cmd.queueId !== undefined ? { queueId: cmd.queueId } : {}),
      ...(cmd.caller !== undefined ? { from: cmd.caller } : {}),
    });
  else if (TALKING.has(cmd.state) && (before === undefined || !TALKING.has(before)))
    logCall(tx, { kind: 'answer', ...base });
}

/** S11.1: the call is over: its outcome (the PBX's, or the table's) and one `call.ended` event. */
export function endCall(tx: Tx, cmd: Extract<Command, { type: 'call.end' }>): undefined {
  const outcome = cmd.outcome ?? callOutcome(cmd.ending ?? {});
  logCall(tx, { kind: 'end', callId: cmd.callId, at: tx.now, outcome });
  const answeredBy = cmd.ending?.answeredBy;
  const caller = cmd.from !== undefined && 'userId' in cmd.from ? cmd.from.userId : undefined;
  addEvent(tx, {
    type: 'call.ended',
    subject: answeredBy ?? cmd.target?.id ?? caller ?? cmd.callId,
    at: tx.now,
    cause: tx.cause,
    value: {
      callId: cmd.callId,
      outcome,
      ...(cmd.from !== undefined ? { from: cmd.from } : {}),
      ...(cmd.target !== undefined ? { target: cmd.target } : {}),
      ...(answeredBy !== undefined ? { answeredBy } : {}),
    },
  });
  return undefined;
}
