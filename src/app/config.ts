// One typed, validated configuration: defaults < config file < SWITCHBOARD_* environment < CLI
// flags. The options table is data, so `switchboard config docs` prints exactly what is read.
import { readFileSync } from 'node:fs';
import { parseSecretKey } from '../store/secret-box.js';
import { allowEntryProblem } from '../webhooks/index.js';
import { CLUSTER_OPTIONS } from './config-cluster.js';
import { OVERLOAD_OPTIONS } from './config-overload.js';

export type Kind =
  | 'port'
  | 'string'
  | 'boolean'
  | 'level'
  | 'seconds'
  | 'logFormat'
  | 'hosts'
  | 'key'
  | 'count'
  | 'limit'
  | 'natsUrls'
  | 'natsName'
  | 'subjects'
  | 'pgUrl';

export interface Option<K extends keyof Config = keyof Config> {
  readonly key: K;
  readonly env: string;
  readonly flag: string;
  readonly kind: Kind;
  readonly default: Config[K];
  readonly help: string;
  /** Never printed or logged. */
  readonly secret?: boolean;
}

export interface Config {
  readonly httpPort: number;
  readonly sipPort: number;
  readonly host: string;
  readonly dataDir: string;
  readonly demo: boolean;
  readonly logLevel: string;
  readonly logFormat: 'auto' | 'json' | 'pretty';
  readonly systemToken: string;
  readonly tokenTtlSec: number;
  readonly webDir: string;
  /** Host names, addresses and CIDR ranges webhooks may reach although internal (S6.3). */
  readonly webhookAllowedHosts: readonly string[];
  /** Host names, addresses and CIDR ranges calendar feeds may be fetched from although internal, also over plain http (S11.3). */
  readonly calendarAllowedHosts: readonly string[];
  /** How often each linked calendar feed is fetched, in minutes (S11.3). */
  readonly calendarIntervalMin: number;
  /** 32 bytes, base64 or hex, that encrypt webhook secrets at rest; empty: a key file in dataDir. */
  readonly secretKey: string;
  readonly sipSubscriptionsPerUser: number;
  readonly sipSubscriptionsPerTenant: number;
  readonly sipTcpMessageTimeoutSec: number;
  readonly sipTcpConnectionsPerAddress: number;
  readonly sipThreads: boolean;
  /** NATS server URLs of the bus between nodes (S10); empty: one node, the in-process bus. */
  readonly busUrl: string;
  readonly busStream: string;
  readonly busSubjectPrefix: string;
  readonly busMaxAgeSec: number;
  readonly busMaxMb: number;
  /** A PostgreSQL connection string the nodes share (S10); empty: the SQLite file in dataDir. */
  readonly storeUrl: string;
  /** This node's name among several (S10.1); empty: the host name and HTTP port. */
  readonly nodeId: string;
  /** S10.3: how long a tenant's lease lasts without renewal; another node takes it over after that. */
  readonly leaseMs: number;
  /** S8.3: event-loop delay (ms) from which REST writes are shed with 503. */
  readonly overloadLoopDelayMs: number;
  /** S8.3: event-loop delay (ms) from which new out-of-dialog SIP requests are shed with 503. */
  readonly overloadSipLoopDelayMs: number;
  /** S8.3: HTTP requests in flight above which REST writes are shed with 503. */
  readonly overloadHttpInFlight: number;
}

