// Refusals on HTTP: every failure is `{ error: { code, message, details? } }` with a stable
// SWB_ERR_* code and its HTTP status, both from the one registry (src/core/errors.ts).
import { ERRORS, httpStatusOf } from '../core/index.js';
import type { ErrorCode, Refusal } from '../core/index.js';

/** The code's HTTP status, from the one registry (every code has one; nothing defaults). */
export function httpStatus(code: ErrorCode): number {
  return httpStatusOf(code);
}

/** A refusal raised inside a route handler; the error handler turns it into the JSON body. */
export class HttpRefusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message ?? ERRORS[code]);
  }
  static of(r: Refusal): HttpRefusal {
    return new HttpRefusal(r.code, r.message, r.details);
  }
}

export function fail(code: ErrorCode, details?: Readonly<Record<string, unknown>>, message?: string): never {
  throw new HttpRefusal(code, message ?? ERRORS[code], details);
}

export function errorBody(
  code: ErrorCode,
  message: string,
  details?: Readonly<Record<string, unknown>>,
): { error: { code: string; message: string; details?: Readonly<Record<string, unknown>> } } {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}
