// The SIP server: UDP and TCP on one port, the transaction layer, and the four services —
// registrar (S7.1), presence server (S7.2), publications (S7.3) and the call proxy (S7.4,
// calls.ts). Bad input is answered with 400 when it can be answered (it has Via, From, To,
// Call-ID and CSeq) and dropped otherwise; nothing a peer sends can stop the server.
import type { TenantId, UserId } from '../core/index.js';
import type { Bus, Clock, Engine } from '../engine/index.js';
import type { SipDirectory } from './auth.js';
import { Authenticator } from './auth.js';
import type { SipContext, SipCounters, SipStats } from './context.js';
import { ALLOW, ALLOW_EVENTS, KNOWN_METHODS } from './context.js';
import { NonceIssuer } from './digest.js';
import { parseVia } from './headers.js';
import type { HeaderList, SipResponse } from './message.js';
import { headerValues, parseMessage } from './message.js';
import type { CallOptions } from './calls.js';
import { CallManager, DEFAULT_CALLS } from './calls.js';
import { OutgoingRequests } from './outgoing.js';
import type { SipPersistence } from './persistence.js';
import { SipJournal } from './persistence.js';
import type { PresenceOptions, SubscriptionView } from './presence.js';
import { DEFAULT_PRESENCE, PresenceServer } from './presence.js';
import type { PublishOptions } from './publish.js';
import { DEFAULT_PUBLISH, PublicationHandler } from './publish.js';
import type { Binding, RegistrarOptions } from './registrar.js';
import { DEFAULT_REGISTRAR, Registrar } from './registrar.js';
import type { Incoming } from './request.js';
import type { RingStep } from './ring-plan.js';
import { buildResponse, checkRequest, rawDialogHeaders, rawOf } from './request.js';
import { T1_MS, T2_MS } from './transactions.js';
import { RequestAnswers } from './request-answers.js';
import { randomBytes } from 'node:crypto';
import type { FramingError } from './framing.js';
import type { OverloadSignal } from '../shared/overload.js';
import { shedAnswer } from './shed.js';
import { frontOptions, learningDirectory, pollShedding } from './front-wiring.js';
import type { Flow } from './transport.js';
import { Transport } from './transport.js';

export interface SipServerOptions {
  readonly engine: Engine;
  /** Where committed events (NOTIFYs) and directives (call control) come from (default: the engine's bus). */
  readonly bus?: Bus;
  /** The engine's clock: the call proxy's ring steps and retransmissions wait on it (a manual clock in tests). */
  readonly clock: Clock;
  readonly directory: SipDirectory;
  readonly host: string;
  /** 0 picks a free port (UDP and TCP the same). */
  readonly port: number;
  /** The address put in our Via and Contact when bound to 0.0.0.0. */
  readonly advertisedHost?: string;
  readonly registrar?: Partial<RegistrarOptions>;
  readonly presence?: Partial<PresenceOptions>;
  readonly publish?: Partial<PublishOptions>;
  /** S7.4: limits of the call proxy. */
  readonly calls?: Partial<CallOptions>;
  readonly counters?: Partial<SipCounters>;
  /** S8.1: limits of SIP over TCP (transport.ts has the defaults). */
  readonly tcp?: { readonly messageTimeoutMs?: number; readonly maxConnectionsPerAddress?: number };
  readonly timers?: { readonly t1Ms: number; readonly t2Ms: number };
  /** S8.1: server transactions remembered for retransmissions (transactions.ts has the default). */
  readonly maxServerTransactions?: number;
  readonly maxAuthFailuresPerMinute?: number;
  /** S7.1: failed attempts for one account (tenant and username), from any address. */
  readonly maxAuthFailuresPerAccountPerMinute?: number;
  /** S8.2: where bindings, subscriptions and publications survive a restart (none: memory only). */
  readonly persistence?: SipPersistence;
  readonly log?: (level: 'debug' | 'info' | 'warn', detail: Record<string, unknown>, message: string) => void;
  /** S8.3: while the server is behind, new out-of-dialog requests are answered 503 (none: never). */
  readonly overload?: OverloadSignal;
  /**
   * SIP threads (docs/sip.md): UDP goes through a front thread (front-worker.ts) that owns the
   * socket and answers retransmissions, keep-alives, sheds (S8.3) and first challenges itself.
   * Its nonces are stamped with the wall clock: the engine's clock must be the system clock.
   */
  readonly threads?: boolean;
}

const END_OF_HEADERS = Buffer.from('\r\n\r\n');
const MAX_PER_TURN = 64;

