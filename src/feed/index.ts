// The live feed (S6.2): WebSocket watchers at /api/v1/stream. Protocol: docs/feed.md.
export { Feed, FEED_DEFAULTS } from './feed.js';
export type { FeedDeps, FeedLog, FeedMetrics, FeedOptions, FeedStats } from './feed.js';
export type { FeedAuth } from './watcher.js';
