// S5.4: secrets the server must be able to read back (a webhook's signing secret) are stored
// encrypted, AES-256-GCM with a random 96-bit nonce per value, so a copy of the database file alone
// (a backup, a file shared for debugging) does not give them away. Each value is bound to its row
// (the additional authenticated data), so a sealed secret copied into another row does not open.
// The key comes from the configuration (secretKey) or from a key file in the data directory,
// generated on first start.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const PREFIX = 'v1:';

/** The key file's name in the data directory, when no key is configured. */
export const KEY_FILE = 'secret.key';

/** A start that cannot go on: the key is missing, malformed or not the one the data was sealed with. */
export class SecretKeyError extends Error {}

/** 32 bytes from 64 hex digits or from base64 / base64url; undefined for anything else. */
export function parseSecretKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) return undefined;
  const key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === KEY_BYTES ? key : undefined;
}

/**
 * The key in `dir`'s key file. When there is none yet and `create` is set (a database that has
 * sealed nothing), a new one is written (mode 0600, never overwritten); `created` says so.
 */
export function keyFromFile(dir: string, create: boolean): { key: Buffer; created: boolean; path: string } {
  const path = join(dir, KEY_FILE);
  if (create) {
    try {
      const key = randomBytes(KEY_BYTES);
      writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      return { key, created: true, path };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new SecretKeyError(
      `this database's webhook secrets are encrypted, but no secretKey (SWITCHBOARD_SECRET_KEY) is set and ${path} is missing: set the key or restore the file from your backup`,
    );
  }
  const key = parseSecretKey(text);
  if (key === undefined) {
    throw new SecretKeyError(
      `${path} does not hold a secret key (32 bytes, base64 or hex); restore it from your backup`,
    );
  }
  return { key, created: false, path };
}

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new SecretKeyError(`a secret key is ${KEY_BYTES} bytes, not ${key.length}`);
  }

  /** `v1:` and base64url of nonce, tag and ciphertext; `context` names the row it belongs to. */
  seal(plain: string, context: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The plain value; a wrong key, another row's value or a damaged one throws SecretKeyError. */
  open(sealed: string, context: string): string {
    const raw = sealed.startsWith(PREFIX) ? Buffer.from(sealed.slice(PREFIX.length), 'base64url') : Buffer.alloc(0);
    if (raw.length < NONCE_BYTES + TAG_BYTES) throw new SecretKeyError(`the sealed value of ${context} is damaged`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, NONCE_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError(`the value of ${context} does not open with this secret key`);
    }
  }
}