export class SipServer {
  private readonly transport: Transport;
  private readonly answers: RequestAnswers;
  private readonly outgoing: OutgoingRequests;
  private readonly registrar: Registrar;
  private readonly presence: PresenceServer;
  private readonly publications: PublicationHandler;
  private readonly calls: CallManager;
  private readonly nonces: NonceIssuer;
  private readonly ctx: SipContext;
  private readonly counters: SipCounters;
  private readonly journal: SipJournal;
  private sweeper: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;
  private inbox: { bytes: Buffer; flow: Flow; key: string | undefined }[] = [];
  private shedPoll: NodeJS.Timeout | undefined;

  constructor(private readonly options: SipServerOptions) {
    const engine = options.engine;
    const now = (): number => engine.now();
    const timers = options.timers ?? { t1Ms: T1_MS, t2Ms: T2_MS };
    this.counters = { authFailure: () => {}, notifySent: () => {}, request: () => {}, ...options.counters };
    const secret = randomBytes(32);
    this.transport = new Transport({
      host: options.host,
      port: options.port,
      ...options.tcp,
      onMessage: (bytes, flow, key) => this.receive(bytes, flow, key),
      onUnframed: (e, flow) => this.unframed(e, flow),
      onError: (e, where) => this.log('warn', { err: e.message, where }, 'sip transport error'),
      ...(options.threads === true ? { front: frontOptions(secret, 64 * timers.t1Ms, options, this.counters) } : {}),
    });
    this.answers = new RequestAnswers(64 * timers.t1Ms, options.maxServerTransactions, this.transport);
    this.outgoing = new OutgoingRequests(
      this.transport,
      () => ({ host: this.advertisedHost(), port: this.transport.port }),
      options.clock,
      timers,
    );
    this.nonces = new NonceIssuer({ now, secret });
    // With a front thread, the front learns the realm of every domain resolved here.
    const directory =
      options.threads === true ? learningDirectory(options.directory, () => this.transport.front) : options.directory;
    const auth = new Authenticator({
      directory,
      nonces: this.nonces,
      now,
      userByExtension: (tenant, ext) => engine.state(tenant)?.byExtension.get(ext),
      onFailure: (address) => {
        this.counters.authFailure();
        this.transport.front?.authFailed(address);
      },
      ...(options.maxAuthFailuresPerMinute !== undefined
        ? { maxFailuresPerMinute: options.maxAuthFailuresPerMinute }
        : {}),
      ...(options.maxAuthFailuresPerAccountPerMinute !== undefined
        ? { maxFailuresPerAccountPerMinute: options.maxAuthFailuresPerAccountPerMinute }
        : {}),
    });
    this.journal = new SipJournal(options.persistence, (e) =>
      this.log('warn', { err: e.message }, 'sip state commit failed'),
    );
    this.ctx = {
      engine,
      directory,
      auth,
      counters: this.counters,
      journal: this.journal,
      now,
      clock: options.clock,
      reply: (inc, status, reason, headers, body, toTag) => this.reply(inc, status, reason, headers, body, toTag),
      log: (level, detail, message) => this.log(level, detail, message),
    };
    this.registrar = new Registrar(this.ctx, { ...DEFAULT_REGISTRAR, ...options.registrar });
    this.presence = new PresenceServer(this.ctx, this.outgoing, { ...DEFAULT_PRESENCE, ...options.presence });
    this.publications = new PublicationHandler(this.ctx, { ...DEFAULT_PUBLISH, ...options.publish });
    this.calls = new CallManager(
      this.ctx,
      {
        self: () => ({ host: this.advertisedHost(), port: this.transport.port }),
        send: (hop, bytes) => this.transport.send(hop.flow, bytes, hop.fallback),
        relay: (inc, status, bytes) => this.relay(inc, status, bytes),
        bindings: (tenant, userId) => this.registrar.list(tenant, userId),
        connection: (address, port) => this.transport.flowFrom(address, port),
        outgoing: this.outgoing,
        timers,
      },
      { ...DEFAULT_CALLS, ...options.calls },
    );
  }

  private log(level: 'debug' | 'info' | 'warn', detail: Record<string, unknown>, message: string): void {
    this.options.log?.(level, detail, message);
  }

  private advertisedHost(): string {
    return (
      this.options.advertisedHost ??
      (this.options.host === '0.0.0.0' || this.options.host === '::' ? '127.0.0.1' : this.options.host)
    );
  }

  get port(): number {
    return this.transport.port;
  }

