// S8.2: what the engine acknowledges is in the store, including the changes its fast paths commit
// in place (a registration refresh moves a lease without going through `apply`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createTenantState, DEFAULT_POLICY } from '../../src/core/index.js';
import { Engine, ManualClock } from '../../src/engine/index.js';
import { SqliteStore } from '../../src/store/index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);

describe('S8.2 the journal', () => {
  test('S7.1 S8.2 a registration refresh that only moves its lease is journalled: the reopened store has the refreshed expiry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swb-journal-'));
    dirs.push(dir);
    const file = join(dir, 'switchboard.db');
    const store = new SqliteStore(file);
    store.createTenant({ id: 't1', name: 'T', sipDomain: 't1.test', policy: DEFAULT_POLICY, epoch: 'e1', seq: 0 }, T0);
    const clock = new ManualClock(T0);
    const engine = new Engine({ clock, journal: { commit: (batch) => void store.commit(batch) } });
    engine.addTenant(createTenantState('t1'), { epoch: 'e1', seq: 0 });
    expect((await engine.dispatch('t1', { type: 'user.upsert', user: { id: 'ann', extension: '1001', name: 'Ann' } })).ok).toBe(true);
    expect((await engine.dispatch('t1', { type: 'registration.set', userId: 'ann', id: 'phone', kind: 'terminal', expiresAt: T0 + 600_000 })).ok).toBe(true);
    clock.advance(300_000);
    const refresh = await engine.dispatch('t1', { type: 'registration.set', userId: 'ann', id: 'phone', kind: 'terminal', expiresAt: T0 + 900_000 });
    // The refresh changes nothing anyone sees: no event.
    expect(refresh.ok && refresh.events).toEqual([]);
    store.close();

    const reopened = new SqliteStore(file);
    const ann = reopened.loadTenant('t1')!.state.users.get('ann')!;
    expect(ann.registrations).toEqual([{ id: 'phone', kind: 'terminal', expiresAt: T0 + 900_000 }]);
    reopened.close();
  });
});
