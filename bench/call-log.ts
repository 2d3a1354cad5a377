// The call-log bench (S11.1, issue 18): what writing the call log adds to a routed call. The SIP
// server of the SIP tests (test/sip/harness.ts) over an engine that commits to SQLite (a file, WAL,
// as the server does), and test phones over UDP on loopback placing real calls: INVITE (407,
// then with digest), 180, 200 with SDP, ACK, BYE, 200. Each round places `calls` calls, `pairs`
// at a time; rounds alternate between the journal as built (call-log rows and `call.ended` in the
// commit) and the same journal with the call-log steps, `call.ended` events and `call.end`
// entries taken out before the store sees them (a batch left empty is not committed). Reported: wall time and process CPU time per call, medians per variant,
// and their ratio. Server and phones share this process, so the CPU figure is the whole call's.
//   node dist/bench/call-log.js [--calls 400] [--pairs 10] [--rounds 10]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { JournalEntry } from '../src/engine/index.js';
import { SqliteStore } from '../src/store/index.js';
import { sipHarness } from '../test/sip/harness.js';
import { Phone } from '../test/sip/phone.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const CALLS = arg('calls', 400);
const PAIRS = arg('pairs', 10);
const ROUNDS = arg('rounds', 10);

/** The batch as it would be without the call log: no steps, no `call.ended`, no `call.end` entry. */
function withoutCallLog(batch: readonly JournalEntry[]): JournalEntry[] {
  return batch
    .filter((e) => e.command.type !== 'call.end')
    .map((e) => {
      const { calls: _c, ...patch } = e.patch;
      return { ...e, patch, events: e.events.filter((ev) => ev.type !== 'call.ended') };
    });
}

const commitTo = (store: SqliteStore, batch: readonly JournalEntry[]): Promise<unknown> =>
  batch.length === 0 ? Promise.resolve() : store.commit(batch);

async function oneCall(caller: Phone, callee: Phone, ext: string): Promise<void> {
  const dial = await caller.call(ext);
  const invite = await callee.next('INVITE');
  callee.respond(invite, 180, 'Ringing', { toTag: 'b' });
  callee.respond(invite, 200, 'OK', { toTag: 'b', body: 'v=0\r\n' });
  const ok = await dial.final();
  const dialog = caller.dialogOf(dial, ok);
  dialog.ack();
  const bye = dialog.bye();
  callee.respond(await callee.next('BYE'), 200, 'OK');
  await bye;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'swb-calllog-bench-'));
  const store = new SqliteStore(join(dir, 'bench.db'));
  let callLog = true;
  const h = await sipHarness({
    users: PAIRS * 2,
    calls: { lingerMs: 200, maxCallsPerUser: 8, maxCallsPerTenant: 2000 },
    journal: { commit: async (batch) => void (await commitTo(store, callLog ? batch : withoutCallLog(batch))) },
  });
  const phones: Phone[] = [];
  for (let i = 0; i < PAIRS * 2; i++) phones.push(await Phone.open(h.port, String(1001 + i)));
  const round = async (): Promise<{ wallUs: number; cpuUs: number }> => {
    const cpu = process.cpuUsage();
    const t = performance.now();
    await Promise.all(
      Array.from({ length: PAIRS }, async (_, p) => {
        for (let i = p; i < CALLS; i += PAIRS) await oneCall(phones[2 * p]!, phones[2 * p + 1]!, String(1002 + 2 * p));
      }),
    );
    await h.engine.settled();
    const used = process.cpuUsage(cpu);
    return { wallUs: ((performance.now() - t) * 1000) / CALLS, cpuUs: (used.user + used.system) / CALLS };
  };
  await round(); // warm-up, not counted
  const results = {
    with: [] as { wallUs: number; cpuUs: number }[],
    without: [] as { wallUs: number; cpuUs: number }[],
  };
  for (let r = 0; r < ROUNDS * 2; r++) {
    callLog = r % 2 === 0;
    results[callLog ? 'with' : 'without'].push(await round());
  }
  const logged = (await store.calls('acme', { limit: 1 })).length;
  for (const p of phones) await p.close();
  await h.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  const m = (v: 'with' | 'without', k: 'wallUs' | 'cpuUs') => median(results[v].map((x) => x[k]));
  // Each round with the call log against the round without it just after: the ratio of the pair.
  const pairs = (k: 'wallUs' | 'cpuUs') => results.with.map((w, i) => w[k] / results.without[i]![k]);
  const line = (k: 'wallUs' | 'cpuUs', label: string) => {
    const r = pairs(k);
    return `${label}: ${m('without', k).toFixed(0)} µs without the call log, ${m('with', k).toFixed(0)} µs with it; ratio of the medians ${(m('with', k) / m('without', k)).toFixed(3)}, median of the ${r.length} pairs ${median(r).toFixed(3)} (${Math.min(...r).toFixed(2)} to ${Math.max(...r).toFixed(2)})`;
  };
  console.log(`call-log bench: ${CALLS} calls per round, ${PAIRS} at a time, ${ROUNDS} rounds each, alternating`);
  console.log(line('wallUs', 'wall time per call'));
  console.log(line('cpuUs', 'CPU time per call '));
  if (logged === 0) throw new Error('the call log stayed empty: the bench measured nothing');
}

await main();
