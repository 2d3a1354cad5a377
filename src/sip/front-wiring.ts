// How the SIP server wires its front thread (docs/sip.md, SIP threads): the transport's front
// options, the directory that tells the front each domain's realm as it is resolved, and the
// overload signal read for the front every 10 ms (the monitor itself samples every 10 ms).
import type { OverloadSignal } from '../shared/overload.js';
import type { SipDirectory } from './auth.js';
import type { SipCounters } from './context.js';
import type { FrontThread } from './front-thread.js';
import type { TransportOptions } from './transport.js';
import { MAX_SERVER_TRANSACTIONS } from './transactions.js';

const SHED_POLL_MS = 10;

/** The front's setup and how its reports are counted here: `ttlMs` is Timer J. */
export function frontOptions(
  secret: Buffer,
  ttlMs: number,
  options: { readonly maxServerTransactions?: number; readonly overload?: OverloadSignal },
  counters: SipCounters,
): NonNullable<TransportOptions['front']> {
  const { overload } = options;
  return {
    setup: {
      secret,
      ttlMs,
      maxTransactions: options.maxServerTransactions ?? MAX_SERVER_TRANSACTIONS,
      shedding: new Int32Array(new SharedArrayBuffer(8)),
    },
    events: {
      onAnswered: (method, status, n) => {
        for (let i = 0; i < n; i++) counters.request(method, status);
      },
      onShed: (n) => {
        for (let i = 0; i < n; i++) overload?.count('sip');
      },
    },
  };
}

/** `directory`, telling the front (while there is one) the realm of every domain it resolves. */
export function learningDirectory(directory: SipDirectory, front: () => FrontThread | undefined): SipDirectory {
  return {
    credentials: (tenant, userId) => directory.credentials(tenant, userId),
    tenantForDomain: (host) => {
      const t = directory.tenantForDomain(host);
      front()?.learned(host, t?.domain);
      return t;
    },
  };
}

/** S8.3: keeps the front's shedding in step with the signal; the timer is to be cleared at stop. */
export function pollShedding(front: FrontThread, overload: OverloadSignal): NodeJS.Timeout {
  const poll = (): void => front.shed(overload.cause('sip') !== undefined);
  poll();
  const timer = setInterval(poll, SHED_POLL_MS);
  timer.unref();
  return timer;
}
