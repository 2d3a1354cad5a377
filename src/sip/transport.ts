// SIP transports over node:dgram and node:net: one UDP socket and one TCP listener on the same
// port. A flow is where a message came from and where its answers go back: the datagram's source
// address for UDP (RFC 3581 symmetric response routing), the same connection for TCP (§18.2.2).
// S8.1 over TCP: a message must be whole within `messageTimeoutMs` of its first byte (a peer that
// sends half a message and waits holds no connection for long), one address holds at most
// `maxConnectionsPerAddress` connections, and a stream whose framing is lost is closed.
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { createServer, connect } from 'node:net';
import type { Server as TcpServer, Socket } from 'node:net';
import { StreamFramer, FramingError } from './framing.js';
import type { FrontEvents } from './front-thread.js';
import { FrontThread } from './front-thread.js';
import type { FrontSetup } from './front-protocol.js';
import { MAX_MESSAGE_BYTES } from './message.js';

export type TransportName = 'udp' | 'tcp';

export interface Flow {
  readonly transport: TransportName;
  /** The peer's address and port as seen on the socket. */
  readonly address: string;
  readonly port: number;
  /** The TCP connection, while open. */
  readonly socket?: Socket;
}

export interface TransportOptions {
  readonly host: string;
  readonly port: number;
  readonly maxConnections?: number;
  /** Incoming TCP connections from one address at once; more are closed as they come. */
  readonly maxConnectionsPerAddress?: number;
  /** A TCP connection with no traffic for this long is closed. */
  readonly idleTimeoutMs?: number;
  /** A TCP message not whole this long after its first byte closes the connection. */
  readonly messageTimeoutMs?: number;
  /** `key`: the server transaction the SIP front thread began for it (UDP through the front only). */
  readonly onMessage: (bytes: Buffer, flow: Flow, key?: string) => void;
  /** UDP through a SIP front thread (front-worker.ts) instead of a socket of this thread. */
  readonly front?: {
    readonly setup: Omit<FrontSetup, 'host' | 'port'>;
    readonly events: Pick<FrontEvents, 'onAnswered' | 'onShed'>;
  };
  /**
   * A TCP message that cannot be framed (FramingError): called before the connection is closed,
   * with the header section when it was read whole, so it can be answered on the spot.
   */
  readonly onUnframed?: (error: FramingError, flow: Flow) => void;
  readonly onError?: (error: Error, where: string) => void;
}

export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 200;
export const DEFAULT_MESSAGE_TIMEOUT_MS = 20_000;

export class Transport {
  private udp: UdpSocket | undefined;
  private frontThread: FrontThread | undefined;
  private tcp: TcpServer | undefined;
  private readonly connections = new Set<Socket>();
  /** Incoming connections open per remote address. */
  private readonly perAddress = new Map<string, number>();
  /** Outgoing connections we opened, by `host:port`, reused for later requests. */
  private readonly outbound = new Map<string, Socket>();
  private boundPort = 0;

  constructor(private readonly options: TransportOptions) {}

  get port(): number {
    return this.boundPort;
  }

  /** The SIP front thread, when UDP goes through one. */
  get front(): FrontThread | undefined {
    return this.frontThread;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Binds UDP, then TCP on the same port (port 0: a free port both can use, retried on a clash). */
  async start(): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const udp = this.options.front === undefined ? await this.bindUdp() : undefined;
      const front = this.options.front === undefined ? undefined : this.newFront();
      const port = udp?.address().port ?? (await front!.start(this.options.port));
      try {
        this.tcp = await this.listenTcp(port);
      } catch (e) {
        udp?.close();
        await front?.stop();
        if (this.options.port === 0 && (e as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 20) continue;
        throw e;
      }
      this.boundPort = port;
      this.frontThread = front;
      if (udp !== undefined) {
        this.udp = udp;
        udp.on('message', (msg, rinfo) =>
          this.options.onMessage(msg, { transport: 'udp', address: rinfo.address, port: rinfo.port }),
        );
        udp.on('error', (e) => this.options.onError?.(e, 'udp'));
      }
      return port;
    }
  }

