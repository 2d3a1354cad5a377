// The working set of one command (Tx): what it changed so far, over the untouched state. A plain
// record that `apply` makes for one command and the handlers fill through the functions below;
// nobody else holds it, so it is written directly.
import type { CoreEvent, Directive, Reply, TimerRequest } from './commands.js';
import type { CallStep } from './call-log.js';
import { overlayMap } from './overlay.js';
import type { UserDraft } from './user.js';
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

export interface Tx {
  /** The state the command started from (never written). */
  readonly base: TenantState;
  readonly now: Instant;
  cause: Cause;
  policy: TenantPolicy;
  reply: Reply | undefined;
  /** The users this command replaced or added so far: fresh records of its own (`finish` completes them). */
  readonly users: Map<UserId, UserDraft>;
  // Most commands touch one user: the other working sets are made when first written.
  queues: Map<QueueId, QueueState> | undefined;
  groups: Map<GroupId, Group> | undefined;
  removedUsers: Set<UserId> | undefined;
  removedGroups: Set<GroupId> | undefined;
  removedQueues: Set<QueueId> | undefined;
  /** What the command emits so far; each starts as the shared empty array NONE (addEvent, addTimer, addDirective). */
  events: CoreEvent[];
  timers: TimerRequest[];
  directives: Directive[];
  /** S11.1: what the call log records of this command (call-log.ts). */
  calls: CallStep[] | undefined;
  /** The last `viewOf` answer, until the next write (a view reads through to the maps above). */
  view: TenantState | undefined;
}

/**
 * What `events`, `timers` and `directives` hold until the first is added: one empty array for
 * every command (never written; the add functions replace it), not three new ones each.
 */
const NONE = Object.freeze([]) as never[];

export function newTx(base: TenantState, now: Instant, cause: Cause): Tx {
  return {
    base,
    now,
    cause,
    policy: base.policy,
    reply: undefined,
    users: new Map(),
    queues: undefined,
    groups: undefined,
    removedUsers: undefined,
    removedGroups: undefined,
    removedQueues: undefined,
    events: NONE,
    timers: NONE,
    directives: NONE,
    calls: undefined,
    view: undefined,
  };
}

/** The user as this command sees them so far. */
export function userIn(tx: Tx, id: UserId): UserState | undefined {
  if (tx.removedUsers?.has(id) === true) return undefined;
  return tx.users.get(id) ?? tx.base.users.get(id);
}

/** The queue as this command sees it so far. */
export function queueIn(tx: Tx, id: QueueId): QueueState | undefined {
  if (tx.removedQueues?.has(id) === true) return undefined;
  return tx.queues?.get(id) ?? tx.base.queues.get(id);
}

export function putUser(tx: Tx, u: UserDraft): void {
  tx.users.set(u.id, u);
  tx.view = undefined;
}

export function putQueue(tx: Tx, q: QueueState): void {
  (tx.queues ??= new Map()).set(q.config.id, q);
  tx.view = undefined;
}

export function putGroup(tx: Tx, g: Group): void {
  (tx.groups ??= new Map()).set(g.id, g);
  tx.view = undefined;
}

export function dropUser(tx: Tx, id: UserId): void {
  (tx.removedUsers ??= new Set()).add(id);
  tx.users.delete(id);
  tx.view = undefined;
}

export function dropGroup(tx: Tx, id: GroupId): void {
  (tx.removedGroups ??= new Set()).add(id);
  tx.view = undefined;
}

export function dropQueue(tx: Tx, id: QueueId): void {
  (tx.removedQueues ??= new Set()).add(id);
  tx.queues?.delete(id);
  tx.view = undefined;
}

const EMPTY_MAP: ReadonlyMap<never, never> = new Map<never, never>();

/** The state as this command sees it so far. */
export function viewOf(tx: Tx): TenantState {
  return (tx.view ??= makeView(tx));
}

function makeView(tx: Tx): TenantState {
  const base = tx.base;
  const unchanged = tx.users.size === 0 && (tx.queues?.size ?? 0) === 0 && (tx.groups?.size ?? 0) === 0;
  if (unchanged && tx.policy === base.policy) return base;
  const extensions = new Map<string, UserId>();
  for (const u of tx.users.values()) extensions.set(u.extension, u.id);
  return {
    id: base.id,
    policy: tx.policy,
    users: overlayMap(base.users, tx.users, tx.removedUsers),
    byExtension: overlayMap(base.byExtension, extensions),
    groups: overlayMap(base.groups, tx.groups ?? EMPTY_MAP, tx.removedGroups),
    queues: overlayMap(base.queues, tx.queues ?? EMPTY_MAP, tx.removedQueues),
  };
}

/**
 * One more event. Most commands emit one or none: the first is put in an array of its own size
 * (a push onto an empty array makes room for 17), the others pushed.
 */
export function addEvent(tx: Tx, e: CoreEvent): void {
  if (tx.events.length === 0) tx.events = [e];
  else tx.events.push(e);
}

/** One more timer request; the first in an array of its own size (see addEvent). */
export function addTimer(tx: Tx, t: TimerRequest): void {
  if (tx.timers.length === 0) tx.timers = [t];
  else tx.timers.push(t);
}

/** One more directive; the first in an array of its own size (see addEvent). */
export function addDirective(tx: Tx, d: Directive): void {
  if (tx.directives.length === 0) tx.directives = [d];
  else tx.directives.push(d);
}

/** S11.1: one more step for the call log. */
export function logCall(tx: Tx, step: CallStep): void {
  (tx.calls ??= []).push(step);
}
