// The REST API's JSON bodies as a fuzz target: the real app (startServer on a temporary data
// directory with the demo company) answers requests through fastify's inject(). An input is a
// text: the first line `METHOD PATH CALLER CONTENT-TYPE` (CALLER: admin, user, system, none or
// bogus; `-` for no Content-Type), the rest the body. Bodies come from the OpenAPI document's
// schemas, then are mutated (wrong types, missing and unknown keys, __proto__ and constructor
// keys, duplicate keys, deep nesting, huge or broken text). The oracle:
//  - never a 5xx; a 4xx is `{ error: { code: 'SWB_ERR_…', message } }` with a code of
//    src/core/errors.ts (docs/errors.md);
//  - no prototype pollution: Object.prototype and friends keep their own keys;
//  - a 2xx with a JSON content type has a JSON body.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import pino from 'pino';
import type { Server } from '../src/app/server.js';
import { schemaArb } from './json-schema.js';
import type { Schema } from './json-schema.js';
import { mutate } from './mutate.js';
import type { Rng } from './rng.js';
import { check } from './target.js';
import type { Target } from './target.js';

const HTTP_DIR = new URL('../src/http/', import.meta.url);
const FILES = [
  ...readdirSync(fileURLToPath(HTTP_DIR))
    .filter((f) => f.endsWith('.js'))
    .map((f) => new URL(f, HTTP_DIR).href),
  ...readdirSync(fileURLToPath(new URL('routes/', HTTP_DIR)))
    .filter((f) => f.endsWith('.js'))
    .map((f) => new URL(`routes/${f}`, HTTP_DIR).href),
];
const SYSTEM_TOKEN = 'system-token-for-fuzzing-0123456789';
const MAX_BYTES = 80 * 1024;
const CALLERS = ['admin', 'admin', 'admin', 'user', 'system', 'none', 'bogus'] as const;
const CONTENT_TYPES = [
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  '-',
  'application/JSON',
  'application/json; charset=latin1',
  'multipart/form-data; boundary=x',
];
/** Path parameters: ids of the demo company mostly (so requests reach the handlers), odd ones too. */
const KNOWN: Readonly<Record<string, readonly string[]>> = {
  user: [
    '1004',
    'u1005',
    '1002',
    '1006',
    'u1007',
    '1010',
    '1003',
    '9999',
    'nobody',
    '%00',
    '..',
    'x'.repeat(70),
    'u1001',
  ],
  id: ['sales', 'support', 'g-new', 'q-new', 'nope', '%2e%2e', 'x'.repeat(70)],
  queue: ['support', 'sales', 'nope'],
};
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const PROTOTYPES: readonly object[] = [Object.prototype, Array.prototype, Function.prototype, String.prototype];
const JSON_DICTIONARY = [
  '"__proto__":{"polluted":"yes"},',
  '"constructor":{"prototype":{"polluted":"yes"}},',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"',
  '\\u0000',
  '\\ud800',
  'null',
  'true',
  '1e999',
  '-0',
  '9007199254740993',
  '""',
  '\uFEFF',
];

interface Route {
  readonly method: string;
  readonly path: string;
  readonly body?: Schema;
  readonly params: Readonly<Record<string, Schema>>;
}

interface OpenApi {
  readonly paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: { content: Record<string, { schema: Schema }> };
        parameters?: { in: string; name: string; schema: Schema }[];
      }
    >
  >;
}

