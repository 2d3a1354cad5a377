// S10.2: commands forwarded to a tenant's owner over NATS request/reply (src/cluster/forward.ts),
// against the real nats-server. Two forwarders on two connections are two nodes; the owner side
// is a stand-in engine that records what it applied, so what was applied — and how often — is
// known exactly.
import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Forwarder } from '../../src/cluster/index.js';
import type { Command } from '../../src/core/index.js';
import type { Outcome } from '../../src/engine/index.js';

const URL = process.env.SWB_TEST_NATS ?? 'nats://127.0.0.1:4222';
const PREFIX = `swbtest.${randomBytes(4).toString('hex')}.cmd`;
const connections: NatsConnection[] = [];

beforeAll(async () => {
  for (let i = 0; i < 3; i++) connections.push(await connect({ servers: URL }));
});
afterAll(async () => {
  for (const c of connections) await c.close();
});

/** An owner's engine as the forwarder sees it: applies by recording, owns while `owning`. */
function owner() {
  const applied: Command[] = [];
  const target = {
    owning: true,
    owns: () => target.owning,
    dispatch: async (_tenant: string, command: Command): Promise<Outcome> => {
      applied.push(command);
      return { ok: true, events: [], directives: [] };
    },
  };
  return { applied, target };
}

const nobody = { owns: () => false, dispatch: () => Promise.reject(new Error('not the owner')) };
const command = (status: string): Command =>
  ({ type: 'status.set', userId: 'u1', status, by: { kind: 'system' } }) as Command;

describe('S10.2 forwarding to the owner', () => {
  test('S10.2 a command is applied once by the node that serves the tenant and answered with its outcome', async () => {
    const a = owner();
    const served = new Forwarder(connections[0]!, a.target, { prefix: PREFIX });
    served.serve('t1');
    const asking = new Forwarder(connections[1]!, nobody, { prefix: PREFIX });
    const out = await asking.forward('t1', command('dnd'));
    expect(out).toEqual({ ok: true, events: [], directives: [] });
    expect(a.applied).toEqual([command('dnd')]);
    expect(served.stats()).toMatchObject({ served: 1, declined: 0 });
    served.unserve('t1');
  });

  test('S10.2 S10.5 with no owner yet the command waits and goes to the first node that takes the tenant', async () => {
    const asking = new Forwarder(connections[1]!, nobody, { prefix: PREFIX });
    const pending = asking.forward('t2', command('away'));
    await new Promise((r) => setTimeout(r, 300));
    const b = owner();
    new Forwarder(connections[2]!, b.target, { prefix: PREFIX }).serve('t2');
    expect(await pending).toMatchObject({ ok: true });
    expect(b.applied).toHaveLength(1);
    expect(asking.stats().retried).toBeGreaterThan(0);
  });

  test('S10.4 S10.5 an old owner that no longer owns declines without applying, and the next owner applies it once', async () => {
    const old = owner();
    old.target.owning = false; // it handed the tenant over, but still listens for a moment
    const oldNode = new Forwarder(connections[0]!, old.target, { prefix: PREFIX });
    oldNode.serve('t3');
    const asking = new Forwarder(connections[1]!, nobody, { prefix: PREFIX });
    const pending = asking.forward('t3', command('dnd'));
    await new Promise((r) => setTimeout(r, 200));
    oldNode.unserve('t3');
    const next = owner();
    new Forwarder(connections[2]!, next.target, { prefix: PREFIX }).serve('t3');
    expect(await pending).toMatchObject({ ok: true });
    expect(old.applied).toEqual([]);
    expect(next.applied).toHaveLength(1);
    expect(oldNode.stats().declined).toBeGreaterThan(0);
  });

  test('S10.2 nobody taking the tenant within the deadline is SWB_ERR_UNAVAILABLE, and a request that is not a command is refused, not thrown on', async () => {
    const asking = new Forwarder(connections[1]!, nobody, { prefix: PREFIX, deadlineMs: 1500 });
    expect(await asking.forward('t4', command('dnd'))).toMatchObject({ ok: false, code: 'SWB_ERR_UNAVAILABLE' });
    const a = owner();
    new Forwarder(connections[0]!, a.target, { prefix: PREFIX }).serve('t5');
    await connections[0]!.flush(); // the server has the subscription before the raw request (which does not retry)
    const reply = await connections[1]!.request(`${PREFIX}.t5`, 'not json', { timeout: 2000 });
    expect(JSON.parse(reply.string())).toMatchObject({ outcome: { ok: false, code: 'SWB_ERR_VALIDATION' } });
    expect(a.applied).toEqual([]);
  });
});