  async start(): Promise<number> {
    const port = await this.transport.start();
    // S8.2: what was acknowledged before a restart is served again.
    const rows = await this.journal.load();
    this.registrar.restore(rows.filter((r) => r.kind === 'binding'));
    this.publications.restore(rows.filter((r) => r.kind === 'publication'));
    this.presence.restore(rows.filter((r) => r.kind === 'subscription'));
    this.unlisten = (this.options.bus ?? this.options.engine.bus).subscribe((batch) => {
      if (batch.events.length > 0) this.presence.onEvents(batch.events);
      this.calls.onBatch(batch);
    });
    let ticks = 0;
    this.sweeper = setInterval(() => {
      this.answers.sweep();
      this.presence.sweep();
      if (++ticks % 40 === 0) {
        this.nonces.sweep();
        this.registrar.sweep();
      }
    }, 250);
    this.sweeper.unref();
    const { front } = this.transport;
    if (front !== undefined && this.options.overload !== undefined)
      this.shedPoll = pollShedding(front, this.options.overload);
    return port;
  }

  async stop(): Promise<void> {
    this.unlisten?.();
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    if (this.shedPoll !== undefined) clearInterval(this.shedPoll);
    this.presence.stop();
    this.publications.stop();
    this.calls.stop();
    await this.journal.flush();
    this.outgoing.transactions.stop();
    await this.transport.stop();
  }

  stats(): SipStats {
    return {
      registrations: this.registrar.size,
      subscriptions: this.presence.size,
      publications: this.publications.size,
      serverTransactions: this.answers.size,
      clientTransactions: this.outgoing.transactions.size,
      connections: this.transport.connectionCount,
      calls: this.calls.size,
    };
  }

  /** The operator's view of a user: SIP bindings with their contacts, and subscriptions. */
  devices(
    tenant: TenantId,
    userId: UserId,
  ): { bindings: readonly Binding[]; watchedBy: readonly SubscriptionView[]; watching: readonly SubscriptionView[] } {
    return { bindings: this.registrar.list(tenant, userId), ...this.presence.subscriptions(tenant, userId) };
  }

  /** S3.1#7, S3.3: the ring steps of calls still to come, in time order (ring-plan.ts). */
  ringPlan(): readonly RingStep[] {
    return this.calls.ringSteps.pending();
  }

  /**
   * Messages that arrive in one turn of the event loop are handled together in its check phase,
   * so the engine commits the changes they cause in one transaction (group commit) instead of
   * one per datagram. At most MAX_PER_TURN a turn: a front thread hands over all it read since
   * the last turn at once, and a turn of thousands would hold up every timer and NOTIFY behind it
   * (libuv itself reads at most 32 datagrams a turn from a socket of this thread).
   */
  private receive(bytes: Buffer, flow: Flow, key: string | undefined): void {
    this.inbox.push({ bytes, flow, key });
    this.transport.front?.backlog(this.inbox.length);
    if (this.inbox.length === 1) setImmediate(() => this.drain());
  }

  private drain(): void {
    const batch = this.inbox.length <= MAX_PER_TURN ? this.inbox : this.inbox.slice(0, MAX_PER_TURN);
    this.inbox = batch === this.inbox ? [] : this.inbox.slice(MAX_PER_TURN);
    if (this.inbox.length > 0) setImmediate(() => this.drain());
    this.transport.front?.backlog(this.inbox.length);
    for (const { bytes, flow, key } of batch) {
      try {
        this.handleBytes(bytes, flow, key);
      } catch (e) {
        // A bug, not bad input: log it and keep serving.
        this.log('warn', { err: (e as Error).stack ?? String(e) }, 'sip message handling failed');
      }
    }
  }

  /**
   * S8.1: a TCP message whose end cannot be known (two Content-Lengths, a malformed one: framing
   * is lost, and the connection closes after this) is answered 400 (413 when too large) when it
   * can be, at once, before the close; nothing in it or after it is handled.
   */
  private unframed(e: FramingError, flow: Flow): void {
    if (e.head === undefined) return;
    const parsed = parseMessage(Buffer.concat([e.head, END_OF_HEADERS]), { stream: true });
    const isRequest = parsed.ok ? parsed.message.kind === 'request' : parsed.isRequest;
    const raw = isRequest ? rawDialogHeaders(parsed.ok ? parsed.message.headers : parsed.headers) : undefined;
    const reason = `${e.status === 413 ? 'Message Too Large' : 'Bad Request'} (${e.message}; closing the connection)`;
    if (raw !== undefined) this.send(flow, buildResponse(raw, flow, e.status, reason));
    this.log('debug', { reason: e.message, from: `${flow.address}:${flow.port}` }, 'sip tcp framing lost');
  }