  private async bindUdp(): Promise<UdpSocket> {
    const udp = createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024, sendBufferSize: 8 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(this.options.port, this.options.host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    return udp;
  }

  private newFront(): FrontThread {
    const { setup, events } = this.options.front!;
    return new FrontThread(
      { ...setup, host: this.options.host, port: this.options.port },
      {
        ...events,
        onMessage: (bytes, address, port, key) =>
          this.options.onMessage(bytes, { transport: 'udp', address, port }, key === '' ? undefined : key),
        onError: (e) => this.options.onError?.(e, 'udp'),
      },
    );
  }

  private listenTcp(port: number): Promise<TcpServer> {
    const server = createServer((socket) => this.accept(socket));
    server.maxConnections = this.options.maxConnections ?? 10_000;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.options.host, () => {
        server.off('error', reject);
        server.on('error', (e) => this.options.onError?.(e, 'tcp'));
        resolve(server);
      });
    });
  }

  private accept(socket: Socket): void {
    const address = socket.remoteAddress ?? '';
    const open = this.perAddress.get(address) ?? 0;
    if (open >= (this.options.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS)) {
      // Not logged: a flood of connections would become a flood of log lines.
      socket.destroy();
      return;
    }
    this.perAddress.set(address, open + 1);
    socket.once('close', () => {
      const n = (this.perAddress.get(address) ?? 1) - 1;
      if (n <= 0) this.perAddress.delete(address);
      else this.perAddress.set(address, n);
    });
    this.connections.add(socket);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.setTimeout(this.options.idleTimeoutMs ?? 15 * 60_000, () => socket.destroy());
    const flow: Flow = { transport: 'tcp', address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, socket };
    this.read(socket, flow, true);
  }

  /** `accepted`: a connection a peer opened, which must bring its first message in time too. */
  private read(socket: Socket, flow: Flow, accepted = false): void {
    const framer = new StreamFramer(MAX_MESSAGE_BYTES);
    const limitMs = this.options.messageTimeoutMs ?? DEFAULT_MESSAGE_TIMEOUT_MS;
    const onDeadline = (): void => {
      this.options.onError?.(new Error(`message not complete within ${limitMs} ms`), 'tcp-timeout');
      socket.destroy();
    };
    // Armed at the first byte of a message (and at accept, until the first message), cleared when
    // it is whole: trickling bytes do not reset it.
    let awaitingFirst = accepted;
    let deadline = accepted ? setTimeout(onDeadline, limitMs) : undefined;
    const onData = (chunk: Buffer): void => {
      let frames;
      try {
        frames = framer.push(chunk);
      } catch (e) {
        if (!(e instanceof FramingError)) {
          // A bug, not bad input: this connection goes, the server keeps serving.
          this.options.onError?.(e as Error, 'tcp-framing');
          socket.destroy();
          return;
        }
        // A stream we cannot frame cannot be resynchronised: nothing more from it is served (not
        // even the messages framed with the fault), the fault is answered when it can be, and
        // the connection closes once the answer is written.
        socket.off('data', onData);
        clearTimeout(deadline);
        this.options.onError?.(e, 'tcp-framing');
        this.options.onUnframed?.(e, flow);
        socket.end(() => socket.destroy());
        return;
      }
      if (awaitingFirst && frames.some((f) => f.type === 'message')) awaitingFirst = false;
      if (deadline !== undefined && !awaitingFirst && (frames.length > 0 || !framer.partial)) {
        clearTimeout(deadline);
        deadline = undefined;
      }
      if (deadline === undefined && framer.partial) deadline = setTimeout(onDeadline, limitMs);
      for (const f of frames) {
        if (f.type === 'ping') socket.write('\r\n');
        else this.options.onMessage(f.bytes, flow);
      }
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(deadline);
      this.connections.delete(socket);
      for (const [k, s] of this.outbound) if (s === socket) this.outbound.delete(k);
    });
  }

  /** The open TCP connection from a peer at this address and port, as a flow. */
  flowFrom(address: string, port: number): Flow | undefined {
    for (const socket of this.connections) {
      if (
        socket.remotePort === port &&
        (socket.remoteAddress ?? '').replace(/^::ffff:/, '') === address &&
        !socket.destroyed
      ) {
        return { transport: 'tcp', address, port, socket };
      }
    }
    return undefined;
  }

  /**
   * Sends to a flow: over its connection while open; over UDP to its address. When a TCP flow is
   * gone, `fallback` (the peer's Contact) gets a new connection. Returns false when nothing could
   * be sent.
   */
  send(flow: Flow, bytes: Buffer, fallback?: { host: string; port: number }): boolean {
    if (flow.transport === 'udp') {
      if (this.frontThread !== undefined) {
        this.frontThread.send(bytes, flow.port, flow.address);
        return true;
      }
      if (this.udp === undefined) return false;
      this.udp.send(bytes, flow.port, flow.address);
      return true;
    }
    if (flow.socket !== undefined && !flow.socket.destroyed && flow.socket.writable) {
      flow.socket.write(bytes);
      return true;
    }
    if (fallback === undefined) return false;
    return this.sendOutbound(fallback.host, fallback.port, bytes);
  }

  private sendOutbound(host: string, port: number, bytes: Buffer): boolean {
    const key = `${host}:${port}`;
    let socket = this.outbound.get(key);
    if (socket === undefined || socket.destroyed) {
      if (this.connections.size >= (this.options.maxConnections ?? 10_000)) return false;
      socket = connect({ host, port });
      this.outbound.set(key, socket);
      this.connections.add(socket);
      socket.setNoDelay(true);
      socket.setTimeout(this.options.idleTimeoutMs ?? 15 * 60_000, () => socket!.destroy());
      this.read(socket, { transport: 'tcp', address: host, port, socket });
    }
    socket.write(bytes);
    return true;
  }

  async stop(): Promise<void> {
    for (const s of this.connections) s.destroy();
    this.connections.clear();
    this.outbound.clear();
    const udp = this.udp;
    const tcp = this.tcp;
    const front = this.frontThread;
    this.udp = undefined;
    this.frontThread = undefined;
    this.tcp = undefined;
    await Promise.all([
      udp && new Promise<void>((r) => udp.close(() => r())),
      tcp && new Promise<void>((r) => tcp.close(() => r())),
      front?.stop(),
    ]);
  }
}
