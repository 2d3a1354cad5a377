// Directory reads shared by several pages (groups, queues, policy, users), fetched once per page
// view. Shapes are read tolerantly: a list may come bare or wrapped ({ groups: [...] }).
import { api } from './api.js';

export interface GroupInfo {
  readonly id: string;
  readonly name: string;
  readonly extension?: string;
  readonly members: readonly string[];
  readonly kind: 'group' | 'queue';
}

export interface QueueInfo {
  readonly id: string;
  readonly name: string;
  readonly extension?: string;
  readonly agents: readonly string[];
  readonly supervisors: readonly string[];
}

export interface Policy {
  readonly statusIndependentOfLogin?: boolean;
  readonly idleAfterSec?: number;
  readonly sessionTimeoutSec?: number;
  readonly defaultDeskDelaySec?: number;
  readonly manualStatuses?: readonly string[];
  readonly adminsSetOthers?: boolean;
  readonly timezone?: string;
  readonly maxCallSec?: number;
}

export interface DirectoryUser {
  readonly id: string;
  readonly extension: string;
  readonly name: string;
  readonly email?: string;
  readonly role?: string;
  readonly settings?: Record<string, unknown>;
}

type Raw = Record<string, unknown>;

function list(r: unknown, key: string): Raw[] {
  if (Array.isArray(r)) return r as Raw[];
  const v = (r as Raw | undefined)?.[key];
  return Array.isArray(v) ? (v as Raw[]) : [];
}

function strings(v: unknown): string[] {
  return Array.isArray(v)
    ? v.map((x) => (typeof x === 'string' ? x : String((x as Raw)?.id ?? (x as Raw)?.userId ?? '')))
    : [];
}

export async function loadGroups(): Promise<GroupInfo[]> {
  const r = await api<unknown>('GET', '/api/v1/groups');
  return list(r, 'groups').map((g) => ({
    id: String(g.id),
    name: String(g.name ?? g.id),
    extension: g.extension as string | undefined,
    members: strings(g.members),
    kind: 'group' as const,
  }));
}

export async function loadQueues(): Promise<QueueInfo[]> {
  const r = await api<unknown>('GET', '/api/v1/queues');
  return list(r, 'queues').map((x) => {
    const q = (x.config as Raw | undefined) ?? x;
    return {
      id: String(q.id ?? x.id),
      name: String(q.name ?? q.id),
      extension: q.extension as string | undefined,
      agents: strings(q.agents),
      supervisors: strings(q.supervisors),
    };
  });
}

export async function loadPolicy(): Promise<Policy> {
  return api<Policy>('GET', '/api/v1/tenant/policy');
}

export async function loadUsers(): Promise<DirectoryUser[]> {
  const r = await api<unknown>('GET', '/api/v1/users');
  return list(r, 'users') as unknown as DirectoryUser[];
}

export async function loadUser(ref: string): Promise<DirectoryUser> {
  return api<DirectoryUser>('GET', `/api/v1/users/${encodeURIComponent(ref)}`);
}

export type ActionType = 'voicemail' | 'busyTone' | 'message' | 'redirect' | 'external' | 'reject' | 'queue' | 'wait';
export type Target =
  | { kind: 'user' | 'group' | 'queue'; id: string }
  | { kind: 'extension'; extension: string }
  | { kind: 'external'; number: string };
export interface Action {
  readonly type: ActionType;
  readonly prompt?: string;
  readonly target?: Target;
  readonly number?: string;
  readonly queueId?: string;
  /** S11.4: a `wait` busy action's longest wait. */
  readonly maxWaitSec?: number;
}

/** S2.5/S3.2: what GET /api/v1/users/{user}/settings answers. */
export interface Settings {
  readonly deskDelaySec?: number;
  readonly ringTimeoutSec: number;
  readonly callWaiting: boolean;
  readonly forwardingAllowed: boolean;
  readonly absentAtLogout: boolean;
  readonly voicemail: boolean;
  readonly actions: Partial<Record<'dnd' | 'busy' | 'unreachable' | 'noAnswer', Action>>;
}

export async function loadSettings(ref: string): Promise<Settings> {
  return api<Settings>('GET', `/api/v1/users/${encodeURIComponent(ref)}/settings`);
}
