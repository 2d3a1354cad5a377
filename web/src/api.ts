// Every call to the REST API goes through here: the bearer token, JSON in and out, and every
// failure turned into an ApiError whose `message` a person can read (never a blank page).
import { ERRORS } from '../../src/core/errors.js';

const TOKEN_KEY = 'switchboard.token';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Words for the codes whose server message speaks to an integrator rather than a person. */
const FRIENDLY: Record<string, string> = {
  SWB_ERR_UNAUTHENTICATED: 'Your sign-in has expired. Please sign in again.',
  SWB_ERR_FORBIDDEN: 'Your role does not allow that. Ask an administrator.',
  SWB_ERR_NOT_FOUND: 'This part of Switchboard is not available on this server yet.',
  SWB_ERR_SERVER: 'Something went wrong on the server; nothing was changed. Please try again.',
  SWB_ERR_UNAVAILABLE: 'The server is restarting. Please try again in a moment.',
  SWB_ERR_BAD_JSON: 'The app sent something the server could not read. Reload the page and try again.',
};

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  try {
    if (token === null) localStorage.removeItem(TOKEN_KEY);
    else localStorage.setItem(TOKEN_KEY, token);
  } catch {
    // private mode without storage: the session lasts until the tab closes
  }
}

let onUnauthenticated: (() => void) | undefined;
/** Called when the server says the token is no longer valid. */
export function whenSignedOut(fn: () => void): void {
  onUnauthenticated = fn;
}

/** The form's words for the API's field names, so a refusal names what the person sees. */
const FIELD_WORDS: Record<string, string> = {
  deskDelaySec: 'Desk delay',
  ringTimeoutSec: 'Ring time',
  forwardTo: 'Forward calls to',
  extension: 'Extension',
  name: 'Name',
  email: 'Email',
  role: 'Role',
  number: 'Number',
  prompt: 'Message',
  text: 'Text',
};

function validationWords(details: Record<string, unknown> | undefined, fallback: string): string {
  const issues = Array.isArray(details?.issues) ? (details.issues as { path?: string; message?: string }[]) : [];
  const first = issues[0];
  if (first === undefined) return fallback;
  const field = (first.path ?? '').split('/').filter(Boolean).pop();
  const words = field === undefined ? undefined : (FIELD_WORDS[field] ?? field);
  return words
    ? `Please check “${words}”: it ${first.message ?? 'is not valid'}.`
    : `Please check the form: it ${first.message ?? 'is not valid'}.`;
}

/** S11.2: refused opening hours, naming the row as the form numbers it (interval 1, holiday 2). */
function hoursWords(details: Record<string, unknown> | undefined, fallback: string): string {
  const field = typeof details?.field === 'string' ? details.field : '';
  if (typeof details?.why !== 'string') return fallback;
  const row = /(weekly|holidays)\[([0-9]+)\]/.exec(field);
  const where = row
    ? `${row[1] === 'weekly' ? 'interval' : 'holiday'} ${Number(row[2]) + 1}`
    : field.endsWith('closedAction')
      ? '“When closed”'
      : 'the hours';
  return `Please check ${where}: ${details.why}.`;
}

/** A readable sentence for any failure. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === 'SWB_ERR_VALIDATION') return validationWords(e.details, e.message);
    if (e.code === 'SWB_ERR_HOURS_INVALID') return hoursWords(e.details, e.message);
    return FRIENDLY[e.code] ?? e.message;
  }
  if (e instanceof TypeError)
    return 'Cannot reach the Switchboard server. Check your connection; the page keeps trying.';
  return e instanceof Error && e.message ? e.message : 'Something unexpected went wrong.';
}

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  init: { raw?: string; contentType?: string } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (init.raw !== undefined) {
    payload = init.raw;
    headers['content-type'] = init.contentType ?? 'text/plain';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(path, { method, headers, body: payload });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const err = (
      parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined
    )?.error;
    const code =
      err?.code ??
      (res.status === 404 ? 'SWB_ERR_NOT_FOUND' : res.status >= 500 ? 'SWB_ERR_SERVER' : 'SWB_ERR_INVALID');
    const known = (ERRORS as Record<string, string>)[code];
    const error = new ApiError(
      code,
      err?.message ?? known ?? `The server answered ${res.status}.`,
      res.status,
      err?.details,
    );
    if (res.status === 401 && path !== '/api/v1/auth/login') onUnauthenticated?.();
    throw error;
  }
  if (parsed === undefined && text !== '')
    throw new ApiError('SWB_ERR_SERVER', 'The server sent an answer the app cannot read.', res.status);
  return parsed as T;
}
