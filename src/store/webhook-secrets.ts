// S5.4: opening a database's webhook secrets at start. The key is the configured one, else the key
// file in the data directory (generated only for a database that has sealed nothing yet); a key
// check sealed on first open tells a wrong key at once, before anything is signed with garbage;
// secrets an older version stored in plain text are sealed in place.
import type Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { keyFromFile, SecretBox, SecretKeyError } from './secret-box.js';

/** What the store reports on start: never a secret, only paths, counts and modes. */
export interface StoreLog {
  info(detail: object, message: string): void;
  warn(detail: object, message: string): void;
}

/** Sealed under the key when a database is first opened. */
const KEY_CHECK = 'switchboard secret key check';

/** The authenticated data of a webhook's secret: it opens in its own row only. */
export const webhookContext = (tenant: string, id: string): string => `webhook:${tenant}:${id}`;

/**
 * The box that seals and opens this database's webhook secrets. `dir` is the data directory
 * (undefined for an in-memory store, which gets a key of its own). Throws SecretKeyError when the
 * key is missing or is not the one the database was written with.
 */
export function unlockSecrets(
  db: Database.Database,
  dir: string | undefined,
  configured: Buffer | undefined,
  log: StoreLog | undefined,
): SecretBox {
  const check = (
    db.prepare("SELECT value FROM store_meta WHERE key = 'key_check'").get() as { value: string } | undefined
  )?.value;
  const { box, newCheck } = openBox(check, dir, configured, log);
  if (newCheck !== undefined) db.prepare("INSERT INTO store_meta (key, value) VALUES ('key_check', ?)").run(newCheck);
  sealPlainSecrets(db, box, log);
  return box;
}

/**
 * The box for a database whose stored key check is `check` (undefined: none yet), shared by both
 * adapters. `newCheck`, when set, is the key check the caller stores (a database sealing its
 * first secret). Throws SecretKeyError when the key is missing or does not open the check.
 */
export function openBox(
  check: string | undefined,
  dir: string | undefined,
  configured: Buffer | undefined,
  log: StoreLog | undefined,
): { box: SecretBox; newCheck?: string } {
  const box = new SecretBox(
    configured ?? (dir === undefined ? randomBytes(32) : keyFile(dir, check === undefined, log)),
  );
  if (check === undefined) return { box, newCheck: box.seal(KEY_CHECK, 'key_check') };
  if (!opens(box, check)) {
    const source =
      configured !== undefined ? 'secretKey (SWITCHBOARD_SECRET_KEY)' : 'the key file secret.key in the data directory';
    throw new SecretKeyError(
      `${source} is not the key this database's webhook secrets were encrypted with: start with the key it was written with`,
    );
  }
  return { box };
}

function keyFile(dir: string, create: boolean, log: StoreLog | undefined): Buffer {
  const { key, created, path } = keyFromFile(dir, create);
  if (created)
    log?.info(
      { surface: 'store', path },
      'generated the key that encrypts webhook secrets: back it up with the database (or set secretKey)',
    );
  return key;
}

function opens(box: SecretBox, check: string): boolean {
  try {
    return box.open(check, 'key_check') === KEY_CHECK;
  } catch {
    return false;
  }
}

/**
 * Webhook secrets written in plain text by an older version are sealed in place. SQLite's
 * secure_delete zeroes the old bytes in the page, and a truncating checkpoint empties the WAL,
 * so no plain copy is left in the files.
 */
function sealPlainSecrets(db: Database.Database, box: SecretBox, log: StoreLog | undefined): void {
  const plain = db.prepare('SELECT tenant, id, secret FROM webhooks WHERE sealed = 0').all() as {
    tenant: string;
    id: string;
    secret: string;
  }[];
  if (plain.length === 0) return;
  db.pragma('secure_delete = ON');
  const seal = db.prepare('UPDATE webhooks SET secret = ?, sealed = 1 WHERE tenant = ? AND id = ?');
  db.transaction(() => {
    for (const r of plain) seal.run(box.seal(r.secret, webhookContext(r.tenant, r.id)), r.tenant, r.id);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('secure_delete = OFF');
  log?.warn({ surface: 'store', webhooks: plain.length }, 'encrypted webhook secrets that were stored in plain text');
}
