// The options of several nodes (S10): the bus between them, the store they share, and this
// node's name and lease time. Part of the options table of config.ts.
import type { Option } from './config.js';

export const CLUSTER_OPTIONS: readonly Option[] = [
  // S10.1: several nodes share a NATS JetStream bus; without it the bus is in-process (one node).
  {
    key: 'busUrl',
    env: 'SWITCHBOARD_BUS',
    flag: '--bus',
    kind: 'natsUrls',
    default: '',
    help: 'NATS server(s) with JetStream for the bus between nodes, comma-separated (e.g. nats://127.0.0.1:4222). Empty: one node, in-process bus.',
  },
  {
    key: 'busStream',
    env: 'SWITCHBOARD_BUS_STREAM',
    flag: '--bus-stream',
    kind: 'natsName',
    default: 'SWB_EVENTS',
    help: 'JetStream stream that holds every tenant’s committed batches (created if missing).',
  },
  {
    key: 'busSubjectPrefix',
    env: 'SWITCHBOARD_BUS_SUBJECT_PREFIX',
    flag: '--bus-subject-prefix',
    kind: 'subjects',
    default: 'swb.t',
    help: 'NATS subject prefix of the batches: a tenant’s go on <prefix>.<tenant>.batch.',
  },
  {
    key: 'busMaxAgeSec',
    env: 'SWITCHBOARD_BUS_MAX_AGE_SEC',
    flag: '--bus-max-age-sec',
    kind: 'count',
    default: 24 * 3600,
    help: 'Seconds the bus stream keeps a batch for nodes that start late or reconnect (the store keeps every event).',
  },
  {
    key: 'busMaxMb',
    env: 'SWITCHBOARD_BUS_MAX_MB',
    flag: '--bus-max-mb',
    kind: 'count',
    default: 1024,
    help: 'Megabytes the bus stream keeps at most; the oldest batches go first.',
  },
  // S10: several nodes share one PostgreSQL database; without it the store is the SQLite file in dataDir.
  {
    key: 'storeUrl',
    env: 'SWITCHBOARD_STORE',
    flag: '--store',
    kind: 'pgUrl',
    default: '',
    help: 'PostgreSQL connection string of the store the nodes share (e.g. postgres://postgres@127.0.0.1:5432/switchboard). Empty: the SQLite file in the data directory. Nodes sharing it need the same secretKey.',
    // It may carry a password.
    secret: true,
  },
  {
    key: 'nodeId',
    env: 'SWITCHBOARD_NODE_ID',
    flag: '--node-id',
    kind: 'string',
    default: '',
    help: 'This node’s name among several (with --store postgres://… and --bus nats://…). Empty: the host name and HTTP port.',
  },
  {
    key: 'leaseMs',
    env: 'SWITCHBOARD_LEASE_MS',
    flag: '--lease-ms',
    kind: 'count',
    default: 3000,
    help: 'Milliseconds a node owns a tenant without renewing its lease; another node takes the tenant over after that (S10.3).',
  },
];
