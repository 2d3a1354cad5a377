// The configuration the in-process benches start their server with: the defaults, ports the
// system picks on 127.0.0.1, no demo company, no logs, no system token.
import { DEFAULT_CONFIG } from '../src/app/config.js';
import type { Config } from '../src/app/config.js';

export function benchConfig(dataDir: string, more: Partial<Config> = {}): Config {
  return {
    ...DEFAULT_CONFIG,
    httpPort: 0,
    sipPort: 0,
    host: '127.0.0.1',
    dataDir,
    demo: false,
    logLevel: 'silent',
    systemToken: '',
    ...more,
  };
}
