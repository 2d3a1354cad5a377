// The REST surface (S5, S6.1): the Fastify app and its routes (the accounts that sign callers in
// are src/auth/, shared with SIP and the feed).
// The composition root imports HTTP through this file only. Contract: docs/api.md.
export { buildHttp, BODY_LIMIT } from './server.js';
export type { App, HttpContext } from './server.js';
export { errorBody, httpStatus } from './errors.js';
export { agentRoutes } from './routes/agents.js';
export { authRoutes } from './routes/auth.js';
export { directoryRoutes } from './routes/directory.js';
export { eventRoutes } from './routes/events.js';
export { historyRoutes } from './routes/history.js';
export { callRoutes } from './routes/calls.js';
export { reasonRoutes } from './routes/reasons.js';
export { opsRoutes } from './routes/ops.js';
export { presenceRoutes } from './routes/presence.js';
export { scheduleRoutes } from './routes/schedule.js';
export { routingRoutes } from './routes/routing.js';
export { webhookRoutes } from './routes/webhooks.js';
export { calendarRoutes } from './routes/calendar.js';
export type { CalendarService } from './routes/calendar.js';
