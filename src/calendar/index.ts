// S11.3 Calendar: fetching users' iCalendar feeds and handing their busy events to the core.
export { CalendarSync, CALENDAR_INTERVAL_MS } from './sync.js';
export type { CalendarSyncOptions } from './sync.js';
export { feedUrlProblem, policyFetch } from './fetch.js';
export type { FetchFeed } from './fetch.js';
export { FEED_LIMITS, FeedError, busyWindows } from './parse.js';
