export { DEFAULT_DISPATCHER_OPTIONS, Dispatcher, retryDelayMs } from './dispatcher.js';
export type { DeliveryOutcome, DispatcherLog, DispatcherMetrics, DispatcherOptions } from './dispatcher.js';
export { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature } from './signing.js';
