// The PostgreSQL store's access to its pool (postgres.ts): a query answering rows, and a
// transaction on one connection that commits when its function settles and rolls back when it
// throws. Every file of the adapter goes through this, so a connection is always given back.
import type { Pool, PoolClient } from 'pg';

export type Row = Record<string, unknown>;

export class PgDb {
  constructor(readonly pool: Pool) {}

  async rows(text: string, values: readonly unknown[] = []): Promise<Row[]> {
    return (await this.pool.query<Row>(text, values as unknown[])).rows;
  }

  async one(text: string, values: readonly unknown[] = []): Promise<Row | undefined> {
    return (await this.rows(text, values))[0];
  }

  /** Rows changed by a statement. */
  async run(text: string, values: readonly unknown[] = []): Promise<number> {
    return (await this.pool.query(text, values as unknown[])).rowCount ?? 0;
  }

  /** `f` in one transaction; a rejection rolls it back and nothing of it is kept. */
  async tx<T>(f: (c: PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const result = await f(c);
      await c.query('COMMIT');
      return result;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }
}

/** Orders (webhook, subject) lines' advisory-lock keys, so two transactions lock in the same order. */
export const lineKey = (tenant: string, webhookId: string, subject: string): string =>
  `${tenant}\n${webhookId}\n${subject}`;

/**
 * Locks the outbox lines named (until the transaction ends), in one order, so deciding whether a
 * new row is a line's head (enqueue) and promoting the next head (a settled row) never interleave
 * across connections or nodes.
 */
export async function lockLines(c: PoolClient, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await c.query(
    'SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k ORDER BY h) AS s',
    [keys],
  );
}
