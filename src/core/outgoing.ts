// S11.7 Forwarding blocks the app's calls. A user who forwards every call is away from the app
// (that is why they forward): a call the app places meanwhile is refused, so the app is never
// used as a way round the forwarding. Their terminals (desk phones) may still call, like every
// device of a user in any other status but blocked (S3.1).
import type { CallRequest } from './commands.js';
import { manualInForce } from './facts.js';
import type { Decision, Explanation } from './decisions.js';
import type { DeviceKind, Instant, UserState } from './types.js';

/** The reject reason of S11.7; call control turns it into its refusal (src/sip/calls.ts: 403). */
export const APP_WHILE_FORWARDING = 'caller forwarding';

/** S11.7: the device kinds a forwarding user may not call from. */
const BLOCKED_WHILE_FORWARDING: ReadonlySet<DeviceKind> = new Set(['app']);

/**
 * S11.7: the refusal of a call placed from `caller`'s app while they forward, or undefined when
 * the call may go on. Only the call as placed counts: a call already diverted is routed on.
 * The caller shows forwarding exactly when a forwarding manual status is in force (S2.3#2,
 * below blocked, which the caller check before this one has handled).
 */
export function appWhileForwarding(
  caller: UserState,
  call: CallRequest,
  now: Instant,
  explanation: Explanation[],
): Decision | undefined {
  const device = call.from !== undefined && 'userId' in call.from ? call.from.device : undefined;
  if (device === undefined || !BLOCKED_WHILE_FORWARDING.has(device) || call.divertedBy !== undefined) return undefined;
  if (manualInForce(caller, now)?.status !== 'forwarding') return undefined;
  explanation.push({
    rule: 'S11.7',
    text: `${caller.name} (${caller.extension}) forwards every call: calls from their app are refused, their desk phones may call`,
  });
  return { outcome: 'reject', reason: APP_WHILE_FORWARDING, explanation };
}
