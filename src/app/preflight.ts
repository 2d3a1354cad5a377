// Checks made by `switchboard start` before anything is created: the data directory can be used,
// a configured PostgreSQL store answers, and the ports are free. Each failure is one plain line
// naming the setting to change, so a newcomer whose port 8080 is taken reads what to do instead
// of a stack trace — and the data directory is left exactly as it was (no demo company
// half-created).
import { createSocket } from 'node:dgram';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { Config } from './config.js';
import { storeProblem } from './store.js';

/** Why the server cannot start, in one line, or undefined when it can. */
export async function preflight(config: Config): Promise<string | undefined> {
  return dataDirProblem(config.dataDir) ?? (await storeProblem(config)) ?? (await portProblem(config));
}

const DATA_DIR_SETTING = 'choose another with --data-dir or SWITCHBOARD_DATA_DIR';

function dataDirProblem(dataDir: string): string | undefined {
  const dir = resolve(dataDir);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) return `the data directory ${dir} is not a directory; ${DATA_DIR_SETTING}.`;
    return canWrite(dir)
      ? undefined
      : `the data directory ${dir} cannot be read and written by this user; ${DATA_DIR_SETTING}.`;
  }
  // It will be created: the nearest existing parent must be a directory we may write to.
  let parent = dirname(dir);
  while (!existsSync(parent) && dirname(parent) !== parent) parent = dirname(parent);
  if (!statSync(parent).isDirectory() || !canWrite(parent)) {
    return `the data directory ${dir} cannot be created (${parent} is not writable); ${DATA_DIR_SETTING}.`;
  }
  return undefined;
}

function canWrite(dir: string): boolean {
  try {
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function portProblem(config: Config): Promise<string | undefined> {
  const checks: readonly { port: number; what: string; setting: string; free: () => Promise<string | undefined> }[] = [
    {
      port: config.httpPort,
      what: 'HTTP port',
      setting: '--http-port or SWITCHBOARD_HTTP_PORT',
      free: () => tcpFree(config.host, config.httpPort),
    },
    {
      port: config.sipPort,
      what: 'SIP port (TCP)',
      setting: '--sip-port or SWITCHBOARD_SIP_PORT',
      free: () => tcpFree(config.host, config.sipPort),
    },
    {
      port: config.sipPort,
      what: 'SIP port (UDP)',
      setting: '--sip-port or SWITCHBOARD_SIP_PORT',
      free: () => udpFree(config.host, config.sipPort),
    },
  ];
  for (const c of checks) {
    if (c.port === 0) continue;
    const code = await c.free();
    if (code !== undefined) return bindProblem(code, c.what, c.port, config.host, c.setting);
  }
  return undefined;
}

/** One line for an error code from binding a port (also used when a bind fails later). */
export function bindProblem(code: string, what: string, port: number, host: string, setting: string): string {
  const why =
    code === 'EADDRINUSE'
      ? 'is already in use'
      : code === 'EACCES'
        ? 'needs privileges this user does not have'
        : code === 'EADDRNOTAVAIL'
          ? 'cannot be bound: the address is not on this machine'
          : `cannot be bound (${code})`;
  return `the ${what} ${port} on ${host} ${why}; choose another with ${setting}.`;
}

function tcpFree(host: string, port: number): Promise<string | undefined> {
  return new Promise((done) => {
    const srv = createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? 'EUNKNOWN'));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => done(undefined)));
  });
}

function udpFree(host: string, port: number): Promise<string | undefined> {
  return new Promise((done) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', (e: NodeJS.ErrnoException) => {
      socket.close();
      done(e.code ?? 'EUNKNOWN');
    });
    socket.bind({ port, address: host, exclusive: true }, () => socket.close(() => done(undefined)));
  });
}
