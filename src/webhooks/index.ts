export { DEFAULT_DISPATCHER_OPTIONS, Dispatcher, retryDelayMs } from './dispatcher.js';
export type {
  DeliveryOutcome,
  DispatcherDeps,
  DispatcherLog,
  DispatcherMetrics,
  DispatcherOptions,
} from './dispatcher.js';
export { AddressPolicy, WebhookAddressError, allowEntryProblem } from './address-policy.js';
export type { Resolve } from './address-policy.js';
export { policyPost } from './post.js';
export type { Post, PostRequest } from './post.js';
export { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature } from './signing.js';
