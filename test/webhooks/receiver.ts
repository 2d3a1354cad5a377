// A real HTTP receiver on 127.0.0.1 for webhook tests: records every request, answers with the
// status the test chooses, and lets a test await "n requests matching this" with a bounded wait.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly raw: string;
  /** The parsed JSON, read field by field in assertions (undefined when not JSON). */
  readonly body: any;
  readonly receivedAt: number;
}

export interface ReceiverOptions {
  /** The status to answer the nth request (0-based) on this path; default 200. */
  readonly status?: (n: number, r: Received) => number;
  /** Hold the answer until this resolves (to observe what is in flight at once). */
  readonly hold?: (r: Received) => Promise<void>;
  /** Listen on this port (to bring a receiver back where it was). */
  readonly port?: number;
}

export class Receiver {
  readonly requests: Received[] = [];
  /** Requests being answered right now, and the most ever open at once, overall and per subject. */
  open = 0;
  maxOpen = 0;
  readonly maxOpenPerSubject = new Map<string, number>();
  private readonly openPerSubject = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  private server!: Server;
  port = 0;

  private constructor(private readonly options: ReceiverOptions) {}

  static async start(options: ReceiverOptions = {}): Promise<Receiver> {
    const r = new Receiver(options);
    await r.listen(options.port ?? 0);
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private async listen(port: number): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = JSON.parse(raw);
        } catch {
          body = undefined;
        }
        const r: Received = { path: req.url ?? '', headers: req.headers, raw, body, receivedAt: Date.now() };
        const n = this.requests.filter((x) => x.path === r.path).length;
        this.requests.push(r);
        const subject = String((body as { subject?: unknown } | undefined)?.subject);
        this.open++;
        this.maxOpen = Math.max(this.maxOpen, this.open);
        const perSubject = (this.openPerSubject.get(subject) ?? 0) + 1;
        this.openPerSubject.set(subject, perSubject);
        this.maxOpenPerSubject.set(subject, Math.max(this.maxOpenPerSubject.get(subject) ?? 0, perSubject));
        for (const w of this.waiters) w();
        void (this.options.hold?.(r) ?? Promise.resolve()).then(() => {
          this.open--;
          this.openPerSubject.set(subject, (this.openPerSubject.get(subject) ?? 1) - 1);
          res.writeHead(this.options.status?.(n, r) ?? 200, { 'content-type': 'text/plain' });
          res.end('ok');
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Waits until at least `count` recorded requests match, or fails after `timeoutMs`. */
  async waitFor(count: number, match: (r: Received) => boolean = () => true, timeoutMs = 5_000): Promise<Received[]> {
    const matching = () => this.requests.filter(match);
    if (matching().length >= count) return matching();
    return new Promise<Received[]>((resolve, reject) => {
      const check = () => {
        if (matching().length < count) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(matching());
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `waited ${timeoutMs} ms for ${count} matching requests; got ${matching().length} of ${this.requests.length}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
