// What the registrar, presence server and publication handler share: the engine, the directory,
// the authenticator and a way to answer a request.
import type { TenantId } from '../core/index.js';
import type { Clock, Engine } from '../engine/index.js';
import type { Authenticator, SipDirectory } from './auth.js';
import type { HeaderList } from './message.js';
import type { SipJournal } from './persistence.js';
import type { Incoming } from './request.js';

export interface SipCounters {
  /** Failed digest attempts (wrong password, unknown user). */
  authFailure(): void;
  notifySent(): void;
  request(method: string, status: number): void;
}

export interface SipContext {
  readonly engine: Engine;
  readonly directory: SipDirectory;
  readonly auth: Authenticator;
  readonly counters: SipCounters;
  /** S8.2: where bindings, subscriptions and publications are persisted (a no-op without a store). */
  readonly journal: SipJournal;
  /** Wall-clock milliseconds (the engine's clock, so leases and expiries agree). */
  now(): number;
  /** The same clock's timers: every wait of the SIP services (a manual clock in tests). */
  readonly clock: Clock;
  reply(inc: Incoming, status: number, reason: string, headers?: HeaderList, body?: string, toTag?: string): void;
  log(level: 'debug' | 'info' | 'warn', detail: Record<string, unknown>, message: string): void;
}

/** The tenant a request is addressed to, by the host of a URI (S5.2: a domain names one tenant). */
export function tenantOf(ctx: SipContext, host: string): { tenant: TenantId; domain: string } | undefined {
  return ctx.directory.tenantForDomain(host);
}

export const ALLOW = 'INVITE, ACK, CANCEL, BYE, REGISTER, SUBSCRIBE, PUBLISH, OPTIONS';
export const ALLOW_EVENTS = 'presence, dialog, as-feature-event';

/** §8.2.1: every method we know; one we know but do not serve is 405, one we do not know 501. */
export const KNOWN_METHODS = new Set([
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'MESSAGE',
  'INFO',
  'PRACK',
  'UPDATE',
  'REFER',
]);

/** The SIP server's live counts (SipServer.stats(), read by /metrics). */
export interface SipStats {
  readonly registrations: number;
  readonly subscriptions: number;
  readonly publications: number;
  readonly serverTransactions: number;
  readonly clientTransactions: number;
  readonly connections: number;
  readonly calls: number;
}