export const OPTIONS: readonly Option[] = [
  {
    key: 'httpPort',
    env: 'SWITCHBOARD_HTTP_PORT',
    flag: '--http-port',
    kind: 'port',
    default: 8080,
    help: 'HTTP port for the REST API, the live feed and the web app (0 picks a free port).',
  },
  {
    key: 'sipPort',
    env: 'SWITCHBOARD_SIP_PORT',
    flag: '--sip-port',
    kind: 'port',
    default: 5060,
    help: 'SIP port (UDP and TCP) for the registrar and presence server.',
  },
  {
    key: 'host',
    env: 'SWITCHBOARD_HOST',
    flag: '--host',
    kind: 'string',
    default: '0.0.0.0',
    help: 'Address to bind HTTP and SIP to.',
  },
  {
    key: 'dataDir',
    env: 'SWITCHBOARD_DATA_DIR',
    flag: '--data-dir',
    kind: 'string',
    default: './data',
    help: 'Directory of the SQLite database file (created on start); with --store PostgreSQL, of the key file of webhook secrets only (unless secretKey is set).',
  },
  {
    key: 'demo',
    env: 'SWITCHBOARD_DEMO',
    flag: '--demo',
    kind: 'boolean',
    default: true,
    help: 'Create the demo company "Acme" on first start with an empty data directory (--no-demo to skip).',
  },
  {
    key: 'logLevel',
    env: 'SWITCHBOARD_LOG_LEVEL',
    flag: '--log-level',
    kind: 'level',
    default: 'info',
    help: 'Log level: fatal, error, warn, info, debug, trace or silent.',
  },
  {
    key: 'logFormat',
    env: 'SWITCHBOARD_LOG_FORMAT',
    flag: '--log-format',
    kind: 'logFormat',
    default: 'auto',
    help: 'Log lines as JSON or pretty text; auto: pretty on a terminal, JSON otherwise (for log collectors).',
  },
  {
    key: 'systemToken',
    env: 'SWITCHBOARD_SYSTEM_TOKEN',
    flag: '--system-token',
    kind: 'string',
    default: '',
    help: 'Bearer token of the system administrator, who creates tenants (empty: tenant creation is off).',
    secret: true,
  },
  {
    key: 'tokenTtlSec',
    env: 'SWITCHBOARD_TOKEN_TTL_SEC',
    flag: '--token-ttl-sec',
    kind: 'seconds',
    default: 7 * 24 * 3600,
    help: 'How long a web sign-in lasts, in seconds.',
  },
  {
    key: 'webDir',
    env: 'SWITCHBOARD_WEB_DIR',
    flag: '--web-dir',
    kind: 'string',
    default: '',
    help: 'Directory of the built web app to serve at / (empty: web/dist beside the server, if present).',
  },
  {
    key: 'webhookAllowedHosts',
    env: 'SWITCHBOARD_WEBHOOK_ALLOWED_HOSTS',
    flag: '--webhook-allowed-hosts',
    kind: 'hosts',
    default: [],
    help: 'Internal hosts webhooks may reach anyway: host names, addresses and CIDR ranges, comma-separated (e.g. 10.0.5.0/24,hooks.corp). Empty: public addresses only.',
  },
  {
    key: 'calendarAllowedHosts',
    env: 'SWITCHBOARD_CALENDAR_ALLOWED_HOSTS',
    flag: '--calendar-allowed-hosts',
    kind: 'hosts',
    default: [],
    help: 'Internal hosts calendar feeds may be fetched from anyway, also over plain http: host names, addresses and CIDR ranges, comma-separated. Empty: https from public addresses only.',
  },
  {
    key: 'calendarIntervalMin',
    env: 'SWITCHBOARD_CALENDAR_INTERVAL_MIN',
    flag: '--calendar-interval-min',
    kind: 'count',
    default: 10,
    help: 'How often each linked calendar feed is fetched, in minutes.',
  },
  {
    key: 'secretKey',
    env: 'SWITCHBOARD_SECRET_KEY',
    flag: '--secret-key',
    kind: 'key',
    default: '',
    help: 'Key that encrypts webhook secrets in the database: 32 random bytes, base64 or hex (openssl rand -base64 32). Empty: generated once into secret.key in the data directory.',
    secret: true,
  },
  // S7.2, S8.3: the server holds at most 500,000 SIP subscriptions; these shares keep one user or
  // one company from taking them all (docs/sip.md, Limits).
  {
    key: 'sipSubscriptionsPerUser',
    env: 'SWITCHBOARD_SIP_SUBSCRIPTIONS_PER_USER',
    flag: '--sip-subscriptions-per-user',
    kind: 'count',
    default: 500,
    help: 'SIP presence/BLF subscriptions one user may hold over all their phones (more: 403).',
  },
  {
    key: 'sipSubscriptionsPerTenant',
    env: 'SWITCHBOARD_SIP_SUBSCRIPTIONS_PER_TENANT',
    flag: '--sip-subscriptions-per-tenant',
    kind: 'count',
    default: 100_000,
    help: 'SIP subscriptions one company may hold (more: 503 with Retry-After); the server holds 500,000 in all.',
  },
  // S8.1: a TCP peer that sends part of a message and stops is not kept waiting for.
  {
    key: 'sipTcpMessageTimeoutSec',
    env: 'SWITCHBOARD_SIP_TCP_MESSAGE_TIMEOUT_SEC',
    flag: '--sip-tcp-message-timeout-sec',
    kind: 'count',
    default: 20,
    help: 'Seconds a SIP message over TCP may take from its first byte to its last (and a new connection to bring its first message); then the connection is closed.',
  },
  {
    key: 'sipTcpConnectionsPerAddress',
    env: 'SWITCHBOARD_SIP_TCP_CONNECTIONS_PER_ADDRESS',
    flag: '--sip-tcp-connections-per-address',
    kind: 'count',
    default: 200,
    help: 'SIP/TCP connections open at once from one IP address (raise it for more TCP phones behind one NAT address).',
  },
  // docs/sip.md, SIP threads: UDP through a front thread that answers retransmissions, sheds and
  // first challenges off the main thread.
  {
    key: 'sipThreads',
    env: 'SWITCHBOARD_SIP_THREADS',
    flag: '--sip-threads',
    kind: 'boolean',
    default: false,
    help: 'Serve SIP over UDP through a second thread (the socket, retransmissions, 503 shedding and first digest challenges), leaving the main thread the requests that need the engine (--no-sip-threads: one thread).',
  },
  ...OVERLOAD_OPTIONS,
  ...CLUSTER_OPTIONS,
];

