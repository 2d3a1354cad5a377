// Command handler: an agent's state in its queues (agent.command).
import { agentTransition } from './agents.js';
import type { AgentInput } from './agents.js';
import type { Command } from './commands.js';
import { LOGGED_OUT } from './defaults.js';
import { refuse } from './errors.js';
import type { ErrorCode } from './errors.js';
import { mayCommandAgent } from './permission-checks.js';
import { checkReason } from './reasons.js';
import { putUser, queueIn, userIn, viewOf } from './tx.js';
import type { Tx } from './tx.js';
import { userWith } from './user.js';
import type { AgentRecord, QueueId, QueueState, Refusal, UserId } from './types.js';

function agentQueues(tx: Tx, userId: UserId, queueId: QueueId | undefined): readonly QueueState[] | Refusal {
  if (queueId !== undefined) {
    const q = queueIn(tx, queueId);
    if (q === undefined) return refuse('SWB_ERR_QUEUE_NOT_FOUND', { queue: queueId });
    if (!q.config.agents.includes(userId)) return refuse('SWB_ERR_AGENT_NOT_MEMBER', { queue: queueId });
    return [q];
  }
  const all: QueueState[] = [];
  for (const q of viewOf(tx).queues.values()) if (q.config.agents.includes(userId)) all.push(q);
  return all.length === 0 ? refuse('SWB_ERR_AGENT_NO_QUEUES') : all;
}

export function agentCommand(tx: Tx, cmd: Extract<Command, { type: 'agent.command' }>): Refusal | undefined {
  const user = userIn(tx, cmd.userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
  const queues = agentQueues(tx, cmd.userId, cmd.queueId);
  if ('ok' in queues) return queues;
  // S9.2: a not-ready reason is one of the tenant's codes.
  const badReason = cmd.action === 'not_ready' ? checkReason(tx.policy, cmd.reason) : undefined;
  if (badReason !== undefined) return badReason;
  const input: AgentInput =
    cmd.action === 'not_ready'
      ? { type: 'not_ready', ...(cmd.reason !== undefined ? { reason: cmd.reason } : {}) }
      : { type: cmd.action };
  const agent: Record<QueueId, AgentRecord> = { ...user.agent };
  const refused: { queueId: QueueId; code: ErrorCode }[] = [];
  let first: Refusal | undefined;
  for (const q of queues) {
    if (!mayCommandAgent(cmd.by, cmd.userId, q)) {
      // Another tenant member without rights: only the queues they may touch count.
      first ??= refuse('SWB_ERR_FORBIDDEN', { queue: q.config.id });
      refused.push({ queueId: q.config.id, code: 'SWB_ERR_FORBIDDEN' });
      continue;
    }
    const out = agentTransition(agent[q.config.id] ?? LOGGED_OUT, input, q.config, tx.now);
    if (!out.ok) {
      first ??= out;
      refused.push({ queueId: q.config.id, code: out.code });
      continue;
    }
    agent[q.config.id] = out.record;
  }
  // S4.2: a one-queue command is refused when it cannot apply; an all-queues command applies
  // where it can and is refused only when it applies nowhere.
  if (first !== undefined && refused.length === queues.length) return first;
  putUser(tx, userWith(user, { agent }));
  tx.reply = refused.length > 0 ? { refused } : undefined;
  return undefined;
}