export function jsonTarget(): Target {
  let server: (Server & { dataDir: string }) | undefined;
  let routes: Route[] = [];
  let codes: ReadonlySet<string> = new Set();
  const tokens = new Map<string, string>();
  const prototypeKeys = PROTOTYPES.map((p) => Reflect.ownKeys(p).length);

  async function start(): Promise<void> {
    const [{ startServer }, { DEFAULT_CONFIG }, { ERRORS }] = await Promise.all([
      import('../src/app/server.js'),
      import('../src/app/config.js'),
      import('../src/core/errors.js'),
    ]);
    codes = new Set(Object.keys(ERRORS));
    const dataDir = mkdtempSync(join(tmpdir(), 'swb-fuzz-'));
    const s = await startServer(
      {
        ...DEFAULT_CONFIG,
        httpPort: 0,
        sipPort: 0,
        host: '127.0.0.1',
        dataDir,
        logLevel: 'silent',
        systemToken: SYSTEM_TOKEN,
      },
      // Web hooks the fuzzer registers point at a closed local port; attempts give up quickly.
      { logger: pino({ level: 'silent' }), webhooks: { timeoutMs: 200, maxAttempts: 1 } },
    );
    server = { ...s, dataDir };
    tokens.clear();
    const doc = (await s.http.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as OpenApi;
    routes = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const params: Record<string, Schema> = {};
        for (const p of op.parameters ?? []) if (p.in === 'path') params[p.name] = p.schema;
        const body = op.requestBody?.content['application/json']?.schema;
        routes.push({ method: method.toUpperCase(), path, params, ...(body !== undefined ? { body } : {}) });
      }
    }
  }

  async function stop(): Promise<void> {
    if (server === undefined) return;
    await server.close();
    rmSync(server.dataDir, { recursive: true, force: true });
    server = undefined;
  }

  /** A bearer token for the caller; undefined when the demo account can no longer sign in. */
  async function token(caller: string): Promise<string | undefined> {
    if (caller === 'system') return SYSTEM_TOKEN;
    if (caller === 'none') return undefined;
    if (caller === 'bogus') return 'not-a-token';
    const cached = tokens.get(caller);
    if (cached !== undefined) return cached;
    const username = caller === 'admin' ? '1001' : '1003';
    const r = await server!.http.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username, password: `pass${username}` },
    });
    if (r.statusCode !== 200) return undefined;
    const t = (r.json() as { token: string }).token;
    tokens.set(caller, t);
    return t;
  }

  function route(seed: number): fc.Arbitrary<string> {
    const withBody = routes.filter((r) => r.body !== undefined);
    // Routes with a body most of the time: they are what this target is about.
    const pick = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...withBody) },
      { weight: 1, arbitrary: fc.constantFrom(...routes) },
    );
    return pick.chain((r) => {
      const params = Object.fromEntries(
        Object.entries(r.params).map(([name, schema]) => [
          name,
          KNOWN[name] !== undefined
            ? fc.oneof(
                { weight: 4, arbitrary: fc.constantFrom(...KNOWN[name]) },
                { weight: 1, arbitrary: schemaArb(schema).map(String) },
              )
            : schemaArb(schema).map(String),
        ]),
      );
      return fc
        .tuple(
          fc.record(params),
          fc.constantFrom(...CALLERS),
          fc.constantFrom(...CONTENT_TYPES),
          r.body === undefined ? fc.constant(undefined) : schemaArb(r.body),
        )
        .map(([values, caller, ct, body]) => {
          const path = r.path.replace(/\{(\w+)\}/g, (_m, name: string) =>
            encodeURIComponent(String(values[name] ?? 'x')),
          );
          return `${r.method} ${path} ${caller} ${body === undefined && seed % 2 === 0 ? '-' : ct}\n${body === undefined ? '' : JSON.stringify(body)}`;
        });
    });
  }

  function mutateJson(input: Buffer, rng: Rng, other: Buffer): Buffer {
    const text = input.toString('utf8');
    const nl = text.indexOf('\n');
    const head = nl < 0 ? text : text.slice(0, nl);
    const body = nl < 0 ? '' : text.slice(nl + 1);
    const choice = rng.below(6);
    if (choice === 0) {
      // Another caller or Content-Type.
      const parts = head.split(' ');
      if (rng.oneIn(2)) parts[2] = rng.pick(CALLERS);
      else parts[3] = rng.pick(CONTENT_TYPES);
      return Buffer.from(`${parts.join(' ')}\n${body}`, 'utf8');
    }
    if (choice <= 2) return Buffer.from(`${head}\n${mutateValue(body, rng)}`, 'utf8');
    // Bytes of the body (or, now and then, of the whole input).
    const otherBody = other.subarray(Math.max(0, other.indexOf(0x0a) + 1));
    if (rng.oneIn(8)) return mutate(input, rng, other, { dictionary: JSON_DICTIONARY, maxBytes: MAX_BYTES }, false);
    return Buffer.concat([
      Buffer.from(`${head}\n`, 'utf8'),
      mutate(Buffer.from(body, 'utf8'), rng, otherBody, { dictionary: JSON_DICTIONARY, maxBytes: MAX_BYTES }, false),
    ]);
  }

  async function run(input: Buffer): Promise<void> {
    if (server === undefined) await start();
    const text = input.toString('utf8');
    const nl = text.indexOf('\n');
    const [method = 'GET', url = '/', caller = 'none', ct = '-'] = (nl < 0 ? text : text.slice(0, nl)).split(' ');
    // Inputs the mutations made unsendable (inject refuses an unknown method) test nothing.
    if (!METHODS.includes(method) || !url.startsWith('/')) return;
    const body = nl < 0 ? undefined : input.subarray(Buffer.byteLength(text.slice(0, nl + 1)));
    const bearer = await token(caller);
    const headers: Record<string, string> = {};
    if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
    if (ct !== '-') headers['content-type'] = ct;
    const res = await server!.http.inject({
      method: method as 'GET',
      url,
      headers,
      ...(body !== undefined && body.length > 0 ? { payload: body } : {}),
    });
    checkAnswer(res.statusCode, res.headers['content-type'], res.body);
    checkPrototypes();
    // The demo admin or user may have been deleted, signed out or given another password by
    // the input: sign in again, or start over on a fresh data directory.
    if (res.statusCode === 401 && (caller === 'admin' || caller === 'user')) {
      tokens.delete(caller);
      if ((await token(caller)) === undefined) {
        await stop();
        await start();
      }
    }
  }

  function checkAnswer(status: number, contentType: unknown, text: string): void {
    check(status < 500, `answered ${status}: ${text.slice(0, 300)}`);
    if (status >= 400) {
      let parsed: { error?: { code?: unknown; message?: unknown } } | undefined;
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        check(false, `a ${status} answer is not JSON: ${text.slice(0, 200)}`);
      }
      const code = parsed?.error?.code;
      check(
        typeof code === 'string' && /^SWB_ERR_[A-Z0-9_]+$/.test(code) && codes.has(code),
        `a ${status} answer without a known SWB_ERR_* code: ${text.slice(0, 200)}`,
      );
      check(typeof parsed?.error?.message === 'string', `a ${status} answer without a message: ${text.slice(0, 200)}`);
    } else if (typeof contentType === 'string' && contentType.startsWith('application/json') && text !== '') {
      try {
        JSON.parse(text);
      } catch {
        check(false, `a ${status} JSON answer does not parse: ${text.slice(0, 200)}`);
      }
    }
  }

  function checkPrototypes(): void {
    PROTOTYPES.forEach((p, i) =>
      check(
        Reflect.ownKeys(p).length === prototypeKeys[i],
        `prototype pollution: ${String(Reflect.ownKeys(p).slice(-3).map(String))}`,
      ),
    );
    check(!('polluted' in {}), 'prototype pollution: {}.polluted');
  }

  return {
    name: 'json',
    maxBytes: MAX_BYTES,
    coverageFiles: FILES,
    setup: start,
    seeds: () => [
      Buffer.from(
        'PUT /api/v1/users/1003/status admin application/json\n{"status":"away","__proto__":{"polluted":"yes"}}',
      ),
      Buffer.from(
        'PUT /api/v1/users/1003/status user application/json\n{"status":"dnd","constructor":{"prototype":{"polluted":"yes"}}}',
      ),
      Buffer.from(
        'POST /api/v1/users admin application/json\n{"extension":"2001","name":"N","role":"user","password":"password1"}',
      ),
      Buffer.from(
        'POST /api/v1/events admin application/json\n{"events":[{"type":"registration","user":"1004","id":"r1","kind":"app","ttlSec":60}]}',
      ),
      Buffer.from('POST /api/v1/route admin application/json\n{"to":{"user":"1004"}}'),
      Buffer.from('POST /api/v1/users/import admin text/plain\nextension,name,role\n2002,A,user\n'),
    ],
    generate: (seed: number, count: number) =>
      fc.sample(route(seed), { seed, numRuns: count }).map((s) => Buffer.from(s, 'utf8')),
    mutate: mutateJson,
    run,
    teardown: stop,
  };
}

