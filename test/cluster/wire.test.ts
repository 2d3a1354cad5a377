// The bus's pure parts, without NATS: tenant ids as subject tokens, the wire format and its
// checks, the order a node delivers in (duplicates dropped, gaps reported), and the --bus option.
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { DeliveredOrder } from '../../src/cluster/order.js';
import { batchSubject, tenantToken } from '../../src/cluster/subject.js';
import { decodeBatch, encodeBatch, encodeBatchParts } from '../../src/cluster/wire.js';
import type { Place, WireBatch } from '../../src/cluster/wire.js';
import type { CommittedBatch, EngineEvent } from '../../src/engine/index.js';

const bytes = (s: string) => new TextEncoder().encode(s);

function batch(tenant: string, seqs: readonly number[], epoch = 'e1'): CommittedBatch {
  const events = seqs.map((seq) => ({ type: 'presence.changed', tenant, epoch, seq }) as unknown as EngineEvent);
  return { tenant, events, directives: [] };
}

const offer = { type: 'queue.offer', queueId: 'q1', callId: 'c1', userIds: ['u1'], ringSec: 20 } as const;

function wire(tenant: string, seqs: readonly number[], place: Place, directives = false): WireBatch {
  const decoded = decodeBatch(
    bytes(encodeBatch({ ...batch(tenant, seqs, place.epoch), directives: directives ? [offer] : [] }, place)),
  );
  if (!decoded.ok) throw new Error(decoded.why);
  return decoded.batch;
}

