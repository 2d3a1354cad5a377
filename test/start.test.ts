// `switchboard start` refuses a taken port or an unusable data directory with one plain line
// naming the setting to change, before it creates anything (issue: every role's first hour).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import Database from 'better-sqlite3';
import { DEFAULT_POLICY } from '../src/core/index.js';
import { SqliteStore } from '../src/store/index.js';
import { main } from './support/process.js';

function start(args: readonly string[]): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [main, 'start', '--host', '127.0.0.1', '--log-level', 'silent', ...args], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

describe('starting on a taken port or an unusable data directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'swb-start-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a taken HTTP port is one line naming --http-port, and the data directory is not created', async () => {
    const { server, port } = await listen();
    try {
      const dataDir = join(dir, 'data');
      const r = start(['--http-port', String(port), '--sip-port', '0', '--data-dir', dataDir]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(
        `switchboard: cannot start: the HTTP port ${port} on 127.0.0.1 is already in use; choose another with --http-port or SWITCHBOARD_HTTP_PORT.\n`,
      );
      expect(r.stdout).toBe('');
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      server.close();
    }
  });

  test('a taken SIP port leaves an existing empty data directory empty', async () => {
    const { server, port } = await listen();
    try {
      const r = start(['--http-port', '0', '--sip-port', String(port), '--data-dir', dir]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(
        `switchboard: cannot start: the SIP port (TCP) ${port} on 127.0.0.1 is already in use; choose another with --sip-port or SWITCHBOARD_SIP_PORT.\n`,
      );
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      server.close();
    }
  });

  test('S10 a PostgreSQL store that cannot be reached is one line naming --store, and the data directory stays empty', () => {
    const r = start([
      '--http-port',
      '0',
      '--sip-port',
      '0',
      '--data-dir',
      dir,
      '--store',
      'postgres://postgres@127.0.0.1:1/swb',
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^switchboard: cannot start: the store at postgres:\/\/postgres@127\.0\.0\.1:1\/swb cannot be used \(.*ECONNREFUSED.*\); start PostgreSQL there or change --store or SWITCHBOARD_STORE\.\n$/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a data directory that is a file is one line naming --data-dir', () => {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = start(['--http-port', '0', '--sip-port', '0', '--data-dir', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `switchboard: cannot start: the data directory ${file} is not a directory; choose another with --data-dir or SWITCHBOARD_DATA_DIR.\n`,
    );
  });

  test('S8.2 a state row the store cannot read stops the start with one line naming the tenant and the user', async () => {
    const file = join(dir, 'switchboard.db');
    const store = new SqliteStore(file);
    await store.createTenant(
      { id: 'acme', name: 'Acme', sipDomain: 'acme.test', policy: DEFAULT_POLICY, epoch: 'e1', seq: 0 },
      0,
    );
    await store.close();
    const db = new Database(file);
    db.prepare('INSERT INTO users (tenant, id, extension, name, role, state) VALUES (?, ?, ?, ?, ?, ?)').run(
      'acme',
      'u1001',
      '1001',
      'Ann',
      'user',
      '{"v":1,"id":"u1001"',
    );
    db.close();
    const r = start(['--http-port', '0', '--sip-port', '0', '--data-dir', dir]);
    expect([r.status, r.stderr]).toEqual([
      2,
      'switchboard: cannot start: store: cannot read the user row "u1001" of tenant acme: not JSON\n',
    ]);
  });
});

/** Starts the server with these log flags and returns what it printed until it listens. */
async function startupOutput(dataDir: string, args: readonly string[]): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      main,
      'start',
      '--host',
      '127.0.0.1',
      '--http-port',
      '0',
      '--sip-port',
      '0',
      '--data-dir',
      dataDir,
      '--no-demo',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('running at') && out.includes('switchboard is listening')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
    });
  } finally {
    child.kill('SIGKILL');
  }
  return out;
}

describe('log format', () => {
  test('--log-format pretty prints readable lines, json prints one JSON object a line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swb-log-'));
    try {
      const pretty = await startupOutput(join(dir, 'a'), ['--log-format', 'pretty']);
      expect(pretty).toMatch(/INFO.*switchboard is listening/);
      expect(pretty).not.toContain('{"level"');
      const json = await startupOutput(join(dir, 'b'), ['--log-format', 'json']);
      const listening = json.split('\n').find((l) => l.includes('switchboard is listening'));
      expect(JSON.parse(listening!).msg).toBe('switchboard is listening');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
