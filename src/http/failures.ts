// Every failure the HTTP surface can answer, in the one shape `{ error: { code, message, details? } }`
// with a registered SWB_ERR_* code (S8.1) — including the ones fastify and node's HTTP parser
// raise before a route runs: an address that does not decode, a path segment over fastify's
// maxParamLength, headers or a request line over node's limit, a method the path does not take.
import type { Socket } from 'node:net';
import { STATUS_CODES, maxHeaderSize } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, retryAfterOf } from '../core/index.js';
import type { ErrorCode } from '../core/index.js';
import { HttpRefusal, errorBody, httpStatus } from './errors.js';

/** `{ error }` for a registered code, with its status. */
function refusal(
  reply: FastifyReply,
  code: ErrorCode,
  message?: string,
  details?: Readonly<Record<string, unknown>>,
): FastifyReply {
  return reply.status(httpStatus(code)).send(errorBody(code, message ?? ERRORS[code], details));
}

export function errorHandler(bodyLimit: number) {
  return (
    error: Error & { code?: string; statusCode?: number; validation?: unknown[] },
    request: FastifyRequest,
    reply: FastifyReply,
  ): FastifyReply => {
    if (error instanceof HttpRefusal) {
      // S8.2: nothing was changed (the store could not save, or the server is stopping): come back soon.
      const retryAfter = retryAfterOf(error.code);
      if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
      return reply.status(httpStatus(error.code)).send(errorBody(error.code, error.message, error.details));
    }
    if (error.validation !== undefined) {
      const issues = (error.validation as { instancePath?: string; message?: string; params?: unknown }[])
        .slice(0, 10)
        .map((v) => ({ path: v.instancePath ?? '', message: v.message ?? '', params: v.params }));
      return refusal(reply, 'SWB_ERR_VALIDATION', `The request does not have the expected shape: ${error.message}`, {
        issues,
      });
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return refusal(
          reply,
          'SWB_ERR_BODY_TOO_LARGE',
          `The request body is larger than ${request.routeOptions.bodyLimit ?? bodyLimit} bytes.`,
        );
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return refusal(reply, 'SWB_ERR_UNSUPPORTED_MEDIA_TYPE');
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return refusal(reply, 'SWB_ERR_BAD_REQUEST', 'The request body is not as long as its Content-Length says.');
    }
    if (error.statusCode === 400 || error instanceof SyntaxError) {
      // JSON that does not parse, an empty JSON body, or a __proto__ / constructor.prototype key.
      return refusal(reply, 'SWB_ERR_BAD_JSON', `The request body is not valid JSON: ${error.message}`);
    }
    if (error.statusCode !== undefined && error.statusCode < 500) {
      // Any other refusal of fastify's own (e.g. a Content-Length that does not match the body).
      return refusal(reply, 'SWB_ERR_BAD_REQUEST', `The request is not well-formed: ${error.message}`);
    }
    request.log.error({ err: error }, 'request failed');
    return refusal(reply, 'SWB_ERR_SERVER');
  };
}

/** fastify's `frameworkErrors`: refusals raised while routing, before any hook runs. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const path = request.raw.url?.split('?')[0]?.slice(0, 200) ?? '';
  if (error.code === 'FST_ERR_BAD_URL')
    void refusal(
      reply,
      'SWB_ERR_BAD_URL',
      `The address ${path} is not valid: a percent-escape does not decode to text.`,
    );
  else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    void refusal(reply, 'SWB_ERR_URI_TOO_LONG', 'A segment of the address is too long.');
  else {
    request.log.error({ err: error }, 'routing failed');
    void refusal(reply, 'SWB_ERR_SERVER');
  }
}

/**
 * node's `clientError`: the request could not be parsed, so no fastify reply exists; answer on
 * the socket with a complete HTTP response, then close it. A request line that is over node's
 * header limit by itself is a URI that is too long (414); other header overflows are 431.
 */
export function clientErrorHandler(error: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  let code: ErrorCode = 'SWB_ERR_BAD_REQUEST';
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    code = requestLineLength(error.rawPacket) > maxHeaderSize ? 'SWB_ERR_URI_TOO_LONG' : 'SWB_ERR_HEADERS_TOO_LARGE';
  } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    code = 'SWB_ERR_TIMEOUT';
  } else if (error.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') {
    code = 'SWB_ERR_BODY_TOO_LARGE';
  }
  const status = httpStatus(code);
  const body = JSON.stringify(errorBody(code, ERRORS[code]));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** The length of the first line of the bytes that overflowed (the request line, when they start with it). */
function requestLineLength(packet: unknown): number {
  if (!Buffer.isBuffer(packet)) return 0;
  const end = packet.indexOf('\n');
  return end < 0 ? packet.length : end;
}

/** The methods each documented path takes, for 405 answers (RFC 9110 §15.5.6: with Allow). */
export class MethodTable {
  private readonly routes: { readonly method: string; readonly pattern: RegExp }[] = [];

  add(method: string, url: string): void {
    if (url.includes('*')) return;
    const pattern = url
      .split('/')
      .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    this.routes.push({ method, pattern: new RegExp(`^${pattern}$`) });
  }

  allowed(path: string): string[] {
    return [...new Set(this.routes.filter((r) => r.pattern.test(path)).map((r) => r.method))].sort();
  }

  /** 405 when the path exists with other methods, else 404; both in the SWB_ERR_ shape. */
  notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const path = request.url.split('?')[0]!;
    const allow = this.allowed(path);
    // The path has a route for this very method that the router did not take: one of its
    // segments is over fastify's maxParamLength.
    if (allow.includes(request.method))
      return refusal(reply, 'SWB_ERR_URI_TOO_LONG', 'A segment of the address is too long.');
    if (allow.length > 0) {
      return refusal(
        reply.header('allow', allow.join(', ')),
        'SWB_ERR_METHOD_NOT_ALLOWED',
        `${path.slice(0, 200)} takes ${allow.join(', ')}, not ${request.method}.`,
        { allow },
      );
    }
    return refusal(reply, 'SWB_ERR_NOT_FOUND', `There is nothing at ${request.method} ${path.slice(0, 200)}.`);
  }
}