export const DEFAULT_CONFIG: Config = Object.fromEntries(OPTIONS.map((o) => [o.key, o.default])) as unknown as Config;

export class ConfigError extends Error {}

function parseValue(o: Option, raw: unknown, source: string): unknown {
  const fail = (why: string) => new ConfigError(`${source}: ${o.key} ${why}`);
  switch (o.kind) {
    case 'port':
    case 'seconds':
    case 'limit':
    case 'count': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^[0-9]+$/.test(raw) ? Number(raw) : NaN;
      if (o.kind === 'count' && !(Number.isSafeInteger(n) && n >= 1)) throw fail('must be a whole number, at least 1');
      if (!Number.isInteger(n) || n < 0 || (o.kind === 'port' && n > 65535))
        throw fail(
          o.kind === 'port'
            ? 'must be a port number, 0 to 65535'
            : o.kind === 'limit'
              ? 'must be a whole number, 0 or more'
              : 'must be a whole number of seconds',
        );
      return n;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1' || raw === 'yes') return true;
      if (raw === 'false' || raw === '0' || raw === 'no') return false;
      throw fail('must be true or false');
    case 'level':
      if (typeof raw === 'string' && ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(raw))
        return raw;
      throw fail('must be one of fatal, error, warn, info, debug, trace, silent');
    case 'logFormat':
      if (raw === 'auto' || raw === 'json' || raw === 'pretty') return raw;
      throw fail('must be one of auto, json, pretty');
    case 'string':
      if (typeof raw === 'string' && raw.length <= 4096) return raw;
      throw fail('must be a string');
    case 'hosts': {
      const entries = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
      if (entries === undefined || entries.length > 1000 || !entries.every((e) => typeof e === 'string'))
        throw fail('must be a list of host names, addresses and CIDR ranges');
      const list = (entries as string[]).map((e) => e.trim()).filter((e) => e !== '');
      const problem = list.map(allowEntryProblem).find((p) => p !== undefined);
      if (problem !== undefined) throw fail(`entry ${problem}`);
      return list;
    }
    case 'natsUrls':
      if (typeof raw === 'string' && (raw === '' || raw.split(',').every(isNatsUrl))) return raw;
      throw fail('must be NATS server URLs, comma-separated (e.g. nats://127.0.0.1:4222)');
    case 'natsName':
      if (typeof raw === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(raw)) return raw;
      throw fail('must be a name of letters, digits, - and _');
    case 'subjects':
      if (typeof raw === 'string' && /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(raw)) return raw;
      throw fail('must be NATS subject tokens separated by dots, without wildcards');
    case 'pgUrl':
      if (typeof raw === 'string' && (raw === '' || isPostgresUrl(raw))) return raw;
      throw fail('must be a PostgreSQL connection string (e.g. postgres://user@host:5432/database)');
    case 'key':
      if (typeof raw === 'string' && (raw === '' || parseSecretKey(raw) !== undefined)) return raw;
      throw fail('must be 32 bytes in base64 or hex (e.g. the output of openssl rand -base64 32)');
  }
}

