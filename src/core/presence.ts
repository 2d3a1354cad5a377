// S2.3: the effective status as an ordered table; the first row that matches wins. The row's id
// travels with the record (S9.5), so "why is she shown busy?" has an answer.
import { STATUS_CATALOG } from './catalog.js';
import type { DeviceCounts } from './facts.js';
import { deviceCounts, hasLostRegistration, isIdle, isOnCall, isRinging, manualInForce } from './facts.js';
import type { EffectiveStatusId, Instant, ManualStatus, PresenceRecord, TenantPolicy, UserState } from './types.js';

/** The facts the S2.3 table reads, already evaluated at `now`. */
export interface PresenceFacts {
  readonly manual?: ManualStatus;
  readonly devices: DeviceCounts;
  readonly onCall: boolean;
  readonly idle: boolean;
  readonly statusIndependentOfLogin: boolean;
}

export interface PresenceRule {
  readonly rule: string;
  readonly text: string;
  readonly when: (f: PresenceFacts) => boolean;
  readonly then: (f: PresenceFacts) => EffectiveStatusId;
}

const manualIs =
  (...ids: readonly string[]) =>
  (f: PresenceFacts): boolean =>
    f.manual !== undefined && ids.includes(f.manual.status);
const manualStatus = (f: PresenceFacts): EffectiveStatusId => f.manual!.status;
const hasAnyDevice = (f: PresenceFacts): boolean =>
  f.devices.app + f.devices.terminal + f.devices.pbx + f.devices.sessions > 0;

export const PRESENCE_RULES: readonly PresenceRule[] = [
  { rule: 'S2.3#1', text: 'manual blocked', when: manualIs('blocked'), then: () => 'blocked' },
  { rule: 'S2.3#2', text: 'manual forwarding', when: manualIs('forwarding'), then: () => 'forwarding' },
  { rule: 'S2.3#3', text: 'manual absent', when: manualIs('absent'), then: () => 'absent' },
  {
    rule: 'S2.3#4',
    text: 'no registration and no app session',
    when: (f) => !f.statusIndependentOfLogin && !hasAnyDevice(f),
    then: () => 'offline',
  },
  { rule: 'S2.3#5', text: 'manual dnd or busy', when: manualIs('dnd', 'busy'), then: manualStatus },
  { rule: 'S2.3#6', text: 'on a call', when: (f) => f.onCall, then: () => 'on_call' },
  {
    rule: 'S2.3#7',
    text: 'manual at_desk, away or custom',
    when: manualIs('at_desk', 'away', 'custom'),
    then: manualStatus,
  },
  {
    rule: 'S2.3#8',
    text: 'only PBX registrations and no app session',
    when: (f) => f.devices.pbx > 0 && f.devices.app === 0 && f.devices.terminal === 0 && f.devices.sessions === 0,
    then: () => 'available_on_pbx',
  },
  { rule: 'S2.3#9', text: 'idle', when: (f) => f.idle, then: () => 'idle' },
  { rule: 'S2.3#10', text: 'otherwise', when: () => true, then: () => 'online' },
];

export function presenceFacts(user: UserState, policy: TenantPolicy, now: Instant): PresenceFacts {
  const manual = manualInForce(user, now);
  return {
    manual,
    devices: deviceCounts(user, policy, now),
    onCall: isOnCall(user, policy, now),
    idle: isIdle(user, policy, now),
    statusIndependentOfLogin: policy.statusIndependentOfLogin,
  };
}

export function effectiveStatus(facts: PresenceFacts): {
  readonly status: EffectiveStatusId;
  readonly rule: PresenceRule;
} {
  const row = matchingRow(facts);
  return { status: row.then(facts), rule: row };
}

/** The first S2.3 row that matches. */
function matchingRow(facts: PresenceFacts): PresenceRule {
  for (let i = 0; i < PRESENCE_RULES.length; i++) {
    const row = PRESENCE_RULES[i]!;
    if (row.when(facts)) return row;
  }
  // The last row always matches.
  throw new Error('unreachable: S2.3 has a catch-all row');
}

/**
 * S2.4: the record every surface shows. `previous` gives `since` (when the effective status last
 * changed); without one, `since` is `now`. `previous` itself when nothing in it would change.
 */
