// S8.2: an acknowledged change survives kill -9. The server runs as its own process (the
// README's `switchboard start`), is killed with SIGKILL mid-stream, and restarted on the same data.
import { execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { FeedClient } from '../feed/support.js';
import { freePort, main, startProcess } from '../support/process.js';
import { call, login } from '../support/server.js';

const dirs: string[] = [];
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) execFileSync('umount', ['-l', m]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * A disk that can be filled up and given room again: the data directory on a 32 MB tmpfs of its
 * own, filled with a filler file; where mounting is not permitted, a file-size limit of one byte
 * on the server process (prlimit; node ignores SIGXFSZ, so its writes fail with EFBIG instead).
 */
function smallDisk(dir: string): { kind: string; fill(server: ChildProcess): void; free(server: ChildProcess): void } {
  const filler = join(dir, 'filler');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', dir], { stdio: 'ignore' });
    mounts.push(dir);
  } catch {
    return {
      kind: 'prlimit --fsize',
      fill: (server) => execFileSync('prlimit', ['--pid', String(server.pid), '--fsize=1:unlimited']),
      free: (server) => execFileSync('prlimit', ['--pid', String(server.pid), '--fsize=unlimited:unlimited']),
    };
  }
  return {
    kind: 'tmpfs',
    fill() {
      const fd = openSync(filler, 'w');
      const chunk = Buffer.alloc(64 * 1024, 1);
      try {
        for (let size = chunk.length; size >= 512; size >>= 1) {
          try {
            for (;;) writeSync(fd, chunk, 0, size);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    free: () => rmSync(filler),
  };
}

type Presence = { extension: string; status: string; text?: string };

describe('S8.2 durability', () => {
  test('S8.2 every acknowledged status change survives kill -9 and restart', async () => {
    expect(existsSync(main), 'dist/src/cli/main.js is missing: npm test builds it first').toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), 'swb-kill-'));
    dirs.push(dataDir);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let child = await startProcess(dataDir, port);
    const token = await login(base, '1001');

    // Ten chains, one per user, each writing an increasing counter into the status text.
    const acked = new Map<string, number>();
    let stop = false;
    const chain = async (ext: string) => {
      for (let n = 1; !stop; n++) {
        try {
          const r = await call(base, 'PUT', `/api/v1/users/${ext}/status`, {
            token,
            body: { status: 'away', text: `n=${n}` },
          });
          if (r.status === 200) acked.set(ext, n);
        } catch {
          return; // the server is gone
        }
      }
    };
    const chains = Array.from({ length: 10 }, (_, i) => chain(String(1001 + i)));
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const total = [...acked.values()].reduce((a, b) => a + b, 0);
        if (total >= 300) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    stop = true;
    await Promise.all(chains);
    await exited;

    child = await startProcess(dataDir, port);
    try {
      const fresh = await login(base, '1001');
      const list = await call(base, 'GET', '/api/v1/presence', { token: fresh });
      const found = new Map<string, number>(
        list.body.presence.map((p: { extension: string; text?: string }) => [
          p.extension,
          Number((p.text ?? 'n=0').slice(2)),
        ]),
      );
      expect(acked.size).toBe(10);
      for (const [ext, n] of acked) {
        // What was acknowledged is there; at most the one request in flight at the kill went further.
        expect(
          found.get(ext)! - n,
          `user ${ext}: acknowledged n=${n}, found n=${found.get(ext)}`,
        ).toBeGreaterThanOrEqual(0);
        expect(found.get(ext)! - n).toBeLessThanOrEqual(1);
      }
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);

  test('S8.2 on a full disk a status change is refused and shows nowhere; the retry once there is room is saved, published and survives kill -9 (issue 14 E1)', async () => {
    expect(existsSync(main), 'dist/src/cli/main.js is missing: npm test builds it first').toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), 'swb-full-'));
    dirs.push(dataDir);
    const disk = smallDisk(dataDir);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let child = await startProcess(dataDir, port);
    try {
      const token = await login(base, '1001');
      const feed = await FeedClient.open(base, { token });
      await feed.subscribe('all', { tenant: true });
      const presence = async (): Promise<Presence> => {
        const r = await call(base, 'GET', '/api/v1/presence', { token });
        return r.body.presence.find((p: Presence) => p.extension === '1001');
      };
      const put = (n: number) =>
        call(base, 'PUT', '/api/v1/users/1001/status', {
          token,
          body: { status: n % 2 === 0 ? 'dnd' : 'away', text: `n=${n}` },
        });

      // The disk is full; a write may still land in space the store had (a WAL started over), so
      // changes go on until the store needs room it cannot get. Each one saved shows at once.
      const initial = await presence();
      disk.fill(child);
      let n = 1;
      let refused: { status: number; body: any } | undefined;
      for (; n <= 3000 && refused === undefined; n++) {
        const r = await put(n);
        if (r.status === 200) expect((await presence()).text).toBe(`n=${n}`);
        else refused = r;
      }
      const failed = n - 1;
      expect(refused, `${disk.kind}: no change was refused after ${failed}`).toBeDefined();
      expect([refused!.status, refused!.body.error.code]).toEqual([503, 'SWB_ERR_UNAVAILABLE']);
      // Nothing changed: the last saved status is the one shown, and the feed has no event for it.
      expect((await presence()).text).toBe(failed > 1 ? `n=${failed - 1}` : initial.text);
      const lastSaved = failed > 1 ? await feed.event((e) => e.value?.text === `n=${failed - 1}`) : undefined;

      disk.free(child);
      const retry = await put(failed);
      expect(retry.status).toBe(200);
      expect((await presence()).text).toBe(`n=${failed}`);
      const event = await feed.event((e) => e.value?.text === `n=${failed}`);
      // The refused change was not published and took no place in the sequence: from the last
      // saved change on, the tenant's events follow each other, and n=<refused> is there once.
      const seqs = feed
        .events()
        .filter((e) => lastSaved === undefined || e.seq >= lastSaved.seq)
        .map((e) => e.seq);
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i));
      expect(seqs).toContain(event.seq);
      expect(feed.events().filter((e) => e.value?.text === `n=${failed}`)).toHaveLength(1);
      feed.close();

      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      child = await startProcess(dataDir, port);
      const fresh = await login(base, '1001');
      const list = await call(base, 'GET', '/api/v1/presence', { token: fresh });
      expect(list.body.presence.find((p: Presence) => p.extension === '1001')).toMatchObject({
        status: failed % 2 === 0 ? 'dnd' : 'away',
        text: `n=${failed}`,
      });
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) =>
        child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r),
      );
    }
  }, 120_000);
});
