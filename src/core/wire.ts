// Records as the API answers them, for the two sides of the wire: the server builds them and the
// browser app (web/) reads them. web/ may import only src/core/ (lint), so they live here rather
// than be typed twice. The routing decision (POST /api/v1/route) is the core's own, as it is.

export type { ActionDecision, Decision, Explanation, Owner } from './routing.js';
export type { RingEntry } from './direct.js';
export type { AnsweringAction, RouteTarget } from './types.js';
import type { OfficeHours } from './types.js';
export type { CallOutcome } from './call-log.js';

/** S5.1: what one line of a user import will do, before anything is written (importplan.ts). */
export interface PlannedRow {
  readonly row: number;
  readonly action: 'create' | 'update' | 'skip';
  readonly id?: string;
  readonly extension?: string;
  readonly name?: string;
  /** Every problem of the row, in words; empty: the row can be imported. */
  readonly problems: readonly string[];
  /** The code of the first problem: SWB_ERR_VALIDATION, or …_EXTENSION_TAKEN / …_EMAIL_TAKEN. */
  readonly code?: string;
  /** The earlier row with the same extension, id or email. */
  readonly duplicateOf?: number;
}

/** S5.1: the answer of an import with ?preview=true: nothing is written. */
export interface ImportPlan {
  readonly preview: true;
  readonly creates: number;
  readonly updates: number;
  readonly skipped: number;
  readonly rows: readonly PlannedRow[];
}

/** S5.1: what one line of a user import did. */
export interface ImportRowReport {
  readonly row: number;
  readonly ok: boolean;
  readonly id?: string;
  readonly action?: PlannedRow['action'];
  readonly error?: {
    readonly code: string;
    readonly message: string;
    /** The refusal's facts, e.g. `{ problems }`. */
    readonly details?: object;
  };
}

/** S5.1: the answer of an import: good rows imported, bad ones reported. */
export interface ImportReport {
  readonly imported: number;
  readonly failed: number;
  readonly rows: readonly ImportRowReport[];
}

/** S6.5: one change of a user's history (GET /api/v1/users/{user}/history). */
export interface HistoryRow {
  /** ISO 8601. */
  readonly at: string;
  readonly kind: 'status' | 'agent';
  readonly queueId?: string;
  readonly value: string;
  readonly reason?: string;
  readonly cause: string;
}

/** S6.5: a user's history between two instants. */
export interface HistoryPage {
  readonly userId: string;
  readonly from: string;
  readonly to: string;
  readonly history: readonly HistoryRow[];
}

/** S6.5: time in each status per local day (GET /api/v1/users/{user}/report). */
export interface StatusReport {
  readonly userId: string;
  readonly timezone: string;
  readonly from: string;
  readonly to: string;
  readonly days: readonly { readonly date: string; readonly statusMs: Readonly<Record<string, number>> }[];
}

/** Who is signed in (GET /api/v1/auth/me): a user's token, or an API key (no user). */
export interface SignedIn {
  readonly tenant: { readonly id: string; readonly name: string; readonly sipDomain: string };
  readonly role: 'admin' | 'supervisor' | 'user';
  readonly user: {
    readonly id: string;
    readonly extension: string;
    readonly name: string;
    readonly role: 'admin' | 'supervisor' | 'user';
  } | null;
  /** The API key id, when the credential is an API key. */
  readonly apiKey: string | null;
}

/** S11.2: whether a target is open now, and why not (GET /api/v1/hours, PUT /api/v1/night-mode). */
export interface HoursStatus {
  readonly target: {
    readonly kind: 'tenant' | 'group' | 'queue';
    readonly id?: string;
    readonly name: string;
    readonly extension?: string;
  };
  readonly open: boolean;
  readonly nightMode: boolean;
  /** The S11.2 row that closes it. */
  readonly rule?: string;
  readonly reason: string;
  readonly hours?: OfficeHours;
}

/** S11.2: the company and every group and queue, open or closed now. */
export interface HoursOverview {
  readonly timezone: string;
  /** Now in the tenant's time zone, e.g. "Fri 2026-12-25 19:00". */
  readonly localTime: string;
  readonly tenant: HoursStatus;
  readonly groups: readonly HoursStatus[];
  readonly queues: readonly HoursStatus[];
}
