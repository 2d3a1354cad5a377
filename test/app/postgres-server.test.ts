// S10: the real server on the PostgreSQL store (--store): what it commits is there after a
// restart on the same database, and nothing is written to the SQLite file; an unreachable or
// malformed store is one line before anything starts.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, loadConfig } from '../../src/app/config.js';
import { preflight } from '../../src/app/preflight.js';
import { NO_SHEDDING, call, login, testServer } from '../support/server.js';
import { tempDatabases } from '../support/postgres.js';

const tempDatabase = tempDatabases();
const parent = mkdtempSync(join(tmpdir(), 'swb-pg-server-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));
/** Not there yet: the server makes it, for the key file only. */
const dataDir = join(parent, 'data');

describe('S10 the server on PostgreSQL', () => {
  test('S8.2 a status set over REST is read back after the server restarts on the same database', async () => {
    const storeUrl = await tempDatabase();
    const first = await testServer({ storeUrl, dataDir, demo: true });
    try {
      const carol = await login(first.url, '1003');
      const put = await call(first.url, 'PUT', '/api/v1/users/1003/status', {
        token: carol,
        body: { status: 'dnd', text: 'on PostgreSQL' },
      });
      expect(put.status).toBe(200);
    } finally {
      await first.close();
    }
    // The embedded default was not used; the data directory holds the key of the webhook secrets (S5.4).
    expect(readdirSync(dataDir)).toEqual(['secret.key']);
    expect([statSync(dataDir).mode & 0o777, statSync(join(dataDir, 'secret.key')).mode & 0o777]).toEqual([
      0o700, 0o600,
    ]);

    const second = await testServer({ storeUrl, dataDir, demo: true });
    try {
      const carol = await login(second.url, '1003');
      const me = await call(second.url, 'GET', '/api/v1/users/1003/presence', { token: carol });
      expect(me.status).toBe(200);
      expect(me.body.manual).toMatchObject({ status: 'dnd', text: 'on PostgreSQL', setBy: 'self' });
    } finally {
      await second.close();
    }
  });

  test('S10 an unreachable store is one line naming --store before anything starts', async () => {
    const problem = await preflight({
      ...DEFAULT_CONFIG,
      ...NO_SHEDDING,
      dataDir: parent,
      host: '127.0.0.1',
      httpPort: 0,
      sipPort: 0,
      storeUrl: 'postgres://switchboard:hunter2@127.0.0.1:1/switchboard',
    });
    expect(problem).toMatch(
      /^the store at postgres:\/\/switchboard:\*\*\*@127\.0\.0\.1:1\/switchboard cannot be used \(.*ECONNREFUSED.*\); start PostgreSQL there or change --store or SWITCHBOARD_STORE\.$/,
    );
    expect(problem).not.toContain('\n');
    expect(problem).not.toContain('hunter2');
  });

  test('S10 --store takes a PostgreSQL connection string, SWITCHBOARD_STORE too, and refuses anything else', () => {
    expect(loadConfig(['--store', 'postgres://postgres@127.0.0.1:5432/switchboard'], {}).storeUrl).toBe(
      'postgres://postgres@127.0.0.1:5432/switchboard',
    );
    expect(loadConfig([], { SWITCHBOARD_STORE: 'postgresql://db.example/swb' }).storeUrl).toBe(
      'postgresql://db.example/swb',
    );
    expect(loadConfig([], {}).storeUrl).toBe('');
    for (const bad of ['nats://127.0.0.1:4222', 'postgres://127.0.0.1:5432', 'switchboard'])
      expect(() => loadConfig(['--store', bad], {})).toThrow(ConfigError);
  });
});
