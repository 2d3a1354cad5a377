// S8.3: the server's overload monitor (shared/overload.ts) with the configured limits, counted in
// /metrics; SIP and REST ask it whether to shed new work.
import type { Metrics } from '../shared/metrics.js';
import { OverloadMonitor } from '../shared/overload.js';
import type { Config } from './config.js';

export function overloadMonitor(config: Config, metrics: Metrics): OverloadMonitor {
  const overload = new OverloadMonitor(
    {
      loopDelayMs: config.overloadLoopDelayMs,
      sipLoopDelayMs: config.overloadSipLoopDelayMs,
      httpInFlight: config.overloadHttpInFlight,
    },
    (surface) => metrics.overloadShed.inc({ surface }),
  );
  metrics.loopDelayMs = () => overload.stats().loopDelayMs;
  overload.start();
  return overload;
}
