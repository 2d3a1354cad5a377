// S3.1#7, S3.3: the ring plan is data, and one scheduler arms it on the Clock port; here on a
// manual clock with no sockets (ring-clock.test.ts drives the whole server).
import { describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/engine/index.js';
import type { RingStep } from '../../src/sip/ring-plan.js';
import { maxTimeStep, ringPlan } from '../../src/sip/ring-plan.js';
import { RingScheduler } from '../../src/sip/ring-scheduler.js';

describe('S3.1#7 S3.3 ring plan', () => {
  test('a hunt of two members with a desk-delayed app device: starts, stops and the no-answer step, on the clock', () => {
    const steps = ringPlan(
      'c1',
      1000,
      [
        { startSec: 0, stopSec: 10 },
        { startSec: 10, stopSec: 20 },
        { startSec: 15, stopSec: 25 },
      ],
      30,
    );
    expect(steps.map((s) => [s.at, s.step, s.member])).toEqual([
      [1000, 'start', 0],
      [11_000, 'stop', 0],
      [11_000, 'start', 1],
      [21_000, 'stop', 1],
      [16_000, 'start', 2],
      [26_000, 'stop', 2],
      [31_000, 'noAnswer', undefined],
    ]);
    expect(maxTimeStep('c1', 5000, 60_000)).toEqual({ at: 65_000, callId: 'c1', step: 'maxTime' });
  });

  test('the scheduler fires each step at its instant, in plan order at equal instants, and cancels per call', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    const s = new RingScheduler(clock, (step: RingStep) => fired.push(`${clock.now()} ${step.callId} ${step.step}`));
    s.plan(ringPlan('a', 0, [{ startSec: 0, stopSec: 5 }, { startSec: 5 }], 20));
    s.plan(ringPlan('b', 0, [{ startSec: 2 }], 20));
    expect(s.pending('a').map((x) => x.step)).toEqual(['start', 'stop', 'start', 'noAnswer']);
    clock.advance(4999);
    expect(fired).toEqual(['0 a start', '2000 b start']);
    clock.advance(1);
    expect(fired.slice(2)).toEqual(['5000 a stop', '5000 a start']);
    s.cancel('a');
    expect(s.pending('a')).toEqual([]);
    expect(s.pending().map((x) => `${x.callId} ${x.step}`)).toEqual(['b noAnswer']);
    clock.advance(20_000);
    expect(fired.slice(4)).toEqual(['20000 b noAnswer']);
    expect(s.pending()).toEqual([]);
    expect(clock.pendingCount()).toBe(0);
  });
});
