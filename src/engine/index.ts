export { Engine } from './engine.js';
export type {
  EngineEvent,
  Outcome,
  Journal,
  JournalEntry,
  EngineListener,
  EngineOptions,
  DispatchOptions,
} from './engine.js';
export { InProcessBus } from './bus.js';
export type { Bus, BusHandler, CommittedBatch } from './bus.js';
export { ManualClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
