// S10.2: a signal that aborts when the client goes before its answer was sent (it closed the
// connection, or its own timeout did). Fastify's `request.signal` listens for the request's
// `close`, which Node emits as soon as the body has been read: the response's `close` before its
// end is the one that means the client has gone.
// Made only when asked for (`callerOf`): only a command forwarded to another node reads it, so
// the requests of a single node, and reads everywhere, make no controller and add no listener.
import type { ServerResponse } from 'node:http';
import type { DispatchOptions } from '../engine/index.js';

export function goneWith(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  // Asked for late, after the client has gone: aborted already.
  if (response.destroyed && !response.writableFinished) controller.abort();
  else
    response.once('close', () => {
      if (!response.writableFinished) controller.abort();
    });
  return controller.signal;
}

/** The engine's dispatch options for a command of this response's request, its signal made on first read. */
export function callerOf(response: ServerResponse): DispatchOptions {
  let signal: AbortSignal | undefined;
  return {
    get signal() {
      return (signal ??= goneWith(response));
    },
  };
}
