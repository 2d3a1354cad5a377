// S11.3: the calendar service as the server runs it: feeds fetched through an address policy of
// their own (the operator's calendarAllowedHosts), every calendarIntervalMin minutes.
import type { Logger } from 'pino';
import { CalendarSync, feedUrlProblem, policyFetch } from '../calendar/index.js';
import type { Engine } from '../engine/index.js';
import type { CalendarService } from '../http/index.js';
import { AddressPolicy } from '../webhooks/index.js';
import type { Config } from './config.js';
import type { CallLogRetention } from './call-log-retention.js';
import { shrinkYoungWhenQuiet } from './young-generation.js';

export type Calendar = CalendarService & { readonly sync: CalendarSync };

export function calendarService(config: Config, engine: Engine, logger: Logger): Calendar {
  const policy = new AddressPolicy(config.calendarAllowedHosts);
  const intervalMs = config.calendarIntervalMin * 60_000;
  const log = logger.child({ surface: 'calendar' });
  // The URL may hold a secret token: the log names the tenant, the user and the error only.
  const sync = new CalendarSync({
    engine,
    fetchFeed: policyFetch(policy),
    intervalMs,
    log: (detail, message) => log.warn(detail, message),
  });
  return {
    sync,
    intervalMs,
    urlProblem: (url) => feedUrlProblem(policy, url),
    refresh: (tenant, userId) => sync.refresh(tenant, userId),
  };
}

/** The jobs the server runs in the background, started and stopped together. */
export function backgroundJobs(calls: CallLogRetention, calendar: Calendar): { start(): void; stop(): void } {
  let stopShrinking = (): void => {};
  return {
    start: () => {
      calls.start();
      calendar.sync.start();
      stopShrinking = shrinkYoungWhenQuiet();
    },
    stop: () => {
      calls.stop();
      calendar.sync.stop();
      stopShrinking();
    },
  };
}
