// SPEC S5.4 with S8.2 — data at rest: the data directory is 0700 and every file in it 0600 (it
// holds HA1 digests), webhook secrets are stored encrypted (AES-256-GCM) and never in plain text,
// they still sign after a restart, a plain secret from an older version is encrypted on start, and
// a wrong key stops the start with a clear error instead of signing with garbage.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, test } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, loadConfig } from '../../src/app/config.js';
import type { Config } from '../../src/app/config.js';
import { startServer } from '../../src/app/server.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { SecretKeyError, SqliteStore } from '../../src/store/index.js';
import { tempStores } from '../support/files.js';
import { NO_SHEDDING, call, login, SYSTEM_TOKEN, testServer } from '../support/server.js';
import { main } from '../support/process.js';
import { Receiver } from '../webhooks/receiver.js';

const tempStore = tempStores('rest');
const T = 1_700_000_000_000;
const SECRET = 'whsec-plain-text-must-never-be-on-disk';
const ALLOW_RECEIVERS = { webhookAllowedHosts: ['127.0.0.1'] };

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

/** Every file of the data directory, by name, with its mode. */
function modes(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((name) => [name, mode(join(dir, name))]));
}

/** All bytes of every file in the directory, as one latin1 string to search. */
function rawBytes(dir: string): string {
  return readdirSync(dir)
    .map((name) => readFileSync(join(dir, name)).toString('latin1'))
    .join('\n');
}

/** A logger whose lines the test reads. */
function capturedLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) }), lines };
}

function serverConfig(dataDir: string, overrides: Partial<Config> = {}): Config {
  return {
    ...DEFAULT_CONFIG,
    ...NO_SHEDDING,
    httpPort: 0,
    sipPort: 0,
    host: '127.0.0.1',
    dataDir,
    logLevel: 'silent',
    systemToken: SYSTEM_TOKEN,
    ...ALLOW_RECEIVERS,
    ...overrides,
  };
}

const signatureOf = (secret: string, ts: string, raw: string) =>
  `sha256=${createHmac('sha256', secret).update(`${ts}.${raw}`).digest('hex')}`;

describe('S5.4 file modes of the data directory', () => {
  test('S5.4 after start and writes the data directory is 0700 and the database, its -wal and -shm and the key file are 0600', async () => {
    // The test process's umask (usually 022) would give 0755 and 0644 without the store's care.
    const { dir } = tempStore();
    const dataDir = join(dir, 'data');
    const s = await testServer({ dataDir });
    try {
      const admin = await login(s.url, '1001');
      expect(
        (await call(s.url, 'PUT', '/api/v1/users/1003/status', { token: admin, body: { status: 'dnd' } })).status,
      ).toBe(200);
      expect(mode(dataDir)).toBe('700');
      const files = modes(dataDir);
      expect(Object.keys(files).sort()).toEqual([
        'secret.key',
        'switchboard.db',
        'switchboard.db-shm',
        'switchboard.db-wal',
      ]);
      expect(
        Object.values(files).every((m) => m === '600'),
        JSON.stringify(files),
      ).toBe(true);
    } finally {
      await s.close();
    }
  });

  test('S5.4 a looser data directory and files are tightened on start, each with a warning naming it', () => {
    const { dir, file } = tempStore();
    new SqliteStore(file).close();
    writeFileSync(join(dir, 'notes.txt'), 'left by an operator');
    chmodSync(dir, 0o755);
    chmodSync(file, 0o644);
    chmodSync(join(dir, 'notes.txt'), 0o666);
    chmodSync(join(dir, 'secret.key'), 0o640);
    const warnings: { detail: Record<string, unknown>; message: string }[] = [];
    const store = new SqliteStore(file, {
      log: {
        info: () => undefined,
        warn: (detail, message) => warnings.push({ detail: detail as Record<string, unknown>, message }),
      },
    });
    try {
      expect(mode(dir)).toBe('700');
      expect(modes(dir)).toEqual(
        expect.objectContaining({ 'switchboard.db': '600', 'notes.txt': '600', 'secret.key': '600' }),
      );
      expect(warnings.map((w) => [w.detail.path, w.detail.was, w.detail.now]).sort()).toEqual(
        [
          [dir, '0755', '0700'],
          [file, '0644', '0600'],
          [join(dir, 'notes.txt'), '0666', '0600'],
          [join(dir, 'secret.key'), '0640', '0600'],
        ].sort(),
      );
      expect(warnings.every((w) => /readable by other accounts/.test(w.message))).toBe(true);
    } finally {
      store.close();
    }
  });
});

