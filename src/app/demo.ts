// The demo company created on first start with an empty data directory (README: "Log in").
import { DEFAULT_POLICY } from '../core/index.js';
import type { Engine } from '../engine/index.js';
import type { Accounts } from '../auth/index.js';
import type { Store, TenantRow } from '../store/index.js';

export const DEMO_TENANT = 'acme';
export const DEMO_DOMAIN = 'acme.test';

const NAMES = [
  'Alice Adams',
  'Bob Brown',
  'Carol Chen',
  'Dan Diaz',
  'Erin Evans',
  'Frank Fox',
  'Grace Gill',
  'Hugo Hart',
  'Iris Ito',
  'Jack Jones',
];

export async function seedDemo(
  store: Store,
  engine: Engine,
  accounts: Accounts,
  addTenant: (row: TenantRow) => Promise<void>,
  now: number,
): Promise<void> {
  const row: TenantRow = {
    id: DEMO_TENANT,
    name: 'Acme',
    sipDomain: DEMO_DOMAIN,
    policy: DEFAULT_POLICY,
    epoch: `${DEMO_TENANT}-${now.toString(36)}`,
    seq: 0,
  };
  await store.createTenant(row, now);
  await addTenant(row);
  for (let i = 0; i < 10; i++) {
    const extension = String(1001 + i);
    const first = NAMES[i]!.split(' ')[0]!.toLowerCase();
    await accounts.saveUser(
      DEMO_TENANT,
      {
        id: `u${extension}`,
        extension,
        name: NAMES[i]!,
        email: `${first}@acme.test`,
        role: extension === '1001' ? 'admin' : extension === '1002' ? 'supervisor' : 'user',
        settings: extension === '1010' ? { forwardingAllowed: true } : {},
        password: `pass${extension}`,
        sipPassword: `pass${extension}`,
        terminalPassword: `term${extension}`,
      },
      DEMO_DOMAIN,
    );
  }
  const sales = await engine.dispatch(DEMO_TENANT, {
    type: 'group.upsert',
    group: {
      id: 'sales',
      extension: '6000',
      name: 'Sales',
      strategy: 'ringAll',
      members: ['u1003', 'u1004', 'u1005', 'u1006'],
    },
  });
  if (!sales.ok) throw new Error(`demo group: ${sales.message}`);
  const support = await engine.dispatch(DEMO_TENANT, {
    type: 'queue.upsert',
    queue: {
      id: 'support',
      extension: '8000',
      name: 'Support',
      strategy: 'longestIdle',
      agents: ['u1007', 'u1008', 'u1009', 'u1010'],
      supervisors: ['u1002'],
      autoReady: true,
      wrapUpSec: 30,
    },
  });
  if (!support.ok) throw new Error(`demo queue: ${support.message}`);
}
