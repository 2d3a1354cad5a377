// `switchboard start`: the real server on its embedded default, until SIGINT or SIGTERM.
import { ConfigError, configDocs, loadConfig } from '../app/config.js';
import type { Config } from '../app/config.js';
import { BusError } from '../app/bus.js';
import { StoreError } from '../app/store.js';
import { bindProblem, preflight } from '../app/preflight.js';
import { startServer } from '../app/server.js';
import { SecretKeyError, StoreRowError } from '../store/index.js';

export async function runStart(argv: readonly string[]): Promise<number> {
  let config;
  try {
    config = loadConfig(argv);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`switchboard: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  // A taken port or an unusable data directory is one plain line, before anything is created.
  const problem = await preflight(config);
  if (problem !== undefined) {
    process.stderr.write(`switchboard: cannot start: ${problem}\n`);
    return 1;
  }
  let server;
  try {
    server = await startServer(config);
  } catch (e) {
    // S5.4: a wrong or missing secret key is the operator's to fix, said in one line.
    if (e instanceof SecretKeyError) {
      process.stderr.write(`switchboard: ${e.message}\n`);
      return 2;
    }
    // S8.2: a state row the store cannot read is refused by name; nothing is served from a guess.
    if (e instanceof StoreRowError) {
      process.stderr.write(`switchboard: cannot start: ${e.message}\n`);
      return 2;
    }
    // S10.1: NATS not reachable (or JetStream off) at the configured --bus, PostgreSQL at --store.
    if (e instanceof BusError || e instanceof StoreError) {
      process.stderr.write(`switchboard: cannot start: ${e.message}\n`);
      return 1;
    }
    // Another program took a port between the check and the bind.
    const line = lateBindProblem(e, config);
    if (line === undefined) throw e;
    process.stderr.write(`switchboard: cannot start: ${line}\n`);
    return 1;
  }
  process.stdout.write(`Switchboard is running at ${server.url} (data in ${config.dataDir}). Stop it with Ctrl-C.\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

function lateBindProblem(e: unknown, config: Config): string | undefined {
  const err = e as NodeJS.ErrnoException & { port?: number };
  if (err.code !== 'EADDRINUSE' && err.code !== 'EACCES') return undefined;
  const http = err.port === config.httpPort;
  return bindProblem(
    err.code,
    http ? 'HTTP port' : 'SIP port',
    err.port ?? 0,
    config.host,
    http ? '--http-port or SWITCHBOARD_HTTP_PORT' : '--sip-port or SWITCHBOARD_SIP_PORT',
  );
}

export function runConfigDocs(): number {
  process.stdout.write(configDocs());
  return 0;
}
