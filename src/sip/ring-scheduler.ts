// The one place that turns ring steps (ring-plan.ts) into timers of the Clock port: the system
// clock in production, a manual clock in tests. It keeps the steps still to come per call, so a
// call's timers are cancelled together and a test can read what is planned.
import type { Clock, TimerHandle } from '../engine/index.js';
import type { RingStep } from './ring-plan.js';

export class RingScheduler {
  private readonly byCall = new Map<string, Map<RingStep, TimerHandle>>();

  constructor(
    private readonly clock: Clock,
    private readonly fire: (step: RingStep) => void,
  ) {}

  /** Arms each step on the clock; it fires once, unless its call's steps are cancelled first. */
  plan(steps: readonly RingStep[]): void {
    for (const step of steps) {
      let pending = this.byCall.get(step.callId);
      if (pending === undefined) this.byCall.set(step.callId, (pending = new Map()));
      const handle = this.clock.setTimer(step.at, () => {
        const mine = this.byCall.get(step.callId);
        if (mine?.delete(step) !== true) return;
        if (mine.size === 0) this.byCall.delete(step.callId);
        this.fire(step);
      });
      pending.set(step, handle);
    }
  }

  /** Cancels the call's steps that are still to come (all of them, or those `which` picks). */
  cancel(callId: string, which: (step: RingStep) => boolean = () => true): void {
    const pending = this.byCall.get(callId);
    if (pending === undefined) return;
    for (const [step, handle] of pending) {
      if (!which(step)) continue;
      this.clock.clearTimer(handle);
      pending.delete(step);
    }
    if (pending.size === 0) this.byCall.delete(callId);
  }

  /** The steps still to come, in time order (of one call, or of all). */
  pending(callId?: string): RingStep[] {
    const lists = callId === undefined ? [...this.byCall.values()] : [this.byCall.get(callId) ?? new Map()];
    return lists.flatMap((m) => [...m.keys()]).sort((a, b) => a.at - b.at);
  }

  stop(): void {
    for (const callId of [...this.byCall.keys()]) this.cancel(callId);
  }
}
