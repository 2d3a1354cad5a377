// S10.2: a batch's changes on the bus between nodes, written with the store's row codec
// (store/codec.ts): a replica reads a user, group or queue exactly as a node loading the tenant
// from the store would, its presence record recomputed. Session leases that heartbeats move are
// not sent: a replica runs no timers, and a new owner loads the tenant from the store.
import type { Patch, TenantId, TenantPolicy } from '../core/index.js';
import type { PatchCodec } from '../cluster/index.js';
import { decodeGroup, decodeQueue, decodeUser, encodeGroup, encodeQueue, encodeUser } from '../store/index.js';

interface WirePatch {
  readonly policy?: TenantPolicy;
  readonly users?: readonly (readonly [string, string])[];
  readonly removedUsers?: readonly string[];
  readonly groups?: readonly (readonly [string, string])[];
  readonly removedGroups?: readonly string[];
  readonly queues?: readonly (readonly [string, string])[];
  readonly removedQueues?: readonly string[];
}

/** `policyOf` answers the replica's policy, which a user's presence is recomputed under. */
export function patchCodec(policyOf: (tenant: TenantId) => TenantPolicy | undefined): PatchCodec {
  return {
    encode: (patches) => patches.map(encodePatch).filter((p) => Object.keys(p).length > 0),
    decode(tenant, state) {
      if (!Array.isArray(state)) return undefined;
      let policy = policyOf(tenant);
      try {
        return (state as WirePatch[]).map((w) => {
          if (w.policy !== undefined) policy = w.policy;
          if (policy === undefined) throw new Error('no policy');
          return decodePatch(w, tenant, policy);
        });
      } catch {
        return undefined; // the replica loads the tenant from the store instead
      }
    },
  };
}

function encodePatch(p: Patch): WirePatch {
  return {
    ...(p.policy !== undefined ? { policy: p.policy } : {}),
    ...(p.users !== undefined ? { users: p.users.map((u) => [u.id, encodeUser(u)] as const) } : {}),
    ...(p.removedUsers !== undefined ? { removedUsers: p.removedUsers } : {}),
    ...(p.groups !== undefined ? { groups: p.groups.map((g) => [g.id, encodeGroup(g)] as const) } : {}),
    ...(p.removedGroups !== undefined ? { removedGroups: p.removedGroups } : {}),
    ...(p.queues !== undefined ? { queues: p.queues.map((q) => [q.config.id, encodeQueue(q)] as const) } : {}),
    ...(p.removedQueues !== undefined ? { removedQueues: p.removedQueues } : {}),
  };
}

function decodePatch(w: WirePatch, tenant: TenantId, policy: TenantPolicy): Patch {
  const ids = (list: unknown): string[] => {
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) throw new Error('not a list of ids');
    return list as string[];
  };
  return {
    ...(w.policy !== undefined ? { policy: w.policy } : {}),
    ...(w.users !== undefined ? { users: w.users.map(([id, text]) => decodeUser(text, tenant, id, policy)) } : {}),
    ...(w.removedUsers !== undefined ? { removedUsers: ids(w.removedUsers) } : {}),
    ...(w.groups !== undefined ? { groups: w.groups.map(([id, text]) => decodeGroup(text, tenant, id)) } : {}),
    ...(w.removedGroups !== undefined ? { removedGroups: ids(w.removedGroups) } : {}),
    ...(w.queues !== undefined ? { queues: w.queues.map(([id, text]) => decodeQueue(text, tenant, id)) } : {}),
    ...(w.removedQueues !== undefined ? { removedQueues: ids(w.removedQueues) } : {}),
  };
}
