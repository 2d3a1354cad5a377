// The main thread's side of the SIP front thread (front-worker.ts, docs/sip.md SIP threads): it
// starts the worker, which binds the UDP socket, hands the SIP server the datagrams the front
// forwards, and sends answers back through it in one batch per event-loop turn. It also tells the
// front what the front needs to answer on its own: the realm of each domain the server resolved,
// the addresses that failed digest, and whether new requests are to be shed (S8.3).
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { FromFront, FrontSetup, Meta, ToFront } from './front-protocol.js';
import { pack, unpack } from './front-protocol.js';

export interface FrontEvents {
  readonly onMessage: (bytes: Buffer, address: string, port: number, key: string) => void;
  /** Answers the front sent itself (counted like the main thread's). */
  readonly onAnswered: (method: string, status: number, count: number) => void;
  readonly onShed: (count: number) => void;
  readonly onError: (error: Error) => void;
}

/** How often a host's realm is told again to the front (it trusts one for 5 s). */
const DOMAIN_REFRESH_MS = 2000;

/**
 * The worker's code: the compiled file next to this one; when this runs from the TypeScript
 * sources (the test runner), the compiled one in dist/ (`npm run build` makes it).
 */
function workerFile(): URL {
  const here = new URL('./front-worker.js', import.meta.url);
  if (existsSync(here)) return here;
  const built = new URL('../../dist/src/sip/front-worker.js', import.meta.url);
  if (existsSync(built)) return built;
  throw new Error('SIP threads need the compiled front (dist/src/sip/front-worker.js): run npm run build');
}

export class FrontThread {
  private worker: Worker | undefined;
  private parts: Uint8Array[] = [];
  private meta: Meta = [];
  private forgets: string[] = [];
  private domains: string[] = [];
  private failures: string[] = [];
  private flushing = false;
  private readonly told = new Map<string, { realm: string; at: number }>();
  private held = 0;

  constructor(
    private readonly setup: FrontSetup,
    private readonly events: FrontEvents,
  ) {}

  /** Server transactions the front remembers (as of its last batch). */
  get transactions(): number {
    return this.held;
  }

  /** Starts the worker and binds; resolves with the port, rejects with the bind error (its code kept). */
  start(port: number): Promise<number> {
    const worker = new Worker(workerFile(), { workerData: { ...this.setup, port } });
    this.worker = worker;
    return new Promise((resolve, reject) => {
      let bound = false;
      worker.on('message', (m: FromFront) => {
        if (m.t === 'bound') {
          bound = true;
          resolve(m.port);
        } else if (m.t === 'error') {
          const e = Object.assign(new Error(m.message), m.code === undefined ? {} : { code: m.code });
          if (bound) this.events.onError(e);
          else {
            bound = true;
            this.worker = undefined;
            void worker.terminate();
            reject(e);
          }
        } else this.receive(m);
      });
      worker.on('error', (e) => (bound ? this.events.onError(e) : reject(e)));
      // Not on stop(): SIP over UDP is gone until a restart, which the log must say.
      worker.on('exit', (code) => {
        if (this.worker === worker) this.events.onError(new Error(`the SIP front thread exited (code ${code})`));
      });
    });
  }

  private receive(m: Extract<FromFront, { t: 'in' }>): void {
    this.held = m.transactions;
    for (let i = 0; i < m.answered.length; i += 3)
      this.events.onAnswered(m.answered[i] as string, m.answered[i + 1] as number, m.answered[i + 2] as number);
    if (m.shed > 0) this.events.onShed(m.shed);
    unpack(m.bytes, m.meta, (bytes, address, port, key) => this.events.onMessage(bytes, address, port, key));
  }

  /** Sends a datagram; with `key`, it is that server transaction's answer, kept for retransmissions. */
  send(bytes: Uint8Array, port: number, address: string, key = ''): void {
    this.parts.push(bytes);
    this.meta.push(address, port, key, bytes.length);
    this.later();
  }

  forget(key: string): void {
    this.forgets.push(key);
    this.later();
  }

  /** The realm `host` is served under (undefined: not served), told again every 2 s while in use. */
  learned(host: string, realm: string | undefined): void {
    const now = Date.now();
    const last = this.told.get(host);
    const value = realm ?? '';
    if (last !== undefined && last.realm === value && now - last.at < DOMAIN_REFRESH_MS) return;
    if (this.told.size > 10_000) this.told.clear();
    this.told.set(host, { realm: value, at: now });
    this.domains.push(host, value);
    this.later();
  }

  authFailed(address: string): void {
    this.failures.push(address);
    this.later();
  }

  /** Datagrams waiting for the main thread (the front sheds past MAX_BACKLOG). */
  backlog(n: number): void {
    Atomics.store(this.setup.shedding, 1, n);
  }

  /** S8.3: the front sheds new requests while on (it reads this per request). */
  shed(on: boolean): void {
    Atomics.store(this.setup.shedding, 0, on ? 1 : 0);
  }

  private later(): void {
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushing = false;
    if (this.worker === undefined) return;
    const bytes = pack(this.parts);
    const m: ToFront = {
      t: 'out',
      bytes,
      meta: this.meta,
      forget: this.forgets,
      domains: this.domains,
      failures: this.failures,
    };
    this.worker.postMessage(m, [bytes.buffer as ArrayBuffer]);
    this.parts = [];
    this.meta = [];
    this.forgets = [];
    this.domains = [];
    this.failures = [];
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    this.flush();
    this.worker = undefined;
    const exited = new Promise<void>((r) => worker.once('exit', () => r()));
    worker.postMessage({ t: 'stop' } satisfies ToFront);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
    await worker.terminate();
  }
}
