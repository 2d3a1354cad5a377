// Several Switchboard nodes as real processes (S10): `switchboard start` with a PostgreSQL store of
// their own (a fresh database) and a NATS JetStream bus of their own (a stream and subject prefix
// named for the run), on 127.0.0.1. The first node makes the demo company; each node logs JSON
// into its data directory, which a failing test prints.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { NODE_FLAGS } from '../../src/app/heap.js';
import { freePort, main } from './process.js';
import { withClient } from './postgres.js';
import { SYSTEM_TOKEN } from './server.js';
import { eventually } from './wait.js';

export const NATS_URL = process.env.SWITCHBOARD_TEST_NATS ?? 'nats://127.0.0.1:4222';

export interface TestNode {
  readonly id: string;
  readonly url: string;
  readonly httpPort: number;
  readonly sipPort: number;
  readonly dataDir: string;
  child: ChildProcess;
}

export class TestCluster {
  readonly nodes = new Map<string, TestNode>();
  private readonly key = randomBytes(32).toString('base64');
  private readonly run = randomBytes(4).toString('hex');

  constructor(
    /** The PostgreSQL database the nodes share. */
    readonly db: string,
    readonly leaseMs = 3000,
  ) {}

  get stream(): string {
    return `SWB_T_${this.run.toUpperCase()}`;
  }

  /** Starts a node (again, under the same id, ports and data directory when it ran before). */
  async start(id: string): Promise<TestNode> {
    const before = this.nodes.get(id);
    const node = before ?? {
      id,
      httpPort: await freePort(),
      sipPort: await freePort(),
      dataDir: mkdtempSync(join(tmpdir(), `swb-${id}-`)),
      url: '',
      child: undefined as unknown as ChildProcess,
    };
    const args = [...NODE_FLAGS, main, 'start', '--host', '127.0.0.1', '--http-port', String(node.httpPort)];
    args.push('--sip-port', String(node.sipPort), '--data-dir', node.dataDir, '--node-id', id);
    args.push('--store', this.db, '--bus', NATS_URL, '--bus-stream', this.stream);
    args.push('--bus-subject-prefix', `swbt.${this.run}`, '--lease-ms', String(this.leaseMs));
    args.push('--log-format', 'json', '--system-token', SYSTEM_TOKEN);
    const child = spawn(`exec ${[process.execPath, ...args].join(' ')} >> ${join(node.dataDir, 'log')} 2>&1`, {
      shell: true,
      env: { ...process.env, SWITCHBOARD_SECRET_KEY: this.key },
      stdio: 'ignore',
    });
    const started = { ...node, url: `http://127.0.0.1:${node.httpPort}`, child };
    this.nodes.set(id, started);
    await this.listening(started);
    return started;
  }

  /** Sends a signal to a node's process; SIGKILL and SIGTERM wait for it to be gone. */
  async signal(id: string, signal: NodeJS.Signals): Promise<void> {
    const node = this.nodes.get(id)!;
    const gone = new Promise<void>((resolve) => {
      if (node.child.exitCode !== null || node.child.signalCode !== null) resolve();
      else node.child.once('exit', () => resolve());
    });
    node.child.kill(signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM') await gone;
  }

  /** The node holding the tenant's lease now, if the lease is live. */
  async owner(tenant: string): Promise<{ node: string; fence: number } | undefined> {
    return withClient(this.db, async (c) => {
      const r = await c.query(
        `SELECT node, fence FROM tenant_leases WHERE tenant = $1 AND expires_at >= (extract(epoch from clock_timestamp()) * 1000)::bigint`,
        [tenant],
      );
      const row = r.rows[0] as { node: string; fence: string } | undefined;
      return row === undefined ? undefined : { node: row.node, fence: Number(row.fence) };
    });
  }

  /** Waits until a node other than `not` owns the tenant; answers it. */
  ownerOtherThan(
    tenant: string,
    not: string | undefined,
    timeoutMs = 10_000,
  ): Promise<{ node: string; fence: number }> {
    return eventually(
      async () => {
        const o = await this.owner(tenant);
        return o !== undefined && o.node !== not ? o : undefined;
      },
      timeoutMs,
      `an owner of ${tenant} other than ${not}`,
      50,
    );
  }

  node(id: string): TestNode {
    return this.nodes.get(id)!;
  }

  logOf(id: string): string {
    return readFileSync(join(this.node(id).dataDir, 'log'), 'utf8');
  }

  /** Stops every node (kill -9: the test is over) and deletes the run's stream. */
  async cleanup(): Promise<void> {
    for (const node of this.nodes.values())
      if (node.child.exitCode === null && node.child.signalCode === null) {
        node.child.kill('SIGCONT');
        await this.signal(node.id, 'SIGKILL');
      }
    const nc = await connect({ servers: NATS_URL });
    await (await jetstreamManager(nc)).streams.delete(this.stream).catch(() => undefined);
    await nc.close();
  }

  private async listening(node: TestNode): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (node.child.exitCode !== null) throw new Error(`node ${node.id} exited:\n${this.logOf(node.id)}`);
      const ok = await fetch(`${node.url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`node ${node.id} did not start within 30 s:\n${this.logOf(node.id)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
