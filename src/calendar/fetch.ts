// S11.3: fetching a calendar feed over node:http(s), connected through the address policy's
// `lookup` (as webhooks are, S6.3), so a feed cannot point the server at its own network unless the
// operator allows that host. Plain http only to hosts the operator allows; no redirects; at most
// FEED_LIMITS.maxBytes read. Errors are FeedErrors in words for the user, never naming the URL.
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressPolicy } from '../webhooks/address-policy.js';
import { WebhookAddressError } from '../webhooks/address-policy.js';
import { FEED_LIMITS, FeedError } from './parse.js';

/** Reads a feed's text, or throws a FeedError. */
export type FetchFeed = (url: string) => Promise<string>;

const TIMEOUT_MS = 15_000;

/** Why this URL may not be fetched at all (checked when it is linked and before every fetch). */
export function feedUrlProblem(policy: AddressPolicy, raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'it is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'only http and https are fetched';
  if (url.protocol === 'http:' && !policy.allowsHost(url.hostname))
    return 'plain http is fetched only from hosts the operator allows: use https';
  return policy.urlProblem(raw);
}

function readBody(res: IncomingMessage, resolve: (text: string) => void, reject: (e: Error) => void): void {
  const declared = Number(res.headers['content-length'] ?? '0');
  if (declared > FEED_LIMITS.maxBytes) {
    res.destroy();
    return reject(new FeedError('the calendar is larger than 1 MB'));
  }
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > FEED_LIMITS.maxBytes) {
      res.destroy();
      reject(new FeedError('the calendar is larger than 1 MB'));
      return;
    }
    chunks.push(chunk);
  });
  res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  res.on('error', () => reject(new FeedError('the connection broke while reading the calendar')));
}

function networkError(err: unknown): FeedError {
  if (err instanceof FeedError) return err;
  if (err instanceof WebhookAddressError) return new FeedError(`the address is not allowed: ${err.message}`);
  const e = err as NodeJS.ErrnoException;
  if (e?.name === 'AbortError' || e?.code === 'ABORT_ERR')
    return new FeedError(`the server did not answer within ${TIMEOUT_MS / 1000} s`);
  return new FeedError(`the server could not be reached${e?.code ? ` (${e.code})` : ''}`);
}

/** A FetchFeed through `policy`. */
export function policyFetch(policy: AddressPolicy): FetchFeed {
  return (raw) =>
    new Promise<string>((resolve, reject) => {
      const problem = feedUrlProblem(policy, raw);
      if (problem !== undefined) return reject(new FeedError(`the address is not allowed: ${problem}`));
      const url = new URL(raw);
      const signal = AbortSignal.timeout(TIMEOUT_MS);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        url,
        {
          method: 'GET',
          headers: { accept: 'text/calendar, */*;q=0.5', 'user-agent': 'Switchboard calendar' },
          signal,
          lookup: policy.lookup,
          agent: false,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 300 && status < 400) {
            res.destroy();
            return reject(new FeedError(`the server redirects elsewhere (HTTP ${status}); redirects are not followed`));
          }
          if (status < 200 || status >= 300) {
            res.destroy();
            return reject(new FeedError(`the server answered HTTP ${status}`));
          }
          readBody(res, resolve, reject);
        },
      );
      req.on('error', (err) => reject(networkError(err)));
      req.end();
    });
}
