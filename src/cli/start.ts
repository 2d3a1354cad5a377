// `switchboard start`: the real server on its embedded default, until SIGINT or SIGTERM.
import { ConfigError, configDocs, loadConfig } from '../app/config.js';
import { startServer } from '../app/server.js';
import { SecretKeyError } from '../store/index.js';

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
  let server;
  try {
    server = await startServer(config);
  } catch (e) {
    // S5.4: a wrong or missing secret key is the operator's to fix, said in one line.
    if (e instanceof SecretKeyError) {
      process.stderr.write(`switchboard: ${e.message}\n`);
      return 2;
    }
    throw e;
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

export function runConfigDocs(): number {
  process.stdout.write(configDocs());
  return 0;
}
