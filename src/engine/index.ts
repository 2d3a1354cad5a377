export { Engine } from './engine.js';
export type { EngineEvent, Outcome, Journal, JournalEntry, EngineListener, EngineOptions } from './engine.js';
export { ManualClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
