// The real clock behind the engine's Clock port. It lives in the composition root because the
// pure layers (core/, engine/) may not read the time or set timers themselves.
import type { Clock, TimerHandle } from '../engine/index.js';

/** setTimeout's delay is a 32-bit signed number of milliseconds; longer waits are re-armed. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimer(at: number, fire: () => void): TimerHandle {
    const handle: { t?: NodeJS.Timeout } = {};
    const arm = () => {
      const delay = at - Date.now();
      if (delay > MAX_DELAY_MS) {
        handle.t = setTimeout(arm, MAX_DELAY_MS);
      } else {
        handle.t = setTimeout(fire, Math.max(0, delay));
      }
      handle.t.unref();
    };
    arm();
    return handle;
  }

  clearTimer(handle: TimerHandle): void {
    const t = (handle as { t?: NodeJS.Timeout }).t;
    if (t !== undefined) clearTimeout(t);
  }
}
