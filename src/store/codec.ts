// What a state row holds, versioned and validated. The store keeps facts and directory rows only:
// a user row is `{ v: 1, ...directory fields, settings, registrations, sessions, legs, manual,
// agent states, counters, settledAt, statusSince }`, never the presence record (derived: it is
// recomputed on load from the facts, as the core would) nor the engine's lease row (an index).
// Reading checks the row against its schema (codec-schemas.ts) and refuses one it cannot read
// with a StoreRowError naming the tenant and the row; rows written before versions existed (the
// whole UserState as JSON) are upgraded when read (UPGRADES below), so no rewrite is needed.
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { NO_ENTRIES, NO_ITEMS, newUser, presenceRecord } from '../core/index.js';
import type { Group, QueueState, TenantId, TenantPolicy, UserState } from '../core/index.js';
import { userWith } from '../core/user.js';
import { GroupRowV1, QueueRowV1, UserRowV1 } from './codec-schemas.js';

/** The version every row is written at. */
export const ROW_VERSION = 1;

export type RowKind = 'user' | 'group' | 'queue';

/** A stored row that is not JSON, is of an unknown version, or does not have the shape of its version. */
export class StoreRowError extends Error {
  constructor(
    readonly tenant: TenantId,
    readonly kind: RowKind,
    readonly id: string,
    readonly problems: readonly string[],
  ) {
    super(`store: cannot read the ${kind} row ${JSON.stringify(id)} of tenant ${tenant}: ${problems.join('; ')}`);
    this.name = 'StoreRowError';
  }
}

type UserRow = Static<typeof UserRowV1>;

const CHECKS = {
  user: Compile(UserRowV1),
  group: Compile(GroupRowV1),
  queue: Compile(QueueRowV1),
} as const;

type Json = Record<string, unknown>;

/**
 * Read-time upgrades of rows written before `v` existed, per kind. A user row then was the whole
 * UserState: the presence record gives `statusSince`, and the derived parts are dropped.
 */
const UPGRADES: Record<RowKind, (old: Json) => Json> = {
  user: ({ presence, leaseRow: _leaseRow, ...facts }) => ({
    v: 1,
    ...facts,
    statusSince: (presence as { since?: unknown } | undefined)?.since,
  }),
  group: (old) => ({ v: 1, ...old }),
  queue: (old) => ({ v: 1, ...old }),
};

/** Parses, upgrades and checks a row; throws StoreRowError when it cannot be read. */
function readRow<S extends TSchema>(kind: RowKind, text: string, tenant: TenantId, id: string): Static<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StoreRowError(tenant, kind, id, ['not JSON']);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new StoreRowError(tenant, kind, id, ['not an object']);
  let row = value as Json;
  if (row.v === undefined) row = UPGRADES[kind](row);
  if (row.v !== ROW_VERSION) throw new StoreRowError(tenant, kind, id, [`unknown version ${JSON.stringify(row.v)}`]);
  const check = CHECKS[kind];
  if (!check.Check(row)) {
    const problems = [...check.Errors(row)].slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new StoreRowError(tenant, kind, id, problems);
  }
  return row as Static<S>;
}

/** A user's row: directory fields and facts, version 1. */
export function encodeUser(u: UserState): string {
  const row: UserRow = {
    v: 1,
    id: u.id,
    extension: u.extension,
    name: u.name,
    role: u.role,
    settings: u.settings as UserRow['settings'],
    registrations: u.registrations as UserRow['registrations'],
    sessions: u.sessions as UserRow['sessions'],
    legs: u.legs as UserRow['legs'],
    manual: u.manual,
    schedule: u.schedule as UserRow['schedule'],
    calendar: u.calendar as UserRow['calendar'],
    hadRegistrationInSession: u.hadRegistrationInSession,
    missedCalls: u.missedCalls,
    voicemail: u.voicemail,
    lastCallEndedAt: u.lastCallEndedAt,
    agent: u.agent as UserRow['agent'],
    settledAt: u.settledAt,
    statusSince: u.presence.since,
  };
  return JSON.stringify(row);
}

/**
 * A user from its row: the facts as stored, the presence record recomputed by the core at the
 * moment it was last derived (`settledAt`), with the `since` it had. That is the record the engine
 * held: settling keeps a record until one of the fields the diff compares changes (S6.1).
 */
export function decodeUser(text: string, tenant: TenantId, id: string, policy: TenantPolicy): UserState {
  const row = readRow<typeof UserRowV1>('user', text, tenant, id);
  const at = row.settledAt ?? row.statusSince;
  const base = newUser({ id: row.id, extension: row.extension, name: row.name, role: row.role }, policy, at);
  const user = userWith(base, {
    settings: sharedActions(row.settings as UserState['settings'], base.settings),
    registrations: items(row.registrations as UserState['registrations']),
    sessions: items(row.sessions),
    legs: items(row.legs as UserState['legs']),
    manual: row.manual as UserState['manual'],
    schedule: row.schedule as UserState['schedule'],
    calendar: row.calendar as UserState['calendar'],
    hadRegistrationInSession: row.hadRegistrationInSession,
    missedCalls: row.missedCalls,
    voicemail: row.voicemail,
    lastCallEndedAt: row.lastCallEndedAt,
    agent: Object.keys(row.agent).length === 0 ? NO_ENTRIES : (row.agent as UserState['agent']),
    settledAt: row.settledAt,
  });
  const presence = presenceRecord(user, policy, at);
  return userWith(user, { presence: { ...presence, since: row.statusSince } });
}

// Empty lists and records read from a row are the core's shared ones (issue 19: memory per user).
const items = <T>(list: readonly T[]): readonly T[] => (list.length === 0 ? NO_ITEMS : list);
const sharedActions = (settings: UserState['settings'], defaults: UserState['settings']): UserState['settings'] =>
  Object.keys(settings.actions).length === 0 ? { ...settings, actions: defaults.actions } : settings;

export const encodeGroup = (g: Group): string => JSON.stringify({ v: 1, ...g });

export function decodeGroup(text: string, tenant: TenantId, id: string): Group {
  const { v: _v, ...group } = readRow<typeof GroupRowV1>('group', text, tenant, id);
  return group as Group;
}

export const encodeQueue = (q: QueueState): string => JSON.stringify({ v: 1, ...q });

export function decodeQueue(text: string, tenant: TenantId, id: string): QueueState {
  const { v: _v, ...queue } = readRow<typeof QueueRowV1>('queue', text, tenant, id);
  return queue as QueueState;
}
