// S2.1 and S2.2 as data: every status with its label, colour and icon, so colour is never the
// only signal. Adapters render from this table; nothing else hard-codes a label or a colour.
import type { Colour, EffectiveStatusId, ManualStatusId, StatusId } from './types.js';
import { AUTOMATIC_STATUSES, MANUAL_STATUSES } from './types.js';

export interface StatusInfo {
  readonly id: StatusId;
  readonly label: string;
  readonly colour: Colour;
  readonly icon: string;
  readonly manual: boolean;
  /** What the status does to calls, in words (S2.1, S2.2). */
  readonly effect: string;
}

export const STATUS_CATALOG: Readonly<Record<StatusId, StatusInfo>> = {
  available: {
    id: 'available',
    label: 'Available',
    colour: 'green',
    icon: 'check-circle',
    manual: true,
    effect: 'none: setting it clears any other manual status',
  },
  away: {
    id: 'away',
    label: 'Away',
    colour: 'yellow',
    icon: 'clock',
    manual: true,
    effect: 'rings as usual (still notified)',
  },
  custom: {
    id: 'custom',
    label: 'Custom',
    colour: 'yellow',
    icon: 'speech',
    manual: true,
    effect: 'rings as usual; the text is the label',
  },
  at_desk: {
    id: 'at_desk',
    label: 'At the desk',
    colour: 'green',
    icon: 'desk-phone',
    manual: true,
    effect: 'app devices ring after the desk delay; terminals and PBX devices at once',
  },
  busy: {
    id: 'busy',
    label: 'Busy',
    colour: 'red',
    icon: 'minus-circle',
    manual: true,
    effect: 'no notification; direct calls get the busy action; group calls skip the user',
  },
  dnd: {
    id: 'dnd',
    label: 'Do not disturb',
    colour: 'red',
    icon: 'moon',
    manual: true,
    effect: 'no notification; direct calls get the dnd action; missed-call notification; group calls skip the user',
  },
  absent: {
    id: 'absent',
    label: 'Absent',
    colour: 'grey',
    icon: 'door',
    manual: true,
    effect: 'unreachable: direct calls get the unreachable action; unreachable in groups',
  },
  forwarding: {
    id: 'forwarding',
    label: 'Forwarding',
    colour: 'green',
    icon: 'arrow-right',
    manual: true,
    effect: 'every call goes to the forwarding destination',
  },
  blocked: {
    id: 'blocked',
    label: 'Blocked',
    colour: 'red',
    icon: 'block',
    manual: true,
    effect: 'calls to and from the user are refused',
  },
  offline: {
    id: 'offline',
    label: 'Offline',
    colour: 'grey',
    icon: 'circle-empty',
    manual: false,
    effect: 'no registration and no app session: unreachable',
  },
  on_call: {
    id: 'on_call',
    label: 'On a call',
    colour: 'red',
    icon: 'phone',
    manual: false,
    effect: 'rings only with call waiting on',
  },
  idle: {
    id: 'idle',
    label: 'Available (idle)',
    colour: 'green',
    icon: 'zzz',
    manual: false,
    effect: 'rings as usual',
  },
  available_on_pbx: {
    id: 'available_on_pbx',
    label: 'Available on PBX',
    colour: 'yellow',
    icon: 'pbx',
    manual: false,
    effect: 'only PBX registrations: may or may not answer',
  },
  online: {
    id: 'online',
    label: 'Online',
    colour: 'green',
    icon: 'check-circle',
    manual: false,
    effect: 'rings as usual',
  },
};

const manualSet: ReadonlySet<string> = new Set(MANUAL_STATUSES);
const automaticSet: ReadonlySet<string> = new Set(AUTOMATIC_STATUSES);

export function isManualStatus(value: string): value is ManualStatusId {
  return manualSet.has(value);
}

export function isAutomaticStatus(value: string): boolean {
  return automaticSet.has(value);
}

export function statusInfo(status: EffectiveStatusId): StatusInfo {
  return STATUS_CATALOG[status];
}
