// The live feed's wire protocol (docs/feed.md): what a client may send, checked strictly
// (S8.1: unknown fields, wrong types and prototype keys are refused with a code), and the
// server's small frames. Event and snapshot frames are built from pre-serialised strings
// elsewhere (events are serialised once, DESIGN.md).
import { ERRORS } from '../core/index.js';
import type { ErrorCode } from '../core/index.js';

export type ScopeRequest =
  | { readonly tenant: true }
  | { readonly group: string }
  | { readonly queue: string }
  | { readonly users: readonly string[] };

export interface Position {
  readonly epoch: string;
  readonly seq: number;
}

export type ClientMessage =
  | { readonly type: 'auth'; readonly token: string }
  | { readonly type: 'subscribe'; readonly id: string; readonly scope: ScopeRequest; readonly resume?: Position }
  | { readonly type: 'unsubscribe'; readonly id: string }
  | { readonly type: 'heartbeat'; readonly active: boolean }
  | { readonly type: 'signout' };

export interface ProtocolError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
  /** The subscription the error is about, when there is one. */
  readonly id?: string;
}

export type Parsed = { readonly ok: true; readonly message: ClientMessage } | ({ readonly ok: false } & ProtocolError);

export const MAX_USERS_PER_SCOPE = 1000;
const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const POLLUTING = new Set(['__proto__', 'constructor', 'prototype']);

class PollutingKey extends Error {}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function invalid(message: string, details?: Record<string, unknown>, id?: string): Parsed {
  return {
    ok: false,
    code: 'SWB_ERR_VALIDATION',
    message,
    ...(details ? { details } : {}),
    ...(id !== undefined ? { id } : {}),
  };
}

/** Keys outside `allowed` (S8.1: unknown fields are refused, not ignored). */
function unknownKeys(o: Json, allowed: readonly string[]): string[] {
  return Object.keys(o).filter((k) => !allowed.includes(k));
}

function parseScope(raw: unknown, id: string): ScopeRequest | Parsed {
  if (!isObject(raw))
    return invalid('`scope` must be an object: {tenant: true}, {group}, {queue} or {users}.', undefined, id);
  const keys = Object.keys(raw);
  if (keys.length !== 1) return invalid('`scope` names exactly one of tenant, group, queue, users.', { keys }, id);
  const key = keys[0]!;
  const v = raw[key];
  switch (key) {
    case 'tenant':
      return v === true ? { tenant: true } : invalid('`scope.tenant` must be true.', undefined, id);
    case 'group':
    case 'queue':
      if (typeof v !== 'string' || v.length === 0 || v.length > 64)
        return invalid(`\`scope.${key}\` must be an id or extension of 1 to 64 characters.`, undefined, id);
      return key === 'group' ? { group: v } : { queue: v };
    case 'users':
      if (
        !Array.isArray(v) ||
        v.length === 0 ||
        v.length > MAX_USERS_PER_SCOPE ||
        !v.every((u) => typeof u === 'string' && u.length > 0 && u.length <= 64)
      ) {
        return invalid(
          `\`scope.users\` must be a list of 1 to ${MAX_USERS_PER_SCOPE} user ids or extensions.`,
          undefined,
          id,
        );
      }
      return { users: v as string[] };
    default:
      return invalid(`Unknown scope \`${key.slice(0, 40)}\`: use tenant, group, queue or users.`, undefined, id);
  }
}