describe('subjects', () => {
  test('S10.2 a tenant id becomes one subject token, plain ids unchanged, never two ids on one token', () => {
    expect(tenantToken('acme-2')).toBe('acme-2');
    expect(batchSubject('swb.t', 'acme')).toBe('swb.t.acme.batch');
    const ids = ['a.b', 'a*b', 'a>b', 'a b', 'a_b', 'a_2eb', 'é', '', '_', 'a\tb'];
    const tokens = ids.map(tenantToken);
    expect(new Set(tokens).size).toBe(ids.length);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe('the wire format', () => {
  test('S10.2 a batch goes out and comes back equal, with its version and place', () => {
    const b = { ...batch('acme', [4, 5]), directives: [offer] };
    const decoded = decodeBatch(bytes(encodeBatch(b, { epoch: 'e1', seq: 5, part: 0 })));
    expect(decoded).toEqual({ ok: true, batch: { v: 1, epoch: 'e1', seq: 5, part: 0, ...b } });
  });

  test('S10.2 a batch too large for one message is cut between its events, in order, directives with the last', () => {
    const b = {
      ...batch(
        'acme',
        Array.from({ length: 40 }, (_, i) => 11 + i),
      ),
      directives: [offer],
    };
    const parts = encodeBatchParts(b, { epoch: 'e1', seq: 50, part: 0 }, 800);
    expect(parts.length).toBeGreaterThan(4);
    const decoded = parts.map((p) => {
      expect(Buffer.byteLength(p.data)).toBeLessThanOrEqual(800);
      const d = decodeBatch(bytes(p.data));
      if (!d.ok) throw new Error(d.why);
      expect(d.batch.seq).toBe(p.place.seq);
      return d.batch;
    });
    expect(decoded.flatMap((d) => d.events.map((e) => e.seq))).toEqual(b.events.map((e) => e.seq));
    expect(decoded.map((d) => d.directives.length)).toEqual([...parts.slice(1).map(() => 0), 1]);
    // Each piece follows the one before: a node delivers them all, no gap.
    const order = new DeliveredOrder();
    expect(order.judge(wire('acme', [10], { epoch: 'e1', seq: 10, part: 0 }))).toBe('deliver');
    expect(decoded.map((d) => order.judge(d))).toEqual(decoded.map(() => 'deliver'));
    expect(encodeBatchParts(b, { epoch: 'e1', seq: 50, part: 0 }, 1 << 20)).toHaveLength(1);
  });

  test('S10.2 what is not a batch of this version is refused with a reason, never thrown on', () => {
    const good = JSON.parse(encodeBatch(batch('acme', [1, 2]), { epoch: 'e1', seq: 2, part: 0 }));
    const bad: unknown[] = [
      null,
      [],
      { ...good, v: 2 },
      { ...good, tenant: 7 },
      { ...good, seq: -1 },
      { ...good, seq: 1 },
      { ...good, events: {} },
      { ...good, events: [], directives: [] },
      { ...good, events: [good.events[1], good.events[0]] },
      { ...good, events: [{ ...good.events[0], tenant: 'beta' }, good.events[1]] },
      { ...good, events: [{ ...good.events[0], epoch: 'e0' }, good.events[1]] },
      { ...good, events: [{ seq: 1 }, good.events[1]] },
      { ...good, part: 1 },
      { ...good, directives: [{ type: 'queue.offer' }] },
      { ...good, directives: [{ ...offer, type: '__proto__' }] },
    ];
    for (const b of bad) expect(decodeBatch(bytes(JSON.stringify(b))), JSON.stringify(b)).toMatchObject({ ok: false });
    expect(decodeBatch(new Uint8Array([0xff, 0xfe]))).toEqual({ ok: false, why: 'not JSON in UTF-8' });
    expect(decodeBatch(bytes('{"v":1'))).toEqual({ ok: false, why: 'not JSON in UTF-8' });
    expect(decodeBatch(bytes(JSON.stringify(good)))).toMatchObject({ ok: true });
  });
});

describe('the order a node delivers in', () => {
  test('S10.2 each place once, in order; an older one is a duplicate; a skipped one a gap', () => {
    const order = new DeliveredOrder();
    const at = (seq: number, part = 0): Place => ({ epoch: 'e1', seq, part });
    expect(order.judge(wire('acme', [4, 5], at(5)))).toBe('deliver');
    expect(order.judge(wire('acme', [], at(5, 1), true))).toBe('deliver');
    expect(order.judge(wire('acme', [], at(5, 1), true))).toBe('duplicate');
    expect(order.judge(wire('acme', [4, 5], at(5)))).toBe('duplicate');
    expect(order.judge(wire('acme', [6], at(6)))).toBe('deliver');
    expect(order.judge(wire('beta', [1], at(1)))).toBe('deliver');
    expect(order.judge(wire('acme', [9, 10], at(10)))).toEqual({
      gap: { tenant: 'acme', after: at(6), got: at(10) },
    });
    expect(order.judge(wire('acme', [], at(10, 2), true))).toEqual({
      gap: { tenant: 'acme', after: at(10), got: at(10, 2) },
    });
    // A new epoch (another owner, a restart) starts the tenant afresh; unplaced directives pass.
    expect(order.judge(wire('acme', [1], { epoch: 'e2', seq: 1, part: 0 }))).toBe('deliver');
    expect(order.judge(wire('acme', [], { epoch: '', seq: 0, part: 0 }, true))).toBe('deliver');
  });
});

describe('the --bus option', () => {
  test('S10.2 --bus and SWITCHBOARD_BUS name the NATS servers; without them the bus is in-process', () => {
    expect(loadConfig([], {}).busUrl).toBe('');
    expect(loadConfig(['--bus', 'nats://127.0.0.1:4222'], {}).busUrl).toBe('nats://127.0.0.1:4222');
    expect(loadConfig([], { SWITCHBOARD_BUS: 'nats://a:4222,tls://b:4222' }).busUrl).toBe('nats://a:4222,tls://b:4222');
    expect(loadConfig(['--bus-stream', 'SWB_X', '--bus-subject-prefix', 'x.y'], {})).toMatchObject({
      busStream: 'SWB_X',
      busSubjectPrefix: 'x.y',
    });
    expect(() => loadConfig(['--bus', 'http://127.0.0.1:4222'], {})).toThrow(ConfigError);
    expect(() => loadConfig(['--bus-subject-prefix', 'swb.>'], {})).toThrow(ConfigError);
    expect(() => loadConfig(['--bus-stream', 'a.b'], {})).toThrow(ConfigError);
  });
});
