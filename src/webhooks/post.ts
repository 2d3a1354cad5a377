// S6.3: one webhook POST over node:http(s), connected through the address policy's `lookup`, so
// the socket goes to the address that was checked (fetch resolves names on its own, out of reach).
// Redirects are not followed: a signed body is never forwarded to another address.
import { request as httpRequest } from 'node:http';
import type { IncomingMessage, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressPolicy } from './address-policy.js';
import { WebhookAddressError } from './address-policy.js';

export interface PostRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly signal: AbortSignal;
}

/** Posts the body and answers the response status; the response body is not read. */
export type Post = (req: PostRequest) => Promise<number>;

export function policyPost(policy: AddressPolicy): Post {
  return (req) =>
    new Promise<number>((resolve, reject) => {
      // Checked again here, not only on create: a literal address is connected to without a
      // look-up, and the operator's allow-list may have changed since the webhook was created.
      const problem = policy.urlProblem(req.url);
      if (problem !== undefined) return reject(new WebhookAddressError(problem));
      const url = new URL(req.url);
      const body = Buffer.from(req.body, 'utf8');
      const options: RequestOptions = {
        method: 'POST',
        headers: { ...req.headers, 'content-length': String(body.length) },
        signal: req.signal,
        lookup: policy.lookup,
        // One connection per attempt: a pooled socket could outlive a change of the policy.
        agent: false,
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const outgoing = send(url, options, (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        res.destroy();
        resolve(status);
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
}