/** Parses one text frame from a client. */
export function parseMessage(text: string): Parsed {
  let raw: unknown;
  try {
    raw = JSON.parse(text, (key, value: unknown) => {
      if (POLLUTING.has(key)) throw new PollutingKey(key);
      return value;
    });
  } catch (e) {
    if (e instanceof PollutingKey)
      return { ok: false, code: 'SWB_ERR_BAD_JSON', message: `The message has a forbidden key \`${e.message}\`.` };
    return { ok: false, code: 'SWB_ERR_BAD_JSON', message: 'The message is not valid JSON.' };
  }
  if (!isObject(raw) || typeof raw.type !== 'string')
    return invalid('A message is a JSON object with a string `type`.');
  const m = raw;
  const extra = (allowed: readonly string[]) => {
    const bad = unknownKeys(m, allowed);
    return bad.length > 0
      ? invalid(`Unknown field(s) for \`${String(m.type)}\`: ${bad.map((k) => k.slice(0, 40)).join(', ')}.`, {
          fields: bad.slice(0, 10),
        })
      : undefined;
  };
  switch (m.type) {
    case 'auth': {
      const bad = extra(['type', 'token']);
      if (bad) return bad;
      if (typeof m.token !== 'string' || m.token.length === 0 || m.token.length > 300)
        return invalid('`token` must be a string.');
      return { ok: true, message: { type: 'auth', token: m.token } };
    }
    case 'subscribe': {
      if (typeof m.id !== 'string' || !ID.test(m.id))
        return invalid('`id` must be 1 to 64 letters, digits or _.:- naming the subscription.');
      const id = m.id;
      const bad = extra(['type', 'id', 'scope', 'resume']);
      if (bad) return { ...bad, id } as Parsed;
      const scope = parseScope(m.scope, id);
      if ('ok' in scope) return scope;
      if (m.resume === undefined) return { ok: true, message: { type: 'subscribe', id, scope } };
      const r = m.resume;
      if (
        !isObject(r) ||
        unknownKeys(r, ['epoch', 'seq']).length > 0 ||
        typeof r.epoch !== 'string' ||
        r.epoch.length > 200 ||
        !Number.isSafeInteger(r.seq) ||
        (r.seq as number) < 0
      ) {
        return invalid(
          '`resume` must be {epoch: string, seq: whole number} from the last frame received.',
          undefined,
          id,
        );
      }
      return { ok: true, message: { type: 'subscribe', id, scope, resume: { epoch: r.epoch, seq: r.seq as number } } };
    }
    case 'unsubscribe': {
      const bad = extra(['type', 'id']);
      if (bad) return bad;
      if (typeof m.id !== 'string' || !ID.test(m.id)) return invalid('`id` must name a subscription.');
      return { ok: true, message: { type: 'unsubscribe', id: m.id } };
    }
    case 'heartbeat': {
      const bad = extra(['type', 'active']);
      if (bad) return bad;
      if (typeof m.active !== 'boolean') return invalid('`active` must be true (the user did something) or false.');
      return { ok: true, message: { type: 'heartbeat', active: m.active } };
    }
    case 'signout': {
      const bad = extra(['type']);
      return bad ?? { ok: true, message: { type: 'signout' } };
    }
    default:
      return invalid(
        `Unknown message type \`${String(m.type).slice(0, 40)}\`: use auth, subscribe, unsubscribe, heartbeat or signout.`,
      );
  }
}

export function errorFrame(e: ProtocolError): string {
  return JSON.stringify({
    type: 'error',
    ...(e.id !== undefined ? { id: e.id } : {}),
    error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) },
  });
}

export function error(
  code: ErrorCode,
  message?: string,
  details?: Record<string, unknown>,
  id?: string,
): ProtocolError {
  return {
    code,
    message: message ?? ERRORS[code],
    ...(details ? { details } : {}),
    ...(id !== undefined ? { id } : {}),
  };
}

export const EVENTS_OPEN = '{"type":"events","events":[';
export const EVENTS_CLOSE = ']}';

/**
 * One `events` message from already-serialised events, joined without re-serialising, as a
 * whole WebSocket frame, built once and written as is to every socket that shares it.
 */
export function eventsMessage(serialised: readonly string[]): Buffer {
  return textFrame(EVENTS_OPEN + serialised.join(',') + EVENTS_CLOSE);
}

/** A whole text frame: one message, or the first fragment of one when `fin` is false. */
export function textFrame(text: string, fin = true): Buffer {
  const length = Buffer.byteLength(text);
  const frame = Buffer.allocUnsafe(headLength(length) + length);
  frame.write(text, writeHead(frame, fin ? 0x81 : 0x01, length), 'utf8');
  return frame;
}

/** The head of a continuation fragment (opcode 0) carrying `length` bytes, the last one when `fin`. */
export function continuationHead(length: number, fin: boolean): Buffer {
  const head = Buffer.allocUnsafe(headLength(length));
  writeHead(head, fin ? 0x80 : 0x00, length);
  return head;
}

/** The most bytes a frame's head takes (RFC 6455 §5.2, unmasked). */
export const MAX_HEAD_BYTES = 10;

const headLength = (length: number): number => (length < 126 ? 2 : length < 65_536 ? 4 : 10);

/**
 * RFC 6455 §5.2: FIN and opcode, then the payload length in 7, 16 or 64 bits; unmasked, as a
 * server's frames are. Returns where the payload starts.
 */
function writeHead(frame: Buffer, first: number, length: number): number {
  frame[0] = first;
  if (length < 126) {
    frame[1] = length;
    return 2;
  }
  if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
    return 4;
  }
  frame[1] = 127;
  frame.writeBigUInt64BE(BigInt(length), 2);
  return 10;
}

/** Close codes: 4401 mirrors HTTP 401 (RFC 6455 §7.4.2 leaves 4000–4999 to applications). */
export const CLOSE_UNAUTHENTICATED = 4401;
export const CLOSE_SIGNED_OUT = 1000;
export const CLOSE_GOING_AWAY = 1001;
/** RFC 6455 §7.4.1 policy violation: the socket kept asking while not reading its answers (docs/feed.md). */
export const CLOSE_TOO_SLOW = 1008;
