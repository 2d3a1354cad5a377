// S10.2: a signal that aborts when the client goes before its answer was sent (it closed the
// connection, or its own timeout did). Fastify's `request.signal` listens for the request's
// `close`, which Node emits as soon as the body has been read: the response's `close` before its
// end is the one that means the client has gone.
import type { ServerResponse } from 'node:http';

export function goneWith(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}
