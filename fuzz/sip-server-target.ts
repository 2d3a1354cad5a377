// The whole SIP server as a fuzz target (--target sip-server): the same inputs as the parser
// target, sent as UDP datagrams (and now and then over a TCP connection) to the real server
// (startServer with the demo company, on loopback), so they reach the registrar, presence,
// PUBLISH and call handling too. After each input an OPTIONS probe must be answered, which
// also says the input was handled (the server handles datagrams in arrival order). The oracle:
//  - the server logs no "sip message handling failed" / "sip request failed" (an exception in
//    a handler, which the server catches and logs instead of answering);
//  - the server keeps answering (the probe gets its 200 within two seconds).
// Slower than the parser target (two datagrams and an answer per input); see docs/fuzzing.md.
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { Server } from '../src/app/server.js';
import { INVALID, VALID } from '../test/sip/torture.js';
import { generateSip } from './sip-grammar.js';
import { sipTarget } from './sip-target.js';
import { check } from './target.js';
import type { Target } from './target.js';

const SIP_DIR = new URL('../src/sip/', import.meta.url);
const FILES = readdirSync(fileURLToPath(SIP_DIR))
  .filter((f) => f.endsWith('.js'))
  .map((f) => new URL(f, SIP_DIR).href);
const FAILURES = /sip message handling failed|sip request failed/;

export function sipServerTarget(): Target {
  const parser = sipTarget();
  let server: (Server & { dataDir: string }) | undefined;
  let udp: UdpSocket | undefined;
  const failures: string[] = [];
  const waiting = new Map<string, () => void>();
  let probes = 0;

  function onAnswer(bytes: Buffer): void {
    const m = /\r\nCall-ID: (fuzz-probe-[0-9]+)\r\n/i.exec(bytes.toString('latin1'));
    if (m !== null) waiting.get(m[1]!)?.();
  }

  async function start(): Promise<void> {
    const [{ startServer }, { DEFAULT_CONFIG }] = await Promise.all([
      import('../src/app/server.js'),
      import('../src/app/config.js'),
    ]);
    const dataDir = mkdtempSync(join(tmpdir(), 'swb-fuzz-sip-'));
    // Warnings are read: a handler that throws is logged, not answered.
    const logger = pino(
      { level: 'warn' },
      { write: (line: string) => void (FAILURES.test(line) && failures.push(line)) },
    );
    const s = await startServer(
      { ...DEFAULT_CONFIG, httpPort: 0, sipPort: 0, host: '127.0.0.1', dataDir, logLevel: 'warn' },
      { logger },
    );
    server = { ...s, dataDir };
    udp = createSocket('udp4');
    udp.on('message', onAnswer);
    await new Promise<void>((resolve) => udp!.bind(0, '127.0.0.1', resolve));
  }

  async function stop(): Promise<void> {
    udp?.close();
    if (server === undefined) return;
    await server.close();
    rmSync(server.dataDir, { recursive: true, force: true });
    server = undefined;
  }

  /** A TCP connection of its own for an input, so what one input leaves buffered cannot frame the next. */
  async function stream(): Promise<Socket> {
    const socket = connect({ host: '127.0.0.1', port: server!.sipPort });
    socket.on('error', () => socket.destroy());
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    return socket;
  }

  async function probe(): Promise<void> {
    const id = `fuzz-probe-${++probes}`;
    const port = udp!.address().port;
    const options = `OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${id}\r\nFrom: <sip:probe@acme.test>;tag=p\r\nTo: <sip:127.0.0.1>\r\nCall-ID: ${id}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
    const answered = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 2000);
      waiting.set(id, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    udp!.send(options, server!.sipPort, '127.0.0.1');
    const ok = await answered;
    waiting.delete(id);
    check(ok, 'the server stopped answering OPTIONS');
  }

  return {
    name: 'sip-server',
    maxBytes: parser.maxBytes,
    coverageFiles: FILES,
    setup: start,
    seeds: () => [...VALID, ...INVALID].map((t) => Buffer.from(t.text, 'utf8')),
    generate: generateSip,
    mutate: parser.mutate,
    async run(input: Buffer) {
      failures.length = 0;
      // Over TCP one input in eight (a datagram cannot exceed 65,507 bytes on IPv4).
      if (input.length > 65_000 || (input[0] ?? 1) % 8 === 0) {
        const socket = await stream();
        await new Promise<void>((resolve) => socket.write(input, () => resolve()));
        await probe();
        socket.destroy();
      } else {
        udp!.send(input, server!.sipPort, '127.0.0.1');
        await probe();
      }
      check(failures.length === 0, `the server failed on the input: ${failures[0]?.slice(0, 400)}`);
    },
    teardown: stop,
  };
}