describe('S10.2 commands to one owner in one turn', () => {
  test('S10.2 commands asked of one owner in the same turn go as one message, dispatched in order, each answered once', async () => {
    const a = owner();
    new Forwarder(connections[0]!, a.target, { prefix: PREFIX }).serve('t9');
    const seen: string[] = [];
    const sniff = connections[2]!.subscribe(`${PREFIX}.t9`, { callback: (_e, m) => void seen.push(m.string()) });
    await Promise.all([connections[0]!.flush(), connections[2]!.flush()]);
    const asking = new Forwarder(connections[1]!, nobody, { prefix: PREFIX });
    const statuses = ['dnd', 'away', 'dnd', 'available'];
    const outs = await Promise.all(statuses.map((s) => asking.forward('t9', command(s))));
    expect(outs.map((o) => o.ok)).toEqual([true, true, true, true]);
    expect(a.applied).toEqual(statuses.map(command));
    expect(seen).toHaveLength(1);
    expect((JSON.parse(seen[0]!) as { requests: unknown[] }).requests).toHaveLength(4);
    // A lone command goes as it is.
    expect(await asking.forward('t9', command('away'))).toMatchObject({ ok: true });
    expect(JSON.parse(seen[1]!)).toMatchObject({ command: command('away') });
    sniff.unsubscribe();
  });
});

describe('S10.2 S10.3 the forwarded command follows its caller', () => {
  test('S10.2 S10.3 a command whose client gave up while no node owned the tenant is not applied when an owner appears', async () => {
    const asking = new Forwarder(connections[1]!, nobody, { prefix: PREFIX });
    const client = new AbortController();
    const pending = asking.forward('t6', command('dnd'), { signal: client.signal });
    await new Promise((r) => setTimeout(r, 300)); // retrying: nobody owns t6
    client.abort(); // the HTTP request closed
    const b = owner();
    const next = new Forwarder(connections[2]!, b.target, { prefix: PREFIX });
    next.serve('t6'); // the take-over: an owner appears at once
    await connections[2]!.flush();
    expect(await pending).toMatchObject({ ok: false, code: 'SWB_ERR_UNAVAILABLE' });
    await new Promise((r) => setTimeout(r, 600)); // longer than the forwarder's retry interval
    expect(b.applied).toEqual([]);
    expect(next.stats().served).toBe(0);
    expect(asking.stats()).toMatchObject({ abandoned: 1 });
    // A caller still waiting is served by that owner.
    expect(await asking.forward('t6', command('away'), { signal: new AbortController().signal })).toMatchObject({
      ok: true,
    });
    expect(b.applied).toEqual([command('away')]);
  });

  test('S10.2 S10.3 the owner declines a command whose asker has stopped waiting, and does not apply it', async () => {
    const a = owner();
    const served = new Forwarder(connections[0]!, a.target, { prefix: PREFIX });
    served.serve('t7');
    await connections[0]!.flush();
    const ask = async (sentAt: number, budgetMs: number) => {
      const body = JSON.stringify({ command: command('dnd'), sentAt, budgetMs });
      return JSON.parse((await connections[1]!.request(`${PREFIX}.t7`, body, { timeout: 2000 })).string()) as unknown;
    };
    // Sent 6 s ago with 5 s to wait: the asker has answered 503 already.
    expect(await ask(Date.now() - 6000, 5000)).toEqual({ expired: true });
    // Within the last second (the clocks' slack) of its wait: declined too, the clocks may disagree.
    expect(await ask(Date.now() - 4500, 5000)).toEqual({ expired: true });
    // Stamped in the future (the owner's clock behind): the time it arrived bounds it as well.
    expect(await ask(Date.now() + 60_000, 800)).toEqual({ expired: true });
    expect(a.applied).toEqual([]);
    expect(served.stats()).toMatchObject({ expired: 3, served: 0 });
    // In time: applied once.
    expect(await ask(Date.now(), 5000)).toMatchObject({ outcome: { ok: true } });
    expect(a.applied).toHaveLength(1);
  });

  test('S10.2 S10.3 a command the owner declined as late is refused with SWB_ERR_UNAVAILABLE, not sent again', async () => {
    const a = owner();
    // An owner whose clock runs far ahead of the asker's sees every command as late.
    const served = new Forwarder(connections[0]!, a.target, { prefix: PREFIX, clockSlackMs: 60_000 });
    served.serve('t8');
    await connections[0]!.flush();
    const asking = new Forwarder(connections[1]!, nobody, { prefix: PREFIX });
    expect(await asking.forward('t8', command('dnd'))).toMatchObject({ ok: false, code: 'SWB_ERR_UNAVAILABLE' });
    expect(a.applied).toEqual([]);
    expect(served.stats()).toMatchObject({ expired: 1 });
    expect(asking.stats().retried).toBe(0);
  });
});
