// The SIP front thread (docs/sip.md, SIP threads): it owns the UDP socket and does, off the main
// thread, the work of a datagram that needs no engine state —
//   · RFC 5626 keep-alives are dropped;
//   · a retransmitted request gets the very bytes answered the first time, or is dropped while the
//     main thread works on it (RFC 3261 §17.2, the server transactions live here);
//   · S8.3: while the main thread is behind (its overload signal, or more than MAX_BACKLOG
//     datagrams waiting for it), a new out-of-dialog request is answered 503 with Retry-After
//     before any digest work (shed.ts, the same rule);
//   · a REGISTER or new SUBSCRIBE without credentials is challenged (401, a nonce signed with the
//     main thread's secret) when it passes the checks made before digest (preauth.ts) for a domain
//     the main thread served lately and comes from an address with no recent digest failure.
// Everything else goes to the main thread as it came, with its transaction key; the answers come
// back to be sent and kept for retransmissions. See front-protocol.ts for the messages.
import { createSocket } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { NonceIssuer, challenge } from './digest.js';
import type { FromFront, FrontSetup, Meta, ToFront } from './front-protocol.js';
import { MAX_BACKLOG, pack, unpack } from './front-protocol.js';
import { parseMessage } from './message.js';
import { challengeRealm } from './preauth.js';
import type { Incoming } from './request.js';
import { buildResponse, checkRequest, rawOf } from './request.js';
import { SHED_ANSWER, sheddable } from './shed.js';
import { ServerTransactions } from './transactions.js';
import { transactionKey } from './request-answers.js';
import type { Flow } from './transport.js';

/** How long a host the main thread resolved is trusted here (its own directory caches 5 s too). */
const DOMAIN_TTL_MS = 5000;
/** How long an address that failed digest is left to the main thread (the failure window, S5.4). */
const FAILURE_TTL_MS = 61_000;

const setup = workerData as FrontSetup;
const port = parentPort!;
const nonces = new NonceIssuer({ now: Date.now, secret: Buffer.from(setup.secret) });
const tx = new ServerTransactions(setup.ttlMs, Date.now, setup.maxTransactions);
const domains = new Map<string, { readonly realm: string; readonly until: number }>();
const failing = new Map<string, number>();

const socket = createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024, sendBufferSize: 8 * 1024 * 1024 });

// The batch for the main thread, flushed once per turn.
let parts: Buffer[] = [];
let meta: Meta = [];
const answered = new Map<string, number>();
let shed = 0;
let flushing = false;

function post(m: FromFront, transfer: ArrayBuffer[] = []): void {
  port.postMessage(m, transfer);
}

function flush(): void {
  flushing = false;
  const bytes = pack(parts);
  const counts: (string | number)[] = [];
  for (const [k, n] of answered) {
    const [method, status] = k.split(' ');
    counts.push(method!, Number(status), n);
  }
  post({ t: 'in', bytes, meta, answered: counts, shed, transactions: tx.size }, [bytes.buffer as ArrayBuffer]);
  parts = [];
  meta = [];
  answered.clear();
  shed = 0;
}

function later(): void {
  if (flushing) return;
  flushing = true;
  setImmediate(flush);
}

function forward(bytes: Buffer, flow: Flow, key: string): void {
  parts.push(bytes);
  meta.push(flow.address, flow.port, key, bytes.length);
  later();
}

function realmOf(host: string): string | undefined {
  const d = domains.get(host.toLowerCase());
  return d === undefined || d.until < Date.now() || d.realm === '' ? undefined : d.realm;
}

function answer(inc: Incoming, key: string, status: number, reason: string, headers: [string, string][]): void {
  const bytes = buildResponse(rawOf(inc), inc.flow, status, reason, headers);
  tx.complete(key, bytes);
  socket.send(bytes, inc.flow.port, inc.flow.address);
  const k = `${inc.req.method} ${status}`;
  answered.set(k, (answered.get(k) ?? 0) + 1);
  later();
}

/** What the front answers itself; false: the main thread must see the request. */
function answeredHere(inc: Incoming, key: string): boolean {
  if (!sheddable(inc)) return false;
  if (Atomics.load(setup.shedding, 0) === 1 || Atomics.load(setup.shedding, 1) > MAX_BACKLOG) {
    shed++;
    answer(
      inc,
      key,
      503,
      SHED_ANSWER.reason,
      SHED_ANSWER.headers.map(([k, v]) => [k, v]),
    );
    return true;
  }
  const until = failing.get(inc.flow.address);
  if (until !== undefined) {
    if (until > Date.now()) return false;
    failing.delete(inc.flow.address);
  }
  const realm = challengeRealm(inc, realmOf);
  if (realm === undefined) return false;
  answer(inc, key, 401, 'Unauthorized', [['WWW-Authenticate', challenge(realm, nonces.issue(realm), false)]]);
  return true;
}

function receive(bytes: Buffer, flow: Flow): void {
  if (bytes.length <= 4 && /^[\r\n]*$/.test(bytes.toString('latin1'))) return;
  const parsed = parseMessage(bytes, { stream: false });
  // Responses, ACKs and what cannot be parsed or checked: the main thread answers them as before.
  if (!parsed.ok || parsed.message.kind === 'response' || parsed.message.method === 'ACK')
    return forward(bytes, flow, '');
  const checked = checkRequest(parsed.message, flow);
  if (!checked.ok) return forward(bytes, flow, '');
  const inc = checked.inc;
  const key = transactionKey(inc);
  const seen = tx.lookup(key);
  if (seen === 'pending') return;
  if (seen !== 'new') {
    socket.send(seen, flow.port, flow.address);
    return;
  }
  tx.begin(key);
  if (!answeredHere(inc, key)) forward(bytes, flow, key);
}

function fromMain(m: ToFront): void {
  if (m.t === 'stop') {
    socket.close(() => port.close());
    return;
  }
  const now = Date.now();
  for (let i = 0; i < m.domains.length; i += 2)
    domains.set(m.domains[i]!.toLowerCase(), { realm: m.domains[i + 1]!, until: now + DOMAIN_TTL_MS });
  if (domains.size > 10_000) domains.clear();
  for (const a of m.failures) failing.set(a, now + FAILURE_TTL_MS);
  for (const key of m.forget) tx.forget(key);
  unpack(m.bytes, m.meta, (bytes, address, to, key) => {
    if (key !== '') tx.complete(key, bytes);
    socket.send(bytes, to, address);
  });
}

socket.on('message', (msg, rinfo) => {
  try {
    receive(msg, { transport: 'udp', address: rinfo.address, port: rinfo.port });
  } catch (e) {
    // A bug, not bad input: the main thread logs it and the front keeps serving.
    post({ t: 'error', message: (e as Error).stack ?? String(e) });
  }
});
// Before the bind completes, the main thread reads an error as the bind failing (its code decides
// whether to try another port).
socket.on('error', (e: NodeJS.ErrnoException) =>
  post({ t: 'error', message: e.message, ...(e.code === undefined ? {} : { code: e.code }) }),
);
port.on('message', fromMain);
socket.bind(setup.port, setup.host, () => post({ t: 'bound', port: socket.address().port }));
setInterval(() => {
  tx.sweep();
  const now = Date.now();
  for (const [a, until] of failing) if (until <= now) failing.delete(a);
}, 250).unref();
