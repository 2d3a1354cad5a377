// S3: finding the target of a call (a user, group or queue by id, or an extension of any of them).
import { refuse } from './errors.js';
import type { Group, QueueState, Refusal, RouteTarget, TenantState, UserState } from './types.js';

export type Resolved =
  | { readonly kind: 'user'; readonly user: UserState }
  | { readonly kind: 'group'; readonly group: Group }
  | { readonly kind: 'queue'; readonly queue: QueueState }
  | { readonly kind: 'external'; readonly number: string };

/** Finds a target by id or extension; an unknown id is a refusal, never a throw. */
export function resolveTarget(
  state: TenantState,
  target: RouteTarget,
): { readonly ok: true; readonly resolved: Resolved } | Refusal {
  switch (target.kind) {
    case 'user': {
      const user = state.users.get(target.id);
      return user
        ? { ok: true, resolved: { kind: 'user', user } }
        : refuse('SWB_ERR_USER_NOT_FOUND', { user: target.id });
    }
    case 'group': {
      const group = state.groups.get(target.id);
      return group
        ? { ok: true, resolved: { kind: 'group', group } }
        : refuse('SWB_ERR_GROUP_NOT_FOUND', { group: target.id });
    }
    case 'queue': {
      const queue = state.queues.get(target.id);
      return queue
        ? { ok: true, resolved: { kind: 'queue', queue } }
        : refuse('SWB_ERR_QUEUE_NOT_FOUND', { queue: target.id });
    }
    case 'external':
      return { ok: true, resolved: { kind: 'external', number: target.number } };
    case 'extension': {
      const userId = state.byExtension.get(target.extension);
      const user = userId === undefined ? undefined : state.users.get(userId);
      if (user) return { ok: true, resolved: { kind: 'user', user } };
      for (const group of state.groups.values())
        if (group.extension === target.extension) return { ok: true, resolved: { kind: 'group', group } };
      for (const queue of state.queues.values()) {
        if (queue.config.extension === target.extension) return { ok: true, resolved: { kind: 'queue', queue } };
      }
      // A number that is no extension of the tenant leaves the PBX.
      return { ok: true, resolved: { kind: 'external', number: target.extension } };
    }
  }
}
