// S8.3: while the server is behind (shared/overload.ts), a new out-of-dialog request (REGISTER,
// SUBSCRIBE, PUBLISH, INVITE, OPTIONS…) is answered 503 with Retry-After before any digest or
// store work; requests inside a dialog, CANCEL and BYE go on (ACK has no answer at all). The 503
// is kept like any answer (server.ts relay), so its retransmissions get it again, and a
// retransmission of a request answered before the overload gets that answer.
import { retryAfterOf } from '../core/index.js';
import type { OverloadSignal } from '../shared/overload.js';
import type { HeaderList } from './message.js';
import type { Incoming } from './request.js';

const NEVER_SHED: ReadonlySet<string> = new Set(['ACK', 'CANCEL', 'BYE']);
const RETRY_AFTER: HeaderList = [['Retry-After', String(retryAfterOf('SWB_ERR_OVERLOADED'))]];

/** The 503 of a shed request. */
export const SHED_ANSWER = { reason: 'Service Unavailable (overloaded)', headers: RETRY_AFTER } as const;

/** Whether `inc` is new work that may be shed: out of any dialog, and not ACK, CANCEL or BYE. */
export function sheddable(inc: Incoming): boolean {
  return inc.toTag === undefined && !NEVER_SHED.has(inc.req.method);
}

/** The 503 to answer `inc` with now, or undefined to handle it. */
export function shedAnswer(
  overload: OverloadSignal | undefined,
  inc: Incoming,
): { readonly reason: string; readonly headers: HeaderList } | undefined {
  if (overload === undefined || !sheddable(inc)) return undefined;
  if (overload.cause('sip') === undefined) return undefined;
  overload.count('sip');
  return SHED_ANSWER;
}
