// The PostgreSQL store's schema migrations (postgres.ts), applied in order at open under an
// advisory lock, so nodes starting together migrate once. The tables and columns are those of
// the SQLite schema (migrations.ts), so both adapters read rows alike (rows.ts); times and
// sequence numbers are BIGINT (milliseconds do not fit an INTEGER). A migration, once released,
// is never edited: add a new one.
import type { PoolClient } from 'pg';
import { COMMIT_FUNCTION } from './postgres-commit-sql.js';

export const PG_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sip_domain TEXT NOT NULL UNIQUE,
    policy TEXT NOT NULL,
    epoch TEXT NOT NULL,
    seq BIGINT NOT NULL,
    created_at BIGINT NOT NULL
  );
  -- The engine's durable state of each user: directory fields plus facts (codec.ts, TEXT as encoded).
  CREATE TABLE users (
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    extension TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
  );
  CREATE UNIQUE INDEX users_extension ON users (tenant, extension);
  CREATE TABLE credentials (
    tenant TEXT NOT NULL,
    user_id TEXT NOT NULL,
    email TEXT,
    password_hash TEXT,
    sip_ha1 TEXT,
    terminal_ha1 TEXT,
    PRIMARY KEY (tenant, user_id)
  );
  CREATE UNIQUE INDEX credentials_email ON credentials (tenant, email) WHERE email IS NOT NULL;
  CREATE TABLE groups_ (tenant TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (tenant, id));
  CREATE TABLE queues (tenant TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (tenant, id));
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE TABLE auth_tokens (
    hash TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    user_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  CREATE INDEX auth_tokens_user ON auth_tokens (tenant, user_id);
  CREATE TABLE events (
    tenant TEXT NOT NULL,
    epoch TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    type TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (tenant, epoch, seq)
  );
  -- id keeps rows of the same millisecond in commit order (SQLite's rowid).
  CREATE TABLE history (
    id BIGSERIAL PRIMARY KEY,
    tenant TEXT NOT NULL,
    user_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    queue_id TEXT,
    value TEXT NOT NULL,
    reason TEXT,
    cause TEXT NOT NULL
  );
  CREATE INDEX history_user ON history (tenant, user_id, at);
  -- S5.4: secret is always sealed (secret-box.ts); this schema never held a plain one.
  CREATE TABLE webhooks (
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant, id)
  );
  CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    tenant TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    last_error TEXT,
    delivered_at BIGINT
  );
  CREATE INDEX outbox_due ON outbox (state, next_at);
  CREATE INDEX outbox_subject ON outbox (webhook_id, subject, state, id);
  CREATE TABLE deliveries (
    id BIGSERIAL PRIMARY KEY,
    outbox_id BIGINT NOT NULL,
    tenant TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    status INTEGER,
    error TEXT,
    duration_ms BIGINT
  );
  CREATE INDEX deliveries_webhook ON deliveries (tenant, webhook_id, id);
  CREATE TABLE sip_state (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    tenant TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, key)
  );
  CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  // S10.1, S10.4: several nodes. Each tenant's owner holds a lease until expires_at (the database's
  // clock, milliseconds), and every new owner raises the fence the journal checks on each commit.
  // Nodes say they are alive in cluster_nodes.
  `
  CREATE TABLE tenant_leases (
    tenant TEXT PRIMARY KEY,
    node TEXT NOT NULL,
    fence BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  CREATE TABLE cluster_nodes (node TEXT PRIMARY KEY, seen_at BIGINT NOT NULL, address TEXT NOT NULL);
  `,
  `
  -- S11.1: the call log (see the SQLite migration for the columns).
  CREATE TABLE call_log (
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    caller TEXT,
    target TEXT NOT NULL,
    queue_id TEXT,
    outcome TEXT,
    answered_by TEXT,
    answered_at BIGINT,
    parties TEXT NOT NULL,
    decisions JSONB NOT NULL,
    offers JSONB NOT NULL,
    PRIMARY KEY (tenant, id)
  );
  CREATE INDEX call_log_started ON call_log (tenant, started_at, id);
  `,
  // S8.2, S10.4: a journal batch in one round trip (postgres-commit-sql.ts).
  COMMIT_FUNCTION,
];

/** Any fixed number: the advisory lock nodes take while one of them migrates. */
const MIGRATION_LOCK = 0x5b_0001;

/** Brings the schema to the last migration; idempotent, safe when several nodes open at once. */
export async function migrate(client: PoolClient): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const r = await client.query<{ version: number }>('SELECT version FROM schema_version');
    let version = r.rows[0]?.version ?? 0;
    if (r.rows.length === 0) await client.query('INSERT INTO schema_version (version) VALUES (0)');
    for (; version < PG_MIGRATIONS.length; version++) {
      await client.query(PG_MIGRATIONS[version]!);
      await client.query('UPDATE schema_version SET version = $1', [version + 1]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
