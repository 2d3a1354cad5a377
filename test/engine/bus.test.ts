// The Bus port's in-process implementation, and the engine publishing on it: one tenant's
// committed batches in seq order, per-tenant and every-tenant subjects, synchronous delivery, and
// nothing published for a batch the journal refused (S8.2).
import { describe, expect, test } from 'vitest';
import { createTenantState } from '../../src/core/index.js';
import type { Directive } from '../../src/core/index.js';
import { Engine, InProcessBus, ManualClock } from '../../src/engine/index.js';
import type { CommittedBatch } from '../../src/engine/index.js';

const batch = (tenant: string, seq: number): CommittedBatch => ({
  tenant,
  events: [{ seq } as unknown as CommittedBatch['events'][number]],
  directives: [] as Directive[],
});

describe('InProcessBus', () => {
  test('delivers synchronously, every-tenant subscribers first, then the tenant’s own, in subscription order', () => {
    const bus = new InProcessBus();
    const seen: string[] = [];
    bus.subscribe((b) => seen.push(`a:${b.tenant}`), 'acme');
    bus.subscribe((b) => seen.push(`all1:${b.tenant}`));
    bus.subscribe((b) => seen.push(`o:${b.tenant}`), 'other');
    bus.subscribe((b) => seen.push(`all2:${b.tenant}`));
    bus.publish(batch('acme', 1));
    expect(seen).toEqual(['all1:acme', 'all2:acme', 'a:acme']);
    bus.publish(batch('other', 1));
    expect(seen.slice(3)).toEqual(['all1:other', 'all2:other', 'o:other']);
  });

  test('unsubscribing stops delivery, once; a handler that unsubscribes while delivered changes the next delivery', () => {
    const bus = new InProcessBus();
    const seen: number[] = [];
    const stopA = bus.subscribe(() => {
      seen.push(1);
      stopA();
    }, 'acme');
    const stopB = bus.subscribe(() => seen.push(2), 'acme');
    bus.publish(batch('acme', 1));
    bus.publish(batch('acme', 2));
    expect(seen).toEqual([1, 2, 2]);
    stopB();
    stopB();
    bus.publish(batch('acme', 3));
    expect(seen).toEqual([1, 2, 2]);
  });
});

describe('the engine on the bus', () => {
  const user = (id: string) => ({ type: 'user.upsert', user: { id, extension: id.slice(1), name: id } }) as const;

  async function engineWith(journal: { fail: boolean }) {
    const bus = new InProcessBus();
    const engine = new Engine({
      clock: new ManualClock(0),
      bus,
      journal: {
        commit() {
          if (journal.fail) throw new Error('disk full');
        },
      },
    });
    engine.addTenant(createTenantState('acme'), { epoch: 'e1', seq: 0 });
    engine.addTenant(createTenantState('beta'), { epoch: 'e2', seq: 0 });
    await engine.settled();
    return { engine, bus };
  }

  test('S8.2 publishes each tenant’s committed batch after the commit, in seq order, on its own subject', async () => {
    const { engine, bus } = await engineWith({ fail: false });
    const acme: number[][] = [];
    const all: string[] = [];
    bus.subscribe((b) => acme.push(b.events.map((e) => e.seq)), 'acme');
    bus.subscribe((b) => all.push(`${b.tenant}:${b.events.map((e) => e.seq).join(',')}`));
    const first = engine.dispatch('acme', user('u1001'));
    engine.submit('acme', user('u1002'));
    engine.submit('beta', user('u1001'));
    // Applied, not committed: nothing is published yet.
    expect(acme).toEqual([]);
    expect((await first).ok).toBe(true);
    await engine.settled();
    await engine.dispatch('acme', user('u1003'));
    await engine.settled();
    // Every seq once, in order: 1, 2, 3, …
    const seqs = acme.flat();
    expect(seqs.length).toBeGreaterThanOrEqual(3);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(acme.length).toBeGreaterThanOrEqual(2);
    expect(all.filter((s) => s.startsWith('beta:'))).toHaveLength(1);
    expect(all.filter((s) => s.startsWith('acme:'))).toHaveLength(acme.length);
  });

  test('S8.2 a batch the journal refuses is published to nobody; the retry is', async () => {
    const journal = { fail: true };
    const { engine, bus } = await engineWith(journal);
    const seen: CommittedBatch[] = [];
    bus.subscribe((b) => seen.push(b));
    const refused = await engine.dispatch('acme', user('u1001'));
    expect(refused).toMatchObject({ ok: false, code: 'SWB_ERR_UNAVAILABLE' });
    await engine.settled();
    expect(seen).toEqual([]);
    journal.fail = false;
    expect((await engine.dispatch('acme', user('u1001'))).ok).toBe(true);
    await engine.settled();
    expect(seen.map((b) => b.tenant)).toEqual(['acme']);
    expect(seen[0]!.events.length).toBeGreaterThan(0);
  });
});
