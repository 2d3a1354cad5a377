// Smoke tests of the core bench's workload and runner on a small size. Speed targets live only
// in `npm run bench`; nothing here asserts a rate.
import { describe, expect, test } from 'vitest';
import { createBench, runCoreBench } from '../bench/core.js';
import { mulberry32 } from '../bench/workload.js';

const SMALL = { tenants: 2, usersPerTenant: 50, seed: 7, stepMs: 200 };

describe('core bench', () => {
  test('the runner applies a mix of inputs, fires timers and counts events', async () => {
    const bench = await createBench(SMALL);
    const r = await bench.run(5000);
    expect(r.inputs).toBeGreaterThanOrEqual(5000);
    expect(r.workloadInputs).toBeGreaterThan(0);
    expect(r.timerInputs).toBeGreaterThan(0);
    expect(r.inputs).toBe(r.workloadInputs + r.timerInputs);
    expect(r.events).toBeGreaterThan(0);
    expect(r.refusals).toBeLessThan(r.inputs / 100);
    const mix = bench.mix();
    for (const type of [
      'session.heartbeat',
      'registration.set',
      'leg.update',
      'call.route',
      'status.set',
      'timer.wake',
    ])
      expect(mix[type] ?? 0).toBeGreaterThan(0);
    expect(mix['session.heartbeat']).toBeGreaterThan(0.4);
  });

  test('the same seed gives the same workload and the same counts', async () => {
    const a = await (await createBench(SMALL)).run(1500);
    const b = await (await createBench(SMALL)).run(1500);
    const counts = (r: typeof a) => ({
      inputs: r.inputs,
      workloadInputs: r.workloadInputs,
      timerInputs: r.timerInputs,
      refusals: r.refusals,
      events: r.events,
      simulatedSec: r.simulatedSec,
    });
    expect(counts(b)).toEqual(counts(a));
  });

  test('the report has the shape npm run bench prints', async () => {
    const report = await runCoreBench({ ...SMALL, inputs: 1000, runs: 2, warmupSec: 5 });
    expect(report.bench).toBe('core');
    expect(report.users).toBe(100);
    expect(report.tenants).toBe(2);
    expect(report.runs).toHaveLength(2);
    expect(report.median.inputsPerSec).toBeGreaterThan(0);
    expect(report.median.eventsPerSec).toBeGreaterThan(0);
    expect(report.target).toEqual({ inputsPerSec: 300_000 });
    expect(report.meetsTarget).toBe(report.median.inputsPerSec >= 300_000);
    expect(report.machine.cpus).toBeGreaterThan(0);
  });

  test('mulberry32 is repeatable and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
