export { NatsBus, NATS_BUS_DEFAULTS } from './nats-bus.js';
export type { BusLog, NatsBusOptions, NatsBusStats } from './nats-bus.js';
export type { BusGap } from './order.js';
export { batchSubject, tenantToken } from './subject.js';
export { WIRE_VERSION } from './wire.js';
export type { WireBatch } from './wire.js';
