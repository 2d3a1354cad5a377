// The server's logger: JSON lines for log collectors, or readable text for a person at a
// terminal (`--log-format`, default auto: pretty when stdout is a terminal).
import pino from 'pino';
import type { Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.js';

export function createLogger(
  config: Pick<Config, 'logLevel' | 'logFormat'>,
  isTerminal = process.stdout.isTTY === true,
): Logger {
  const readable = config.logFormat === 'pretty' || (config.logFormat === 'auto' && isTerminal);
  if (!readable) return pino({ level: config.logLevel });
  // Synchronous, in this thread: a log line is on the screen before the next line of output.
  const stream = pretty({
    sync: true,
    colorize: isTerminal,
    ignore: 'pid,hostname',
    translateTime: 'SYS:HH:MM:ss.l',
    singleLine: false,
  });
  return pino({ level: config.logLevel }, stream);
}
