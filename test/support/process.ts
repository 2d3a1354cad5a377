// The real server as a separate process (the README's `switchboard start`), for the kill -9
// tests: it needs a built `dist` (npm test builds first).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { NODE_FLAGS } from '../../src/app/heap.js';

const root = new URL('../..', import.meta.url).pathname;
export const main = join(root, 'dist/src/cli/main.js');

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `switchboard start` on these ports and data directory; resolves once it listens. */
export async function startProcess(dataDir: string, httpPort: number, sipPort = 0): Promise<ChildProcess> {
  // With the node flags `npm start` gives it.
  const child = spawn(
    process.execPath,
    [
      ...NODE_FLAGS,
      main,
      'start',
      '--host',
      '127.0.0.1',
      '--http-port',
      String(httpPort),
      '--sip-port',
      String(sipPort),
      '--data-dir',
      dataDir,
      '--log-level',
      'silent',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start within 20 s')), 20_000);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('running at')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}`));
    });
  });
  return child;
}
