// Command handlers: the tenant's groups, queues and policy (group.upsert, queue.upsert, queue.remove, tenant.policy).
import type { Command } from './commands.js';
import { DEFAULT_GROUP, DEFAULT_QUEUE } from './defaults.js';
import { refuse } from './errors.js';
import { dropGroup, dropQueue, putGroup, putQueue, putUser, queueIn, userIn, viewOf } from './tx.js';
import type { Tx } from './tx.js';
import { copyUser, userWith } from './user.js';
import { validateGroup, validatePolicy, validateQueue } from './validate.js';
import { keepNight } from './commands-hours.js';
import type { Group, GroupId, QueueId, Refusal, TenantPolicy, UserId } from './types.js';

export function upsertGroup(tx: Tx, cmd: Extract<Command, { type: 'group.upsert' }>): Refusal | undefined {
  const existing = viewOf(tx).groups.get(cmd.group.id);
  const merged: Group = { ...DEFAULT_GROUP, ...existing, ...cmd.group };
  const hours = keepNight(merged.hours, existing?.hours);
  const group: Group = hours === merged.hours ? merged : { ...merged, hours };
  const bad = validateGroup(group, (id) => userIn(tx, id) !== undefined);
  if (bad) return bad;
  putGroup(tx, group);
  return undefined;
}

export function removeGroup(tx: Tx, groupId: GroupId): Refusal | undefined {
  if (viewOf(tx).groups.get(groupId) === undefined) return refuse('SWB_ERR_GROUP_NOT_FOUND', { group: groupId });
  dropGroup(tx, groupId);
  return undefined;
}

export function upsertQueue(tx: Tx, cmd: Extract<Command, { type: 'queue.upsert' }>): Refusal | undefined {
  const existing = queueIn(tx, cmd.queue.id);
  const merged = { ...DEFAULT_QUEUE, ...existing?.config, ...cmd.queue };
  const hours = keepNight(merged.hours, existing?.config.hours);
  const config = hours === merged.hours ? merged : { ...merged, hours };
  const bad = validateQueue(config, (id) => userIn(tx, id) !== undefined);
  if (bad) return bad;
  putQueue(
    tx,
    existing ? { ...existing, config } : { config, waiting: [], answeredToday: 0, missedToday: 0, overflowedToday: 0 },
  );
  // Agents taken out of the queue leave its agent states.
  dropAgentStates(
    tx,
    config.id,
    (existing?.config.agents ?? []).filter((a) => !config.agents.includes(a)),
  );
  return undefined;
}

/** The agent state of these users in this queue is gone (finish emits logged_out for it). */
function dropAgentStates(tx: Tx, queueId: QueueId, agents: readonly UserId[]): void {
  for (const a of agents) {
    const u = userIn(tx, a);
    if (u?.agent[queueId] === undefined) continue;
    const agent = { ...u.agent };
    delete agent[queueId];
    putUser(tx, userWith(u, { agent }));
  }
}

export function removeQueue(tx: Tx, queueId: QueueId): Refusal | undefined {
  const q = queueIn(tx, queueId);
  if (q === undefined) return refuse('SWB_ERR_QUEUE_NOT_FOUND', { queue: queueId });
  dropQueue(tx, queueId);
  dropAgentStates(tx, queueId, q.config.agents);
  return undefined;
}

export function setPolicy(tx: Tx, policy: Partial<TenantPolicy>): Refusal | undefined {
  const merged = { ...tx.policy, ...policy };
  const hours = keepNight(merged.hours, tx.policy.hours);
  const next = hours === merged.hours ? merged : { ...merged, hours };
  const bad = validatePolicy(next);
  if (bad) return bad;
  tx.policy = next;
  tx.view = undefined;
  // Every user's presence may depend on the policy (S2.3#4, S1.4).
  for (const u of tx.base.users.values()) if (!tx.users.has(u.id)) putUser(tx, copyUser(u));
  return undefined;
}
