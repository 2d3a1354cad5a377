// The one registry of refusal codes. Each code is defined once, with its message; adapters map
// codes to their protocol (HTTP status, SIP response). A retired code is never reused.
// docs/errors.md lists every code; a test fails when one is missing there.
import type { Refusal } from './types.js';

export const ERRORS = {
  SWB_ERR_USER_NOT_FOUND: 'No such user in this company.',
  SWB_ERR_GROUP_NOT_FOUND: 'No such group in this company.',
  SWB_ERR_QUEUE_NOT_FOUND: 'No such queue in this company.',
  SWB_ERR_CALL_NOT_FOUND: 'No such call is waiting in this queue.',
  SWB_ERR_STATUS_UNKNOWN: 'That status does not exist.',
  SWB_ERR_STATUS_AUTOMATIC: 'That status is set automatically and cannot be chosen by hand.',
  SWB_ERR_STATUS_DISABLED: 'Your company has turned that status off.',
  SWB_ERR_TEXT_REQUIRED: 'A custom status needs a text.',
  SWB_ERR_TEXT_TOO_LONG: 'The status text may be at most 100 characters.',
  SWB_ERR_UNTIL_NOT_FUTURE: 'The end time of a status must be in the future.',
  SWB_ERR_FORWARDING_NOT_ALLOWED: 'Forwarding is not allowed for this user.',
  SWB_ERR_FORWARD_TO_REQUIRED: 'Forwarding needs a destination.',
  SWB_ERR_FORWARD_TO_UNEXPECTED: 'A forwarding destination only goes with the forwarding status.',
  SWB_ERR_FORWARD_TO_SELF: 'A user cannot forward calls to themself.',
  SWB_ERR_FORBIDDEN: 'You are not allowed to do that.',
  SWB_ERR_AGENT_NOT_MEMBER: 'That user is not an agent of that queue.',
  SWB_ERR_AGENT_NOT_LOGGED_IN: 'The agent is not logged in to that queue.',
  SWB_ERR_AGENT_ALREADY_LOGGED_IN: 'The agent is already logged in to that queue.',
  SWB_ERR_AGENT_ON_QUEUE_CALL: 'The agent is on a queue call.',
  SWB_ERR_AGENT_NO_QUEUES: 'The agent belongs to no queue.',
  SWB_ERR_FAC_UNKNOWN: 'That feature code does not exist.',
  SWB_ERR_SESSION_NOT_FOUND: 'No such app session.',
  SWB_ERR_INVALID: 'The request is not valid.',
  SWB_ERR_EXTENSION_TAKEN: 'Another user already has that extension.',
  SWB_ERR_TENANT_NOT_FOUND: 'No such company.',
  // Adapters' own refusals (HTTP, feed, webhooks), in the same registry.
  SWB_ERR_UNAUTHENTICATED: 'Sign in first: the request has no valid token or API key.',
  SWB_ERR_LOGIN_FAILED: 'Wrong user name or password.',
  SWB_ERR_RATE_LIMITED: 'Too many attempts; wait a moment and try again.',
  SWB_ERR_BAD_JSON: 'The request body is not valid JSON.',
  SWB_ERR_BODY_TOO_LARGE: 'The request body is too large.',
  SWB_ERR_UNSUPPORTED_MEDIA_TYPE: 'Send the request body as application/json.',
  SWB_ERR_VALIDATION: 'The request does not have the expected shape.',
  SWB_ERR_NOT_FOUND: 'There is nothing at that address.',
  SWB_ERR_WEBHOOK_NOT_FOUND: 'No such webhook in this company.',
  SWB_ERR_API_KEY_NOT_FOUND: 'No such API key in this company.',
  SWB_ERR_TENANT_EXISTS: 'A company with that id or SIP domain already exists.',
  SWB_ERR_EMAIL_TAKEN: 'Another user already has that email address.',
  SWB_ERR_ID_TAKEN: 'Something in this company already has that id.',
  SWB_ERR_SERVER: 'Something went wrong on the server; the change was not made.',
  SWB_ERR_UNAVAILABLE: 'The server cannot take the change now (starting, stopping, or unable to save); nothing changed, try again shortly.',
  SWB_ERR_CALL_LIMIT: 'Too many calls at once; hang up one and try again.',
} as const;

export type ErrorCode = keyof typeof ERRORS;

export function refuse(code: ErrorCode, details?: Readonly<Record<string, unknown>>, message?: string): Refusal {
  return details === undefined
    ? { ok: false, code, message: message ?? ERRORS[code] }
    : { ok: false, code, message: message ?? ERRORS[code], details };
}
