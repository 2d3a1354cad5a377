// The SIP surface: registrar (S7.1), presence server (S7.2), publications (S7.3), call proxy (S7.4).
export { SipServer } from './server.js';
export type { SipServerOptions } from './server.js';
export type { SipStats } from './context.js';
export type { SipDirectory } from './auth.js';
export type { SipCounters } from './context.js';
export type { Binding } from './registrar.js';
export type { SubscriptionView } from './presence.js';
export type { RingStep } from './ring-plan.js';
