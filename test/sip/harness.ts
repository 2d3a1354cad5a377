// A SIP server on a free port over an in-memory engine on the system clock (or the clock a test passes): the demo-like tenant
// 'acme' (acme.test) with users u1001… (extension 10xx, SIP password pass10xx, terminal password
// term10xx). Options let tests shorten the expiry limits so expiry can be watched in seconds.
import { createHash } from 'node:crypto';
import { createTenantState } from '../../src/core/index.js';
import type { Command } from '../../src/core/index.js';
import { Engine } from '../../src/engine/index.js';
import type { Journal } from '../../src/engine/index.js';
import { SystemClock } from '../../src/app/system-clock.js';
import { SipServer } from '../../src/sip/index.js';
import type { SipServerOptions } from '../../src/sip/index.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

export interface SipHarness {
  readonly engine: Engine;
  readonly sip: SipServer;
  readonly port: number;
  readonly notifies: { count: number };
  /** Dispatches a command to 'acme' and throws on a refusal (a test's setup must not be refused). */
  run(c: Command): Promise<void>;
  close(): Promise<void>;
}

/** The admin of 'acme', as the actor of a test's commands. */
export const ADMIN = { kind: 'user', userId: 'u1001', role: 'admin' } as const;

export async function sipHarness(
  options: Partial<Omit<SipServerOptions, 'engine' | 'directory' | 'host' | 'port'>> & {
    users?: number;
    /** Where the engine commits its batches (none: in memory only). */
    journal?: Journal;
  } = {},
): Promise<SipHarness> {
  const clock = options.clock ?? new SystemClock();
  const engine = new Engine({ clock, ...(options.journal !== undefined ? { journal: options.journal } : {}) });
  engine.addTenant(createTenantState('acme', {}), { epoch: 'e1', seq: 0 });
  engine.addTenant(createTenantState('beta', {}), { epoch: 'e1', seq: 0 });
  const creds = new Map<string, { sipHa1: string; terminalHa1: string }>();
  const n = options.users ?? 10;
  for (let i = 0; i < n; i++) {
    const ext = String(1001 + i);
    await engine.dispatch('acme', {
      type: 'user.upsert',
      user: {
        id: `u${ext}`,
        extension: ext,
        name: `User ${ext}`,
        settings: ext === '1010' ? { forwardingAllowed: true } : {},
      },
    });
    creds.set(`acme/u${ext}`, {
      sipHa1: md5(`${ext}:acme.test:pass${ext}`),
      terminalHa1: md5(`${ext}:acme.test:term${ext}`),
    });
  }
  // Another tenant with the same extensions: S5.2 isolation.
  await engine.dispatch('beta', { type: 'user.upsert', user: { id: 'b1001', extension: '1001', name: 'Beta 1001' } });
  creds.set('beta/b1001', { sipHa1: md5('1001:beta.test:beta1001'), terminalHa1: md5('1001:beta.test:betaterm') });
  const notifies = { count: 0 };
  const domains: Record<string, { tenant: string; domain: string }> = {
    'acme.test': { tenant: 'acme', domain: 'acme.test' },
    '127.0.0.1': { tenant: 'acme', domain: 'acme.test' },
    'beta.test': { tenant: 'beta', domain: 'beta.test' },
  };
  const sip = new SipServer({
    engine,
    host: '127.0.0.1',
    port: 0,
    // SWB_SIP_THREADS=1 runs the suite with the SIP front thread (docs/sip.md), whose nonces are
    // stamped with the wall clock: not with a test's manual clock.
    threads: process.env.SWB_SIP_THREADS === '1' && options.clock === undefined,
    directory: {
      tenantForDomain: (host) => domains[host],
      credentials: (tenant, userId) => creds.get(`${tenant}/${userId}`),
    },
    ...options,
    clock,
    counters: { notifySent: () => notifies.count++, ...options.counters },
  });
  const port = await sip.start();
  return {
    engine,
    sip,
    port,
    notifies,
    async run(c: Command) {
      const out = await engine.dispatch('acme', c);
      if (!out.ok) throw new Error(`${out.code} ${out.message}`);
    },
    async close() {
      await sip.stop();
      await engine.settled();
      engine.stop();
    },
  };
}
