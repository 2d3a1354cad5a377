// Building a tenant's state and a new user's first record. The core never changes a state:
// `apply` answers a patch, and the engine (the tenant's single writer) commits it.
import { DEFAULT_POLICY, DEFAULT_USER_SETTINGS, NO_ENTRIES, NO_ITEMS } from './defaults.js';
import { presenceRecord } from './presence.js';
import { userWith } from './user.js';
import type { UserDraft } from './user.js';
import type {
  Group,
  Instant,
  QueueState,
  Role,
  TenantId,
  TenantPolicy,
  TenantState,
  UserId,
  UserSettings,
  UserState,
} from './types.js';

/** What a tenant holds, as a store keeps it. */
export interface TenantContents {
  readonly users?: readonly UserState[];
  readonly groups?: readonly Group[];
  readonly queues?: readonly QueueState[];
}

/** A tenant's state: empty, or holding `contents` (a restored tenant). */
export function createTenantState(
  id: TenantId,
  policy: Partial<TenantPolicy> = {},
  contents: TenantContents = {},
): TenantState {
  const users = new Map<UserId, UserState>();
  const byExtension = new Map<string, UserId>();
  for (const u of contents.users ?? []) {
    users.set(u.id, u);
    byExtension.set(u.extension, u.id);
  }
  return {
    id,
    policy: { ...DEFAULT_POLICY, ...policy },
    users,
    byExtension,
    groups: new Map((contents.groups ?? []).map((g) => [g.id, g])),
    queues: new Map((contents.queues ?? []).map((q) => [q.config.id, q])),
  };
}

export function newUser(
  input: { id: UserId; extension: string; name: string; role?: Role; settings?: Partial<UserSettings> },
  policy: TenantPolicy,
  now: Instant,
): UserDraft {
  const base: Omit<UserState, 'presence'> = {
    id: input.id,
    extension: input.extension,
    name: input.name,
    role: input.role ?? 'user',
    settings: { ...DEFAULT_USER_SETTINGS, ...input.settings },
    registrations: NO_ITEMS,
    sessions: NO_ITEMS,
    legs: NO_ITEMS,
    hadRegistrationInSession: false,
    missedCalls: 0,
    voicemail: 0,
    agent: NO_ENTRIES,
  };
  const draft = base as UserState;
  return userWith(draft, { presence: presenceRecord(draft, policy, now) });
}
