// S8.3: past its capacity the server sheds new work at once instead of queueing it for seconds
// (shared/overload.ts; docs/rules.md S8.3). Part of the options table of config.ts.
import { DEFAULT_OVERLOAD } from '../shared/overload.js';
import type { Option } from './config.js';

export const OVERLOAD_OPTIONS: readonly Option[] = [
  {
    key: 'overloadLoopDelayMs',
    env: 'SWITCHBOARD_OVERLOAD_LOOP_DELAY_MS',
    flag: '--overload-loop-delay-ms',
    kind: 'limit',
    default: DEFAULT_OVERLOAD.loopDelayMs,
    help: 'Event-loop delay in ms from which REST writes get 503 SWB_ERR_OVERLOADED with Retry-After (0: always, for tests).',
  },
  {
    key: 'overloadSipLoopDelayMs',
    env: 'SWITCHBOARD_OVERLOAD_SIP_LOOP_DELAY_MS',
    flag: '--overload-sip-loop-delay-ms',
    kind: 'limit',
    default: DEFAULT_OVERLOAD.sipLoopDelayMs,
    help: 'Event-loop delay in ms from which new out-of-dialog SIP requests get 503 with Retry-After (0: always, for tests).',
  },
  {
    key: 'overloadHttpInFlight',
    env: 'SWITCHBOARD_OVERLOAD_HTTP_IN_FLIGHT',
    flag: '--overload-http-in-flight',
    kind: 'limit',
    default: DEFAULT_OVERLOAD.httpInFlight,
    help: 'HTTP requests in flight above which REST writes get 503 SWB_ERR_OVERLOADED (0: always, for tests).',
  },
];
