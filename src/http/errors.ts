// Refusals on HTTP: every failure is `{ error: { code, message, details? } }` with a stable
// SWB_ERR_* code from the one registry (src/core/errors.ts) and the status mapped here.
import { ERRORS } from '../core/index.js';
import type { ErrorCode, Refusal } from '../core/index.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  SWB_ERR_USER_NOT_FOUND: 404,
  SWB_ERR_GROUP_NOT_FOUND: 404,
  SWB_ERR_QUEUE_NOT_FOUND: 404,
  SWB_ERR_CALL_NOT_FOUND: 404,
  SWB_ERR_SESSION_NOT_FOUND: 404,
  SWB_ERR_TENANT_NOT_FOUND: 404,
  SWB_ERR_NOT_FOUND: 404,
  SWB_ERR_METHOD_NOT_ALLOWED: 405,
  SWB_ERR_BAD_URL: 400,
  SWB_ERR_URI_TOO_LONG: 414,
  SWB_ERR_HEADERS_TOO_LARGE: 431,
  SWB_ERR_BAD_REQUEST: 400,
  SWB_ERR_TIMEOUT: 408,
  SWB_ERR_WEBHOOK_NOT_FOUND: 404,
  SWB_ERR_WEBHOOK_URL_FORBIDDEN: 422,
  SWB_ERR_API_KEY_NOT_FOUND: 404,
  SWB_ERR_FORBIDDEN: 403,
  SWB_ERR_UNAUTHENTICATED: 401,
  SWB_ERR_LOGIN_FAILED: 401,
  SWB_ERR_RATE_LIMITED: 429,
  SWB_ERR_BAD_JSON: 400,
  SWB_ERR_VALIDATION: 400,
  SWB_ERR_INVALID: 400,
  SWB_ERR_BODY_TOO_LARGE: 413,
  SWB_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  SWB_ERR_EXTENSION_TAKEN: 409,
  SWB_ERR_EMAIL_TAKEN: 409,
  SWB_ERR_ID_TAKEN: 409,
  SWB_ERR_TENANT_EXISTS: 409,
  SWB_ERR_LAST_ADMIN: 409,
  SWB_ERR_SERVER: 500,
  SWB_ERR_UNAVAILABLE: 503,
};

/** Status for a code; rule refusals (a status that cannot be set, an agent command that does not apply) are 422. */
export function httpStatus(code: string): number {
  return STATUS[code as ErrorCode] ?? 422;
}

/** A refusal raised inside a route handler; the error handler turns it into the JSON body. */
export class HttpRefusal extends Error {
  constructor(
    readonly code: string,
    message?: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message ?? ERRORS[code as ErrorCode] ?? code);
  }
  static of(r: Refusal): HttpRefusal {
    return new HttpRefusal(r.code, r.message, r.details);
  }
}

export function fail(code: ErrorCode, details?: Readonly<Record<string, unknown>>, message?: string): never {
  throw new HttpRefusal(code, message ?? ERRORS[code], details);
}

export function errorBody(code: string, message: string, details?: Readonly<Record<string, unknown>>): { error: { code: string; message: string; details?: Readonly<Record<string, unknown>> } } {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}
