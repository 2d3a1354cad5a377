// Command handler: a feature code dialled on a phone (fac.dial).
import { agentCommand } from './commands-agent.js';
import { clearStatus, setStatus } from './commands-status.js';
import type { Command } from './commands.js';
import { refuse } from './errors.js';
import { parseFeatureCode } from './fac.js';
import { nightTarget, setNightMode } from './commands-hours.js';
import { viewOf } from './tx.js';
import type { Tx } from './tx.js';
import type { Actor, QueueId, Refusal } from './types.js';

export function facDial(tx: Tx, cmd: Extract<Command, { type: 'fac.dial' }>): Refusal | undefined {
  const parsed = parseFeatureCode(cmd.digits);
  if (!parsed.ok) return parsed;
  const by: Actor = { kind: 'fac', userId: cmd.userId };
  const code = parsed.code;
  switch (code.kind) {
    case 'agent': {
      let queueId: QueueId | undefined;
      if (code.queue !== undefined) {
        const q = [...viewOf(tx).queues.values()].find(
          (x) => x.config.extension === code.queue || x.config.id === code.queue,
        );
        if (q === undefined || !q.config.agents.includes(cmd.userId))
          return refuse('SWB_ERR_AGENT_NOT_MEMBER', { queue: code.queue });
        queueId = q.config.id;
      }
      return agentCommand(tx, {
        type: 'agent.command',
        userId: cmd.userId,
        action: code.action,
        by,
        ...(queueId !== undefined ? { queueId } : {}),
      });
    }
    case 'dnd':
      return code.on
        ? setStatus(tx, { type: 'status.set', userId: cmd.userId, status: 'dnd', by })
        : clearStatus(tx, cmd.userId, by, 'dnd');
    case 'forwarding':
      return code.on
        ? setStatus(tx, { type: 'status.set', userId: cmd.userId, status: 'forwarding', forwardTo: code.number, by })
        : clearStatus(tx, cmd.userId, by, 'forwarding');
    case 'night': {
      const target = nightTarget(tx, code.extension);
      if ('ok' in target) return target;
      return setNightMode(tx, { type: 'night.set', target, on: code.on, by });
    }
  }
}
