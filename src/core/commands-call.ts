// Command handler: a real call being routed (call.route).
import type { Command } from './commands.js';
import { logRoute } from './commands-calllog.js';
import { queueCommand } from './queue.js';
import { route } from './routing.js';
import type { Decision } from './routing.js';
import { addEvent, putGroup, putUser, userIn, viewOf } from './tx.js';
import type { Tx } from './tx.js';
import { userWith } from './user.js';
import type { Refusal } from './types.js';

/** S3: a real call being routed: the decision, plus its side effects on state. */
export function routeCall(tx: Tx, cmd: Extract<Command, { type: 'call.route' }>): Refusal | undefined {
  const out = route(viewOf(tx), cmd.call, tx.now);
  if (!out.ok) return out;
  tx.reply = out.decision;
  logRoute(tx, cmd.call, out.decision);
  for (let d: Decision | undefined = out.decision; d !== undefined; d = 'next' in d ? d.next : undefined) {
    if (d.outcome === 'action' && d.notifyMissed !== undefined) {
      // S3.1#3: the DND user gets a missed-call notification.
      const u = userIn(tx, d.notifyMissed);
      if (u) {
        putUser(tx, userWith(u, { missedCalls: u.missedCalls + 1 }));
        addEvent(tx, {
          type: 'call.missed',
          subject: u.id,
          at: tx.now,
          cause: tx.cause,
          value: {
            reason: 'dnd',
            ...(cmd.call.callId !== undefined ? { callId: cmd.call.callId } : {}),
            ...callerOf(cmd.call.from),
          },
        });
      }
    }
    if (d.outcome === 'ring' && d.target.kind === 'group') {
      const g = viewOf(tx).groups.get(d.target.id);
      const first = d.ring[0];
      if (g && g.strategy === 'roundRobin' && first)
        putGroup(tx, { ...g, lastRang: first.forwardedFrom ?? first.userId ?? g.lastRang });
    }
    // A call that reaches a queue joins it (or gets its busy or overflow action, S4.4); a call to
    // a closed queue takes its closed action without joining (S11.2).
    if (
      (d.outcome === 'queue' || (d.outcome === 'action' && d.action.condition !== 'closed')) &&
      d.target.kind === 'queue' &&
      cmd.call.callId !== undefined
    ) {
      const r = queueCommand(tx, {
        type: 'queue.call.arrive',
        queueId: d.target.id,
        callId: cmd.call.callId,
        caller: callerOf(cmd.call.from).caller ?? 'unknown',
      });
      if (r) return r;
    }
  }
  // The caller hears the decision, whatever the queue answered on the way.
  tx.reply = out.decision;
  return undefined;
}

function callerOf(from: Extract<Command, { type: 'call.route' }>['call']['from']): { caller?: string } {
  if (from === undefined) return {};
  return 'userId' in from ? { caller: from.userId } : { caller: from.external };
}