export function presenceRecord(
  user: UserState,
  policy: TenantPolicy,
  now: Instant,
  previous?: PresenceRecord,
): PresenceRecord {
  const facts = presenceFacts(user, policy, now);
  const rule = matchingRow(facts);
  const status = rule.then(facts);
  const info = STATUS_CATALOG[status];
  const manual = facts.manual;
  const label = status === 'custom' && manual?.text ? manual.text : info.label;
  const since = previous !== undefined && previous.status === status ? previous.since : now;
  const onCall = facts.onCall;
  const ringing = isRinging(user, policy, now);
  const lostRegistration = hasLostRegistration(user, facts.devices);
  const forwardTo = manual?.forwardTo !== undefined && status === 'forwarding' ? manual.forwardTo : undefined;
  const d = facts.devices;
  // Records are immutable, so a part equal to the previous record's is shared rather than
  // rebuilt: most changes leave the devices (and often the indicators) as they were.
  const pi = previous?.indicators;
  const pd = previous?.devices;
  // Most commands (a leg ringing on, a refresh) change nothing a watcher sees: the previous
  // record is the answer, and no new one is made to be compared and dropped.
  if (
    previous !== undefined &&
    previous.status === status &&
    previous.label === label &&
    previous.text === manual?.text &&
    previous.until === manual?.until &&
    previous.name === user.name &&
    previous.extension === user.extension &&
    previous.rule === rule.rule &&
    previous.sessions === d.sessions &&
    previous.manual === manual &&
    pi!.onCall === onCall &&
    pi!.ringing === ringing &&
    pi!.lostRegistration === lostRegistration &&
    pi!.missedCalls === user.missedCalls &&
    pi!.voicemail === user.voicemail &&
    pi!.forwardTo === forwardTo &&
    pd!.app === d.app &&
    pd!.terminal === d.terminal &&
    pd!.pbx === d.pbx
  )
    return previous;
  // Built field by field (absent values as undefined, which JSON leaves out) so that every
  // record has one shape.
  const indicators =
    pi !== undefined &&
    pi.onCall === onCall &&
    pi.ringing === ringing &&
    pi.lostRegistration === lostRegistration &&
    pi.missedCalls === user.missedCalls &&
    pi.voicemail === user.voicemail &&
    pi.forwardTo === forwardTo
      ? pi
      : { onCall, ringing, lostRegistration, missedCalls: user.missedCalls, voicemail: user.voicemail, forwardTo };
  const devices =
    pd !== undefined && pd.app === d.app && pd.terminal === d.terminal && pd.pbx === d.pbx
      ? pd
      : { app: d.app, terminal: d.terminal, pbx: d.pbx };
  return {
    userId: user.id,
    extension: user.extension,
    name: user.name,
    status,
    label,
    colour: info.colour,
    icon: info.icon,
    text: manual?.text,
    until: manual?.until,
    since,
    manual,
    indicators,
    devices,
    sessions: d.sessions,
    rule: rule.rule,
  };
}

/**
 * The diff predicate: did anything a watcher can see change? `since` follows the status and is
 * not compared on its own.
 */
export function presenceChanged(a: PresenceRecord, b: PresenceRecord): boolean {
  if (a === b) return false;
  if (
    a.status !== b.status ||
    a.label !== b.label ||
    a.text !== b.text ||
    a.until !== b.until ||
    a.name !== b.name ||
    a.extension !== b.extension ||
    a.rule !== b.rule ||
    a.sessions !== b.sessions
  ) {
    return true;
  }
  const ia = a.indicators;
  const ib = b.indicators;
  if (
    ia.onCall !== ib.onCall ||
    ia.ringing !== ib.ringing ||
    ia.lostRegistration !== ib.lostRegistration ||
    ia.missedCalls !== ib.missedCalls ||
    ia.voicemail !== ib.voicemail ||
    ia.forwardTo !== ib.forwardTo
  ) {
    return true;
  }
  if (a.devices.app !== b.devices.app || a.devices.terminal !== b.devices.terminal || a.devices.pbx !== b.devices.pbx) {
    return true;
  }
  const ma = a.manual;
  const mb = b.manual;
  if (ma === mb) return false;
  if (ma === undefined || mb === undefined) return true;
  return (
    ma.status !== mb.status ||
    ma.text !== mb.text ||
    ma.until !== mb.until ||
    ma.forwardTo !== mb.forwardTo ||
    ma.reason !== mb.reason ||
    ma.reasonUntil !== mb.reasonUntil ||
    ma.setBy !== mb.setBy ||
    ma.setAt !== mb.setAt
  );
}
