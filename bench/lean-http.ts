// A lean HTTP/1.1 keep-alive client for the benches' load: raw sockets, one request at a time on
// each, the answer read by its Content-Length (Switchboard always sends one). node:http's client
// cost the cluster bench 0.14 ms of CPU per request on the machine the nodes under test share;
// this one a fraction of that, so the load generator takes less of what it measures.
import { connect } from 'node:net';
import type { Socket } from 'node:net';

export interface Answer {
  readonly status: number;
  readonly body: string;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection; `send` answers once the whole response is in. */
class Connection {
  private readonly socket: Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: ((a: Answer) => void) | undefined;
  dead = false;

  constructor(port: number) {
    this.socket = connect({ host: '127.0.0.1', port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    const end = (why: string) => this.fail(why);
    this.socket.on('error', (e) => end(e.message));
    this.socket.on('close', () => end('connection closed'));
  }

  send(request: Buffer, timeoutMs: number): Promise<Answer> {
    if (this.dead) return Promise.resolve({ status: 0, body: 'connection closed' });
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.fail('timeout'), timeoutMs);
      this.waiting = (a) => {
        clearTimeout(timer);
        resolve(a);
      };
      this.socket.write(request);
    });
  }

  close(): void {
    this.dead = true;
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const headEnd = this.buffered.indexOf(HEAD_END);
    if (headEnd < 0) return;
    const head = this.buffered.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (length === null) return this.fail('no Content-Length');
    const total = headEnd + 4 + Number(length[1]);
    if (this.buffered.length < total) return;
    const answer = { status: Number(head.slice(9, 12)), body: this.buffered.toString('utf8', headEnd + 4, total) };
    this.buffered = this.buffered.subarray(total);
    if (/\r\nconnection:\s*close/i.test(head)) this.close();
    this.answer(answer);
  }

  private fail(why: string): void {
    if (!this.dead) this.close();
    this.answer({ status: 0, body: why });
  }

  private answer(a: Answer): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.(a);
  }
}

/** Up to `maxSockets` connections to one port; a call waits for a free one. */
export class LeanHttp {
  private readonly idle: Connection[] = [];
  private readonly queue: ((c: Connection) => void)[] = [];
  private open = 0;
  private closed = false;

  constructor(
    readonly port: number,
    private readonly maxSockets: number,
  ) {}

  async call(method: string, path: string, headers: Record<string, string>, body?: Buffer, timeoutMs = 30_000) {
    const lines = [`${method} ${path} HTTP/1.1`, `host: 127.0.0.1:${this.port}`];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    lines.push(`content-length: ${body?.length ?? 0}`, '', '');
    const head = Buffer.from(lines.join('\r\n'), 'latin1');
    const conn = await this.acquire();
    const answer = await conn.send(body === undefined ? head : Buffer.concat([head, body]), timeoutMs);
    this.release(conn);
    return answer;
  }

  close(): void {
    this.closed = true;
    for (const c of this.idle.splice(0)) c.close();
  }

  private acquire(): Promise<Connection> {
    for (let free = this.idle.pop(); free !== undefined; free = this.idle.pop()) {
      if (!free.dead) return Promise.resolve(free);
      this.open--; // the server closed it while it was idle
    }
    if (this.open < this.maxSockets) {
      this.open++;
      return Promise.resolve(new Connection(this.port));
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  private release(conn: Connection): void {
    if (conn.dead || this.closed) {
      this.open--;
      if (!this.closed && this.queue.length > 0) {
        this.open++;
        this.queue.shift()!(new Connection(this.port));
      }
      return;
    }
    const next = this.queue.shift();
    if (next !== undefined) next(conn);
    else this.idle.push(conn);
  }
}