  /** `frontKey`: the server transaction a front thread began for it (it answers retransmissions). */
  private handleBytes(bytes: Buffer, flow: Flow, frontKey?: string): void {
    // RFC 5626 keep-alives over UDP: a bare CRLF (or CRLFCRLF) datagram.
    if (flow.transport === 'udp' && bytes.length <= 4 && /^[\r\n]*$/.test(bytes.toString('latin1'))) return;
    const parsed = parseMessage(bytes, { stream: flow.transport === 'tcp' });
    if (!parsed.ok) {
      const raw = parsed.isRequest ? rawDialogHeaders(parsed.headers) : undefined;
      if (raw !== undefined) this.send(flow, buildResponse(raw, flow, parsed.status, parsed.reason));
      this.log(
        'debug',
        { status: parsed.status, reason: parsed.reason, from: `${flow.address}:${flow.port}` },
        'malformed sip message',
      );
      return;
    }
    const msg = parsed.message;
    if (msg.kind === 'response') return this.response(msg);
    // ACK has no response and no transaction of its own here: the call proxy absorbs or passes it on.
    if (msg.method === 'ACK') return this.calls.ack(msg, flow);
    const checked = checkRequest(msg, flow);
    if (!checked.ok) {
      const raw = rawDialogHeaders(msg.headers);
      if (raw !== undefined) this.send(flow, buildResponse(raw, flow, checked.status, checked.reason));
      this.counters.request(msg.method.slice(0, 20), checked.status);
      return;
    }
    const inc = checked.inc;
    if (!this.answers.begin(inc, frontKey)) return;
    this.dispatch(inc);
  }

  private dispatch(inc: Incoming): void {
    // S7.4: a request inside a call through us goes to the other party, whatever it requires.
    if (inc.toTag !== undefined && inc.req.method !== 'CANCEL' && this.calls.has(inc.callId)) {
      // Passed on statelessly: a retransmission is passed on again, not absorbed.
      this.answers.forget(inc);
      return this.calls.inDialog(inc);
    }
    const shed = shedAnswer(this.options.overload, inc);
    if (shed !== undefined) return this.reply(inc, 503, shed.reason, shed.headers);
    // §8.2.2.3: we support no extensions; a request that requires one is 420. A proxy leaves
    // Require to the callee (§16.3).
    const require = headerValues(inc.req, 'require');
    if (require.length > 0 && inc.req.method !== 'CANCEL' && inc.req.method !== 'INVITE')
      return this.reply(inc, 420, 'Bad Extension', [['Unsupported', require.join(', ')]]);
    const run = (p: Promise<void>): void => {
      p.catch((e: unknown) => {
        this.log('warn', { err: (e as Error).stack ?? String(e), method: inc.req.method }, 'sip request failed');
        this.reply(inc, 500, 'Server Internal Error');
      });
    };
    switch (inc.req.method) {
      case 'REGISTER':
        return run(this.registrar.handle(inc));
      case 'SUBSCRIBE':
        return run(this.presence.handle(inc));
      case 'PUBLISH':
        return run(this.publications.handle(inc));
      case 'OPTIONS':
        return this.reply(inc, 200, 'OK', [
          ['Allow', ALLOW],
          ['Accept', 'application/pidf+xml, application/dialog-info+xml, application/x-as-feature-event+xml'],
          ['Allow-Events', ALLOW_EVENTS],
        ]);
      case 'INVITE':
        return run(this.calls.invite(inc));
      case 'CANCEL':
        // §9.2: the INVITE transaction it names, or 481.
        return this.calls.cancel(inc);
      case 'BYE':
        // A BYE of a call that is not ours (§15.1.2).
        return this.reply(inc, 481, 'Call/Transaction Does Not Exist');
      default:
        // §8.2.1: a method we know but do not serve is 405; one we do not know is 501.
        if (KNOWN_METHODS.has(inc.req.method)) return this.reply(inc, 405, 'Method Not Allowed', [['Allow', ALLOW]]);
        return this.reply(inc, 501, 'Not Implemented', [['Allow', ALLOW]]);
    }
  }

  private response(res: SipResponse): void {
    if (this.calls.response(res)) return;
    const top = headerValues(res, 'via')[0];
    const branch = top === undefined ? undefined : parseVia(top)?.params.get('branch');
    if (branch !== undefined) this.outgoing.transactions.receive(branch, res);
  }

  private send(flow: Flow, bytes: Buffer): void {
    this.transport.send(flow, bytes);
  }

  private reply(
    inc: Incoming,
    status: number,
    reason: string,
    headers: HeaderList = [],
    body = '',
    toTag?: string,
  ): void {
    this.relay(inc, status, buildResponse(rawOf(inc), inc.flow, status, reason, headers, body, toTag));
  }

  /** Sends a response to a request and keeps it for its retransmissions (request-answers.ts). */
  private relay(inc: Incoming, status: number, bytes: Buffer): void {
    this.answers.answer(inc, bytes);
    this.counters.request(inc.req.method, status);
  }
}
