// Schema migrations, applied in order at start. A migration, once released, is never edited:
// add a new one.
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sip_domain TEXT NOT NULL UNIQUE,
    policy TEXT NOT NULL,
    epoch TEXT NOT NULL,
    seq INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  -- The engine's durable state of each user: directory fields plus facts (JSON).
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
  -- Credentials live apart from the engine's state: written by the accounts layer only.
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
    created_at INTEGER NOT NULL
  );
  CREATE TABLE auth_tokens (
    hash TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    user_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE events (
    tenant TEXT NOT NULL,
    epoch TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (tenant, epoch, seq)
  );
  CREATE TABLE history (
    tenant TEXT NOT NULL,
    user_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    queue_id TEXT,
    value TEXT NOT NULL,
    reason TEXT,
    cause TEXT NOT NULL
  );
  CREATE INDEX history_user ON history (tenant, user_id, at);
  CREATE TABLE webhooks (
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
  );
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    last_error TEXT,
    delivered_at INTEGER
  );
  CREATE INDEX outbox_due ON outbox (state, next_at);
  CREATE INDEX outbox_subject ON outbox (webhook_id, subject, state, id);
  CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_id INTEGER NOT NULL,
    tenant TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    status INTEGER,
    error TEXT,
    duration_ms INTEGER
  );
  CREATE INDEX deliveries_webhook ON deliveries (tenant, webhook_id, id);
  `,
  `
  -- S7, S8.2: SIP bindings, subscriptions and publications (kind), one JSON row each, so they
  -- survive a restart. Rows past expires_at are dropped when the SIP server starts.
  CREATE TABLE sip_state (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    tenant TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, key)
  );
  `,
  `
  -- S5.4: a user's sign-ins are found (and ended) by user: on removal, role or password change.
  CREATE INDEX auth_tokens_user ON auth_tokens (tenant, user_id);
  -- S5.4: tokens left behind by users removed before this migration must not pass to a later user
  -- created under the same id.
  DELETE FROM auth_tokens WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.tenant = auth_tokens.tenant AND u.id = auth_tokens.user_id);
  `,
  `
  -- S5.4: webhook secrets are stored sealed (AES-256-GCM, secret-box.ts); rows written before
  -- this are sealed = 0 and get sealed at start. store_meta holds the key check.
  ALTER TABLE webhooks ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  `
  -- S11.1: the call log, one row per call, merged from the call-log steps of committed batches.
  -- parties is ",u1,u2," (the users the call concerns, for "my calls"); decisions and offers JSON.
  CREATE TABLE call_log (
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    caller TEXT,
    target TEXT NOT NULL,
    queue_id TEXT,
    outcome TEXT,
    answered_by TEXT,
    answered_at INTEGER,
    parties TEXT NOT NULL,
    decisions TEXT NOT NULL,
    offers TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
  );
  CREATE INDEX call_log_started ON call_log (tenant, started_at, id);
  `,
];