describe('S5.4 webhook secrets at rest', () => {
  test('S5.4 the raw bytes of the database, WAL and every other file hold no webhook secret in plain text, while running and after close', async () => {
    const { dir } = tempStore();
    const { logger, lines } = capturedLogger();
    const server = await startServer(serverConfig(dir), { logger });
    let generated = '';
    try {
      const admin = await login(server.url, '1001');
      const given = await call(server.url, 'POST', '/api/v1/webhooks', {
        token: admin,
        body: { url: 'http://127.0.0.1:9/hook', secret: SECRET },
      });
      expect(given.status).toBe(201);
      const made = await call(server.url, 'POST', '/api/v1/webhooks', {
        token: admin,
        body: { url: 'http://127.0.0.1:9/hook2' },
      });
      generated = made.body.secret;
      expect(generated).toMatch(/^whsec_/);
      // The store reads them back for signing.
      expect((await server.store.webhooks('acme')).map((w) => w.secret).sort()).toEqual([SECRET, generated].sort());
      const running = rawBytes(dir);
      expect(running).toContain('http://127.0.0.1:9/hook');
      expect(running).not.toContain(SECRET);
      expect(running).not.toContain(generated);
    } finally {
      await server.close();
    }
    const closed = rawBytes(dir);
    expect(closed).toContain('http://127.0.0.1:9/hook2');
    expect(closed).not.toContain(SECRET);
    expect(closed).not.toContain(generated);
    // Nor in the log: the key file's generation is reported by its path, without the key.
    const log = lines.join('');
    expect(log).toContain('generated the key that encrypts webhook secrets');
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain(generated);
    expect(log).not.toContain(readFileSync(join(dir, 'secret.key'), 'utf8').trim());
  });

  test('S5.4 S8.2 after a restart on the same data the stored secret still signs: the receiver verifies the signature', async () => {
    const { dir } = tempStore();
    const rx = await Receiver.start();
    try {
      const first = await testServer({ ...ALLOW_RECEIVERS, dataDir: dir });
      const hook = await call(first.url, 'POST', '/api/v1/webhooks', {
        token: await login(first.url, '1001'),
        body: { url: `${rx.url}/restart`, secret: SECRET },
      });
      expect(hook.status).toBe(201);
      await first.close();
      const second = await testServer({ ...ALLOW_RECEIVERS, dataDir: dir });
      try {
        expect(
          (
            await call(second.url, 'POST', `/api/v1/webhooks/${hook.body.id}/test`, {
              token: await login(second.url, '1001'),
            })
          ).status,
        ).toBe(202);
        const [got] = await rx.waitFor(1, (r) => r.path === '/restart');
        expect(got!.headers['x-switchboard-signature']).toBe(
          signatureOf(SECRET, String(got!.headers['x-switchboard-timestamp']), got!.raw),
        );
      } finally {
        await second.close();
      }
    } finally {
      await rx.close();
    }
  });

  test('S5.4 a configured key (secretKey) works across restarts, and a different key stops the start with a clear error and changes nothing', async () => {
    const { dir, file } = tempStore();
    const key = randomBytes(32).toString('base64');
    const first = new SqliteStore(file, { secretKey: Buffer.from(key, 'base64') });
    first.createWebhook({
      tenant: 'acme',
      id: 'wh_1',
      url: 'https://hooks.example.com/',
      secret: SECRET,
      events: [],
      createdAt: T,
    });
    first.close();
    const sealedRow = () => {
      const db = new Database(file, { readonly: true });
      const row = db.prepare('SELECT secret, sealed FROM webhooks').all();
      db.close();
      return row;
    };
    const before = sealedRow();
    expect(before).toEqual([{ secret: expect.stringMatching(/^v1:/), sealed: 1 }]);

    const wrong = startServer(serverConfig(dir, { secretKey: randomBytes(32).toString('hex') }), {
      logger: pino({ level: 'silent' }),
    });
    await expect(wrong).rejects.toThrow(SecretKeyError);
    await expect(wrong).rejects.toThrow(
      /secretKey \(SWITCHBOARD_SECRET_KEY\) is not the key this database's webhook secrets were encrypted with/,
    );
    // The key forgotten: no key file is made up for a database that already holds sealed secrets.
    expect(() => new SqliteStore(file)).toThrow(
      /no secretKey \(SWITCHBOARD_SECRET_KEY\) is set and .*secret\.key is missing/,
    );
    expect(readdirSync(dir)).toEqual(['switchboard.db']);
    expect(sealedRow()).toEqual(before);

    const right = new SqliteStore(file, { secretKey: Buffer.from(key, 'base64') });
    expect((await right.webhooks('acme')).map((w) => w.secret)).toEqual([SECRET]);
    right.close();
  });

  test('S5.4 `switchboard start` with the wrong key exits 2 with one line naming the setting (needs npm run build)', () => {
    const { dir, file } = tempStore();
    new SqliteStore(file, { secretKey: randomBytes(32) }).close();
    const run = spawnSync(
      process.execPath,
      [
        main,
        'start',
        '--data-dir',
        dir,
        '--http-port',
        '0',
        '--sip-port',
        '0',
        '--host',
        '127.0.0.1',
        '--log-level',
        'silent',
      ],
      {
        env: { ...process.env, SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('base64') },
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect([run.status, run.stderr]).toEqual([
      2,
      "switchboard: secretKey (SWITCHBOARD_SECRET_KEY) is not the key this database's webhook secrets were encrypted with: start with the key it was written with\n",
    ]);
  });

  test('S5.4 a replaced or damaged key file stops the start with a clear error', async () => {
    const { dir, file } = tempStore();
    const store = new SqliteStore(file);
    await store.createWebhook({
      tenant: 'acme',
      id: 'wh_1',
      url: 'https://hooks.example.com/',
      secret: SECRET,
      events: [],
      createdAt: T,
    });
    store.close();
    const keyFile = join(dir, 'secret.key');
    const original = readFileSync(keyFile, 'utf8');
    writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`);
    expect(() => new SqliteStore(file)).toThrow(/is not the key this database's webhook secrets were encrypted with/);
    writeFileSync(keyFile, 'not a key');
    expect(() => new SqliteStore(file)).toThrow(/secret.key does not hold a secret key .* restore it from your backup/);
    writeFileSync(keyFile, original);
    const again = new SqliteStore(file);
    expect((await again.webhooks('acme'))[0]!.secret).toBe(SECRET);
    again.close();
  });

  test('S5.4 a sealed secret copied into another webhook row does not open there', async () => {
    const { file } = tempStore();
    const store = new SqliteStore(file);
    await store.createWebhook({
      tenant: 'acme',
      id: 'wh_1',
      url: 'https://a.example.com/',
      secret: SECRET,
      events: [],
      createdAt: T,
    });
    await store.createWebhook({
      tenant: 'globex',
      id: 'wh_2',
      url: 'https://b.example.com/',
      secret: 'another-secret-0123456789',
      events: [],
      createdAt: T,
    });
    store.close();
    const db = new Database(file);
    db.prepare("UPDATE webhooks SET secret = (SELECT secret FROM webhooks WHERE id = 'wh_1') WHERE id = 'wh_2'").run();
    db.close();
    const reopened = new SqliteStore(file);
    try {
      expect((await reopened.webhooks('acme'))[0]!.secret).toBe(SECRET);
      await expect(reopened.webhooks('globex')).rejects.toThrow(/webhook:globex:wh_2 does not open/);
    } finally {
      reopened.close();
    }
  });

  test('S5.4 a plain-text secret written by an older version is encrypted on start, keeps signing, and leaves no plain copy in the files', async () => {
    // Whether an update in place leaves the old bytes in a page depends on the page's layout
    // (SQLite zeroes them only with secure_delete), so companies of a few sizes are tried.
    for (const count of [1, 3, 20]) {
      const { dir, file } = tempStore();
      // The database as the version before this one left it: schema 2, the secrets in clear.
      const old = new Database(file);
      old.pragma('journal_mode = WAL');
      old.exec(
        'CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version (version) VALUES (2);',
      );
      old.exec(MIGRATIONS[0]!);
      old.exec(MIGRATIONS[1]!);
      const secrets = Array.from({ length: count }, (_, i) => `${SECRET}-${String(i).padStart(2, '0')}`);
      const insert = old.prepare(
        'INSERT INTO webhooks (tenant, id, url, secret, events, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      secrets.forEach((secret, i) =>
        insert.run('acme', `wh_${String(i).padStart(2, '0')}`, 'https://hooks.example.com/', secret, '[]', T),
      );
      old.close();
      const plainCopies = () => secrets.filter((secret) => rawBytes(dir).includes(secret));
      expect(plainCopies()).toEqual(secrets);

      const warnings: { detail: object; message: string }[] = [];
      const store = new SqliteStore(file, {
        log: { info: () => undefined, warn: (detail, message) => warnings.push({ detail, message }) },
      });
      try {
        expect((await store.webhooks('acme')).map((w) => w.secret)).toEqual(secrets);
        expect(warnings).toContainEqual({
          detail: { surface: 'store', webhooks: count },
          message: 'encrypted webhook secrets that were stored in plain text',
        });
        expect([count, plainCopies()]).toEqual([count, []]);
      } finally {
        store.close();
      }
      expect([count, plainCopies()]).toEqual([count, []]);
      const reopened = new SqliteStore(file);
      expect((await reopened.webhooks('acme')).map((w) => w.secret)).toEqual(secrets);
      reopened.close();
    }
  });

  test('S5.4 S8.1 secretKey must be 32 bytes in base64 or hex, and is never printed', () => {
    const key = randomBytes(32);
    expect(loadConfig([], { SWITCHBOARD_SECRET_KEY: key.toString('base64') }).secretKey).toBe(key.toString('base64'));
    expect(loadConfig(['--secret-key', key.toString('hex')], {}).secretKey).toBe(key.toString('hex'));
    for (const bad of ['short', randomBytes(16).toString('base64'), randomBytes(33).toString('hex'), 'z'.repeat(64)]) {
      expect(() => loadConfig([], { SWITCHBOARD_SECRET_KEY: bad }), bad).toThrow(ConfigError);
    }
  });
});
