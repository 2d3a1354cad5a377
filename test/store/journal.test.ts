// S8.2: what the engine acknowledges is in the store, including the changes its fast paths commit
// in place (a registration refresh moves a lease without going through `apply`).
import { describe, expect, test } from 'vitest';
import { createTenantState, DEFAULT_POLICY } from '../../src/core/index.js';
import { Engine, ManualClock } from '../../src/engine/index.js';
import { SqliteStore } from '../../src/store/index.js';
import { tempStores } from '../support/files.js';
import { T0 } from '../support/tenant.js';

const tempStore = tempStores('journal');

describe('S8.2 the journal', () => {
  test('S7.1 S8.2 a registration refresh that only moves its lease is journalled: the reopened store has the refreshed expiry', async () => {
    const { file } = tempStore();
    const store = new SqliteStore(file);
    await store.createTenant(
      { id: 't1', name: 'T', sipDomain: 't1.test', policy: DEFAULT_POLICY, epoch: 'e1', seq: 0 },
      T0,
    );
    const clock = new ManualClock(T0);
    const engine = new Engine({ clock, journal: { commit: async (batch) => void (await store.commit(batch)) } });
    engine.addTenant(createTenantState('t1'), { epoch: 'e1', seq: 0 });
    expect(
      (await engine.dispatch('t1', { type: 'user.upsert', user: { id: 'ann', extension: '1001', name: 'Ann' } })).ok,
    ).toBe(true);
    expect(
      (
        await engine.dispatch('t1', {
          type: 'registration.set',
          userId: 'ann',
          id: 'phone',
          kind: 'terminal',
          expiresAt: T0 + 600_000,
        })
      ).ok,
    ).toBe(true);
    clock.advance(300_000);
    const refresh = await engine.dispatch('t1', {
      type: 'registration.set',
      userId: 'ann',
      id: 'phone',
      kind: 'terminal',
      expiresAt: T0 + 900_000,
    });
    // The refresh changes nothing anyone sees: no event.
    expect(refresh.ok && refresh.events).toEqual([]);
    store.close();

    const reopened = new SqliteStore(file);
    const ann = (await reopened.loadTenant('t1'))!.state.users.get('ann')!;
    expect(ann.registrations).toEqual([{ id: 'phone', kind: 'terminal', expiresAt: T0 + 900_000 }]);
    reopened.close();
  });
});
