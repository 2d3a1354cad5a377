// A core refusal answered on SIP: the status comes from the one error registry
// (src/core/errors.ts, `sip` column), the code travels in a Warning (RFC 3261 §20.43).
import { sipStatusOf } from '../core/index.js';
import type { ErrorCode } from '../core/index.js';

const PHRASES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Server Internal Error',
  503: 'Service Unavailable',
};

/** The SIP status of a refusal; a code no SIP surface expects is our fault, so a 500. */
export function sipStatus(code: ErrorCode): number {
  return sipStatusOf(code) ?? 500;
}

export function reasonPhrase(status: number): string {
  return PHRASES[status] ?? 'Server Internal Error';
}