function isNatsUrl(s: string): boolean {
  try {
    const url = new URL(s.includes('://') ? s.trim() : `nats://${s.trim()}`);
    return ['nats:', 'tls:'].includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

function isPostgresUrl(s: string): boolean {
  try {
    const url = new URL(s);
    return ['postgres:', 'postgresql:'].includes(url.protocol) && url.hostname !== '' && url.pathname.length > 1;
  } catch {
    return false;
  }
}

/**
 * Reads the configuration. `argv` are the flags after the subcommand; `--config FILE` (or
 * SWITCHBOARD_CONFIG) names a JSON file whose keys are the option keys.
 */
export function loadConfig(argv: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): Config {
  const values: Record<string, unknown> = { ...DEFAULT_CONFIG };
  const flags = new Map<string, string | boolean>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument: ${arg}`);
    const [name, inline] = arg.split('=', 2) as [string, string | undefined];
    if (name.startsWith('--no-')) {
      flags.set(`--${name.slice(5)}`, false);
      continue;
    }
    const o = OPTIONS.find((x) => x.flag === name);
    if (name !== '--config' && o === undefined)
      throw new ConfigError(`unknown option: ${name} (see: switchboard config docs)`);
    if (o?.kind === 'boolean' && inline === undefined) {
      flags.set(name, true);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigError(`${name} needs a value`);
    flags.set(name, value);
  }
  const file = (flags.get('--config') as string | undefined) ?? env.SWITCHBOARD_CONFIG;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigError(`config file ${file}: ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new ConfigError(`config file ${file}: must be a JSON object`);
    for (const [k, v] of Object.entries(parsed)) {
      const o = OPTIONS.find((x) => x.key === k);
      if (o === undefined) throw new ConfigError(`config file ${file}: unknown option ${k}`);
      values[k] = parseValue(o, v, `config file ${file}`);
    }
  }
  for (const o of OPTIONS) {
    const v = env[o.env];
    if (v !== undefined && v !== '') values[o.key] = parseValue(o, v, o.env);
  }
  for (const o of OPTIONS) {
    const v = flags.get(o.flag);
    if (v !== undefined) values[o.key] = parseValue(o, v, o.flag);
  }
  return values as unknown as Config;
}

/** Markdown table of every option, for `switchboard config docs`. */
export function configDocs(): string {
  const lines = [
    '| option | environment | flag | default | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...OPTIONS.map(
      (o) =>
        `| \`${o.key}\` | \`${o.env}\` | \`${o.flag}\` | ${o.secret && o.default !== '' ? '(secret)' : `\`${JSON.stringify(o.default)}\``} | ${o.help} |`,
    ),
  ];
  return `Precedence: defaults < config file (--config FILE or SWITCHBOARD_CONFIG, JSON) < environment < flags.\n\n${lines.join('\n')}\n`;
}

/** The configuration with secrets masked, for logs. */
export function redacted(config: Config): Record<string, unknown> {
  return Object.fromEntries(OPTIONS.map((o) => [o.key, o.secret && config[o.key] ? '***' : config[o.key]]));
}
