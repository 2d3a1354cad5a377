// The one registry of refusal codes: each code once, with its message, its HTTP status and, where
// a SIP surface can answer it (PUBLISH, a feature code, a call or subscription limit), its SIP
// status. Adapters read statuses from here; nothing defaults. A retired code is never reused.
// docs/errors.md lists every code with its statuses; test/errors.test.ts checks both directions.
import type { Refusal } from './types.js';

export interface ErrorDefinition {
  readonly http: number;
  /** The SIP response code, for the codes a SIP surface answers (S7.3, S7.4, S7.2). */
  readonly sip?: number;
  /** Seconds after which asking again may succeed (a `Retry-After` on HTTP and SIP), for a refusal that passes. */
  readonly retryAfterSec?: number;
  readonly message: string;
}

export const ERROR_REGISTRY = {
  SWB_ERR_USER_NOT_FOUND: { http: 404, sip: 404, message: 'No such user in this company.' },
  SWB_ERR_GROUP_NOT_FOUND: { http: 404, sip: 404, message: 'No such group in this company.' },
  SWB_ERR_QUEUE_NOT_FOUND: { http: 404, sip: 404, message: 'No such queue in this company.' },
  SWB_ERR_CALL_NOT_FOUND: { http: 404, message: 'No such call is waiting in this queue.' },
  SWB_ERR_STATUS_UNKNOWN: { http: 422, sip: 400, message: 'That status does not exist.' },
  SWB_ERR_STATUS_AUTOMATIC: {
    http: 422,
    sip: 400,
    message: 'That status is set automatically and cannot be chosen by hand.',
  },
  SWB_ERR_STATUS_DISABLED: { http: 422, sip: 403, message: 'Your company has turned that status off.' },
  SWB_ERR_TEXT_REQUIRED: { http: 422, sip: 400, message: 'A custom status needs a text.' },
  SWB_ERR_TEXT_TOO_LONG: { http: 422, sip: 400, message: 'The status text may be at most 100 characters.' },
  SWB_ERR_UNTIL_NOT_FUTURE: { http: 422, sip: 400, message: 'The end time of a status must be in the future.' },
  SWB_ERR_SCHEDULE_IN_PAST: { http: 422, message: 'A scheduled status cannot begin in the past.' },
  SWB_ERR_SCHEDULE_ENDS_BEFORE_START: { http: 422, message: 'A scheduled status must end after it begins.' },
  SWB_ERR_SCHEDULE_TOO_LONG: { http: 422, message: 'A scheduled status may last at most 31 days.' },
  SWB_ERR_SCHEDULE_TOO_FAR: { http: 422, message: 'A scheduled status may begin at most a year ahead.' },
  SWB_ERR_SCHEDULE_FULL: { http: 422, message: 'A user may have at most 50 scheduled statuses.' },
  SWB_ERR_SCHEDULE_NOT_FOUND: { http: 404, message: 'No such scheduled status for this user.' },
  SWB_ERR_CALENDAR_URL_INVALID: {
    http: 422,
    message: 'A calendar link must be an http or https URL of at most 2000 characters.',
  },
  SWB_ERR_CALENDAR_URL_FORBIDDEN: { http: 422, message: 'A calendar may not be fetched from that address.' },
  SWB_ERR_CALENDAR_NOT_LINKED: { http: 404, message: 'This user has no calendar linked.' },
  SWB_ERR_FORWARDING_NOT_ALLOWED: { http: 422, sip: 403, message: 'Forwarding is not allowed for this user.' },
  SWB_ERR_FORWARD_TO_REQUIRED: { http: 422, sip: 400, message: 'Forwarding needs a destination.' },
  SWB_ERR_FORWARD_TO_UNEXPECTED: {
    http: 422,
    sip: 400,
    message: 'A forwarding destination only goes with the forwarding status.',
  },
  SWB_ERR_FORWARD_TO_SELF: { http: 422, sip: 403, message: 'A user cannot forward calls to themself.' },
  SWB_ERR_FORBIDDEN: { http: 403, sip: 403, message: 'You are not allowed to do that.' },
  SWB_ERR_AGENT_NOT_MEMBER: { http: 422, sip: 403, message: 'That user is not an agent of that queue.' },
  SWB_ERR_AGENT_NOT_LOGGED_IN: { http: 422, sip: 403, message: 'The agent is not logged in to that queue.' },
  SWB_ERR_AGENT_ALREADY_LOGGED_IN: { http: 422, sip: 403, message: 'The agent is already logged in to that queue.' },
  SWB_ERR_AGENT_ON_QUEUE_CALL: { http: 422, sip: 403, message: 'The agent is on a queue call.' },
  SWB_ERR_AGENT_NO_QUEUES: { http: 422, sip: 403, message: 'The agent belongs to no queue.' },
  SWB_ERR_HOURS_INVALID: {
    http: 422,
    message: 'The opening hours are not valid: a time, date, limit or closed action is wrong.',
  },
  SWB_ERR_REASON_UNKNOWN: {
    http: 422,
    sip: 400,
    message: 'That reason is not one of the reason codes your company has defined.',
  },
  SWB_ERR_REASON_UNEXPECTED: { http: 422, sip: 400, message: 'A reason only goes with not ready, away or dnd.' },
  SWB_ERR_FAC_UNKNOWN: { http: 422, sip: 404, message: 'That feature code does not exist.' },
  SWB_ERR_SESSION_NOT_FOUND: { http: 404, message: 'No such app session.' },
  SWB_ERR_INVALID: { http: 400, sip: 400, message: 'The request is not valid.' },
  SWB_ERR_EXTENSION_TAKEN: { http: 409, message: 'Another user already has that extension.' },
  SWB_ERR_TENANT_NOT_FOUND: { http: 404, message: 'No such company.' },
  SWB_ERR_LAST_ADMIN: { http: 409, message: "This is the company's only admin: make another user admin first." },
  // Adapters' own refusals (HTTP, feed, webhooks), in the same registry.
  SWB_ERR_UNAUTHENTICATED: { http: 401, message: 'Sign in first: the request has no valid token or API key.' },
  SWB_ERR_LOGIN_FAILED: { http: 401, message: 'Wrong user name or password.' },
  SWB_ERR_RATE_LIMITED: { http: 429, message: 'Too many attempts; wait a moment and try again.' },
  SWB_ERR_BAD_JSON: { http: 400, message: 'The request body is not valid JSON.' },
  SWB_ERR_BODY_TOO_LARGE: { http: 413, message: 'The request body is too large.' },
  SWB_ERR_UNSUPPORTED_MEDIA_TYPE: { http: 415, message: 'Send the request body as application/json.' },
  SWB_ERR_VALIDATION: { http: 400, message: 'The request does not have the expected shape.' },
  SWB_ERR_NOT_FOUND: { http: 404, message: 'There is nothing at that address.' },
  SWB_ERR_METHOD_NOT_ALLOWED: {
    http: 405,
    message: 'That address does not take this method; the Allow header lists the ones it takes.',
  },
  SWB_ERR_BAD_URL: { http: 400, message: 'The address is not valid: a percent-escape does not decode to text.' },
  SWB_ERR_URI_TOO_LONG: { http: 414, message: 'The address is too long.' },
  SWB_ERR_HEADERS_TOO_LARGE: { http: 431, message: 'The request headers are too large.' },
  SWB_ERR_BAD_REQUEST: { http: 400, message: 'The request is not well-formed HTTP.' },
  SWB_ERR_TIMEOUT: { http: 408, message: 'The request did not arrive in time.' },
  SWB_ERR_WEBHOOK_NOT_FOUND: { http: 404, message: 'No such webhook in this company.' },
  SWB_ERR_WEBHOOK_URL_FORBIDDEN: {
    http: 422,
    message: 'Webhooks may not be sent to that address: it is internal (loopback, private, link-local or metadata).',
  },
  SWB_ERR_API_KEY_NOT_FOUND: { http: 404, message: 'No such API key in this company.' },
  SWB_ERR_TENANT_EXISTS: { http: 409, message: 'A company with that id or SIP domain already exists.' },
  SWB_ERR_EMAIL_TAKEN: { http: 409, message: 'Another user already has that email address.' },
  SWB_ERR_ID_TAKEN: { http: 409, message: 'Something in this company already has that id.' },
  SWB_ERR_SERVER: { http: 500, sip: 500, message: 'Something went wrong on the server; the change was not made.' },
  SWB_ERR_UNAVAILABLE: {
    http: 503,
    sip: 503,
    retryAfterSec: 5,
    message:
      'The server cannot take the change now (starting, stopping, or unable to save); nothing changed, try again shortly.',
  },
  SWB_ERR_OVERLOADED: {
    http: 503,
    sip: 503,
    retryAfterSec: 1,
    message: 'The server is busier than it can serve quickly; nothing changed, try again in a moment.',
  },
  SWB_ERR_CALL_LIMIT: { http: 429, sip: 403, message: 'Too many calls at once; hang up one and try again.' },
  SWB_ERR_SUBSCRIPTION_LIMIT: {
    http: 429,
    sip: 403,
    message: 'Too many presence or BLF subscriptions; remove some keys or buddies and try again.',
  },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERROR_REGISTRY;

/** The message of each code (the registry's `message` column). */
export const ERRORS = Object.fromEntries(Object.entries(ERROR_REGISTRY).map(([code, e]) => [code, e.message])) as {
  readonly [C in ErrorCode]: string;
};

/** The HTTP status of a code. */
export function httpStatusOf(code: ErrorCode): number {
  return ERROR_REGISTRY[code].http;
}

/** The SIP status of a code, or undefined for a code no SIP surface answers. */
/** S8.2: when to ask again for a refusal that passes (the store could not save), else undefined. */
export function retryAfterOf(code: ErrorCode): number | undefined {
  const e: ErrorDefinition = ERROR_REGISTRY[code];
  return e.retryAfterSec;
}

export function sipStatusOf(code: ErrorCode): number | undefined {
  const e: ErrorDefinition = ERROR_REGISTRY[code];
  return e.sip;
}

export function refuse(code: ErrorCode, details?: Readonly<Record<string, unknown>>, message?: string): Refusal {
  return details === undefined
    ? { ok: false, code, message: message ?? ERRORS[code] }
    : { ok: false, code, message: message ?? ERRORS[code], details };
}
