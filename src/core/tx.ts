// The mutable working set of one command (Tx): what it changed so far, over the untouched state.
import type { CoreEvent, Directive, Reply, TimerRequest } from './commands.js';
import { OverlayMap } from './state.js';
import type {
  Cause,
  Group,
  GroupId,
  Instant,
  QueueId,
  QueueState,
  TenantPolicy,
  TenantState,
  UserId,
  UserState,
} from './types.js';

const EMPTY_MAP: ReadonlyMap<never, never> = new Map<never, never>();
const EMPTY_SET: ReadonlySet<never> = new Set<never>();

/** The working set of one command: what it changed so far, over the untouched state. */
export class Tx {
  readonly users = new Map<UserId, UserState>();
  // Most commands touch one user: the other working sets are made when first written.
  private changedQueues: Map<QueueId, QueueState> | undefined;
  private changedGroups: Map<GroupId, Group> | undefined;
  private goneUsers: Set<UserId> | undefined;
  private goneGroups: Set<GroupId> | undefined;
  private goneQueues: Set<QueueId> | undefined;
  readonly events: CoreEvent[] = [];
  readonly timers: TimerRequest[] = [];
  readonly directives: Directive[] = [];
  policy: TenantPolicy;
  reply: Reply | undefined;
  constructor(
    readonly base: TenantState,
    readonly now: Instant,
    public cause: Cause,
  ) {
    this.policy = base.policy;
  }
  get queues(): ReadonlyMap<QueueId, QueueState> {
    return this.changedQueues ?? EMPTY_MAP;
  }
  get groups(): ReadonlyMap<GroupId, Group> {
    return this.changedGroups ?? EMPTY_MAP;
  }
  get removedUsers(): ReadonlySet<UserId> {
    return this.goneUsers ?? EMPTY_SET;
  }
  get removedGroups(): ReadonlySet<GroupId> {
    return this.goneGroups ?? EMPTY_SET;
  }
  get removedQueues(): ReadonlySet<QueueId> {
    return this.goneQueues ?? EMPTY_SET;
  }
  user(id: UserId): UserState | undefined {
    if (this.goneUsers?.has(id) === true) return undefined;
    return this.users.get(id) ?? this.base.users.get(id);
  }
  queue(id: QueueId): QueueState | undefined {
    if (this.goneQueues?.has(id) === true) return undefined;
    return this.changedQueues?.get(id) ?? this.base.queues.get(id);
  }
  removeUser(id: UserId): void {
    (this.goneUsers ??= new Set()).add(id);
    this.users.delete(id);
  }
  putGroup(g: Group): void {
    (this.changedGroups ??= new Map()).set(g.id, g);
  }
  removeGroup(id: GroupId): void {
    (this.goneGroups ??= new Set()).add(id);
  }
  removeQueue(id: QueueId): void {
    (this.goneQueues ??= new Set()).add(id);
    this.changedQueues?.delete(id);
  }
  putUser(u: UserState): void {
    this.users.set(u.id, u);
  }
  putQueue(q: QueueState): void {
    (this.changedQueues ??= new Map()).set(q.config.id, q);
  }
  /** The state as this command sees it so far. */
  view(): TenantState {
    if (this.users.size === 0 && this.queues.size === 0 && this.groups.size === 0 && this.policy === this.base.policy)
      return this.base;
    const extensions = new Map<string, UserId>();
    for (const u of this.users.values()) extensions.set(u.extension, u.id);
    const byExtension = new OverlayMap(this.base.byExtension, extensions);
    return {
      id: this.base.id,
      policy: this.policy,
      leases: this.base.leases,
      users: new OverlayMap(this.base.users, this.users, this.removedUsers),
      byExtension,
      groups: new OverlayMap(this.base.groups, this.groups, this.removedGroups),
      queues: new OverlayMap(this.base.queues, this.queues, this.removedQueues),
    };
  }
}