/** Structural JSON mutations: wrong types, missing or unknown keys, polluting keys, nesting. */
function mutateValue(body: string, rng: Rng): string {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return body;
  }
  const odd: unknown[] = [
    null,
    true,
    0,
    -1,
    1e308,
    2 ** 53 + 2,
    '',
    ' ',
    'x'.repeat(70_000),
    '\u0000',
    '\ud800',
    [],
    {},
    [[[]]],
    { a: 1 },
    'null',
    '1',
    '__proto__',
  ];
  const choice = rng.below(8);
  if (choice === 0)
    return rng.pick([
      'null',
      '[]',
      '"x"',
      '1',
      '',
      '{',
      '{}',
      '[{}]',
      '\uFEFF{}',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`,
    ]);
  if (choice === 1 && body.startsWith('{'))
    return body.replace(
      '{',
      rng.pick([
        '{"__proto__":{"polluted":"yes"},',
        '{"constructor":{"prototype":{"polluted":"yes"}},',
        '{"__proto__":[],',
        '{"x":1,"x":2,',
      ]),
    );
  if (value === null || typeof value !== 'object') return JSON.stringify(rng.pick(odd));
  // Walk to a random object or array inside and change one of its entries.
  let at = value as Record<string, unknown>;
  for (let depth = 0; depth < 4; depth++) {
    const inner = Object.values(at).filter((v) => v !== null && typeof v === 'object') as Record<string, unknown>[];
    if (inner.length === 0 || rng.oneIn(2)) break;
    at = rng.pick(inner);
  }
  const keys = Object.keys(at);
  const key =
    keys.length > 0 && !rng.oneIn(4)
      ? rng.pick(keys)
      : rng.pick(['extra', 'id', 'user', 'status', 'type', '__proto__', 'constructor', 'prototype']);
  if (rng.oneIn(4)) delete at[key];
  else if (key === '__proto__')
    Object.defineProperty(at, key, { value: rng.pick(odd), enumerable: true, configurable: true, writable: true });
  else at[key] = rng.pick(odd);
  return JSON.stringify(value);
}
