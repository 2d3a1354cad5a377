// S3.1#7, S3.3: when each device of a ringing call starts and stops, as data. The routing
// decision gives offsets in seconds (a desk delay, hunt steps, the ring timeout); this file
// turns them into instants on the call's clock. ring-scheduler.ts arms them; call-fork.ts
// carries each one out when it falls due. Because the plan is data, a test can read it and move
// a manual clock through it, and the same steps could be handed to another node.
import type { RingEntry } from '../core/index.js';

export type RingStepKind = 'start' | 'stop' | 'noAnswer' | 'maxTime';

export interface RingStep {
  /** Clock milliseconds at which the step falls due. */
  readonly at: number;
  readonly callId: string;
  readonly step: RingStepKind;
  /** `start` and `stop`: which rung device (its index in the call's ring list) the step is about. */
  readonly member?: number;
}

/**
 * The steps of one ring decision, in the order they are to happen at equal instants: each device
 * starts (after its desk delay or hunt offset) and, for hunt strategies, stops when the next
 * member starts; then the no-answer step at the ring timeout.
 */
export function ringPlan(
  callId: string,
  now: number,
  entries: readonly Pick<RingEntry, 'startSec' | 'stopSec'>[],
  timeoutSec: number,
): RingStep[] {
  const steps: RingStep[] = [];
  entries.forEach((e, member) => {
    steps.push({ at: now + e.startSec * 1000, callId, step: 'start', member });
    if (e.stopSec !== undefined) steps.push({ at: now + e.stopSec * 1000, callId, step: 'stop', member });
  });
  steps.push({ at: now + timeoutSec * 1000, callId, step: 'noAnswer' });
  return steps;
}

/** An answered call with no BYE is forgotten after `maxCallMs` (the engine's maxCallSec ends its legs). */
export function maxTimeStep(callId: string, now: number, maxCallMs: number): RingStep {
  return { at: now + maxCallMs, callId, step: 'maxTime' };
}
