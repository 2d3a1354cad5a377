// S8.2 for SIP: bindings, subscriptions and publications are written through a persistence port
// (the store implements it) so they survive a restart, kill -9 included. Writes made in one turn
// of the event loop are committed together in one transaction, one transaction after the other
// (the port is asynchronous: a networked database may take its time, and order must hold);
// whoever must acknowledge (a 200 to REGISTER, SUBSCRIBE or PUBLISH) waits for that commit.
// Without a port (tests that build the SIP server alone) everything stays in memory and nothing
// waits.
import type { TenantId } from '../core/index.js';

export type SipStateKind = 'binding' | 'subscription' | 'publication';

export interface SipStateRow {
  readonly kind: SipStateKind;
  readonly key: string;
  readonly tenant: TenantId;
  readonly expiresAt: number;
  /** The record as JSON: the SIP layer alone reads it. */
  readonly data: string;
}

export type SipStateRef = Pick<SipStateRow, 'kind' | 'key'>;

export interface SipPersistence {
  /** Writes and deletes rows in one transaction; rejects when the commit fails. */
  saveSipState(puts: readonly SipStateRow[], deletes: readonly SipStateRef[]): Promise<void>;
  /** Every stored row, expired ones included. */
  sipState(): Promise<readonly SipStateRow[]>;
}

const DONE = Promise.resolve();

/** Write-behind with commit before acknowledge: one transaction per turn of the event loop. */
export class SipJournal {
  private staged = new Map<string, { put?: SipStateRow; ref: SipStateRef }>();
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private scheduled = false;
  /** The transaction under way: the next one starts after it. */
  private committing: Promise<void> = DONE;

  constructor(
    private readonly port: SipPersistence | undefined,
    private readonly onError: (e: Error) => void,
  ) {}

  get enabled(): boolean {
    return this.port !== undefined;
  }

  /** Every stored row (none without a port). */
  async load(): Promise<readonly SipStateRow[]> {
    return (await this.port?.sipState()) ?? [];
  }

  /** Stages puts and deletes; the promise settles when they are committed. */
  write(puts: readonly SipStateRow[], deletes: readonly SipStateRef[] = []): Promise<void> {
    if (this.port === undefined) return DONE;
    this.stage(puts, deletes);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Stages puts and deletes that nobody waits for (a failure is logged). */
  later(puts: readonly SipStateRow[], deletes: readonly SipStateRef[] = []): void {
    if (this.port === undefined || (puts.length === 0 && deletes.length === 0)) return;
    this.stage(puts, deletes);
  }

  private stage(puts: readonly SipStateRow[], deletes: readonly SipStateRef[]): void {
    for (const ref of deletes) this.staged.set(`${ref.kind}\u0000${ref.key}`, { ref });
    for (const put of puts) this.staged.set(`${put.kind}\u0000${put.key}`, { put, ref: put });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  /** Commits what is staged now, after the transaction under way (also called when the server stops). */
  flush(): Promise<void> {
    this.scheduled = false;
    if (this.port === undefined || (this.staged.size === 0 && this.waiters.length === 0)) return this.committing;
    const staged = this.staged;
    const waiters = this.waiters;
    this.staged = new Map();
    this.waiters = [];
    const puts: SipStateRow[] = [];
    const deletes: SipStateRef[] = [];
    for (const s of staged.values()) {
      if (s.put !== undefined) puts.push(s.put);
      else deletes.push(s.ref);
    }
    const port = this.port;
    this.committing = this.committing.then(() =>
      port.saveSipState(puts, deletes).then(
        () => {
          for (const w of waiters) w.resolve();
        },
        (e: unknown) => {
          this.onError(e as Error);
          for (const w of waiters) w.reject(e as Error);
        },
      ),
    );
    return this.committing;
  }
}

/** Parses a stored row's JSON; undefined when it is not an object (a damaged row is skipped). */
export function rowData(row: SipStateRow): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(row.data);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
