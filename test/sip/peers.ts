// Running the real SIP peers from Debian (sipp, baresip, linphonec) against the server, on
// 127.0.0.1 only. A peer that is not installed makes its tests skip with the reason printed.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createConnection, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../support/wait.js';

export { eventually };

export function has(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
}

export const SCENARIOS = new URL('./scenarios/', import.meta.url).pathname;

export interface SippRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly errors: string;
}

/**
 * The Request-URI of a scenario's requests (each scenario sends to one), keys filled in, without
 * `sip:`. By default sipp computes digest credentials for `sip:<server address>:<port>`, not the
 * Request-URI (RFC 3261 §22.4); the server refuses credentials for another target (S7.1), so
 * sipp is told the right one with -auth_uri.
 */
function authUri(scenario: string, keys: Readonly<Record<string, string>>): string {
  const m = /^\s*[A-Z]+ sip:(\S+) SIP\/2\.0\s*$/m.exec(readFileSync(join(SCENARIOS, scenario), 'utf8'));
  if (m === null) throw new Error(`${scenario}: no request line`);
  return m[1]!.replace(/\[(\w+)\]/g, (all, k: string) => keys[k] ?? all);
}

/** Runs one sipp scenario as UAC (one call) and returns its exit code (0: every call succeeded). */
export function sipp(
  scenario: string,
  port: number,
  options: {
    transport?: 'u1' | 't1';
    user: string;
    password: string;
    keys?: Record<string, string>;
    timeoutSec?: number;
    defaultAuthUri?: true;
  },
): Promise<SippRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  const keys = { domain: 'acme.test', expires: '600', ...options.keys };
  const args = [
    '-sf',
    join(SCENARIOS, scenario),
    '-i',
    '127.0.0.1',
    '-p',
    '0',
    '-t',
    options.transport ?? 'u1',
    '-m',
    '1',
    '-s',
    options.user,
    '-au',
    options.user,
    '-ap',
    options.password,
    '-nostdin',
    '-timeout',
    `${options.timeoutSec ?? 15}s`,
    '-timeout_error',
    '-trace_err',
    '-error_file',
    join(dir, 'errors.log'),
    ...(options.defaultAuthUri ? [] : ['-auth_uri', authUri(scenario, { ...keys, service: options.user })]),
    ...Object.entries(keys).flatMap(([k, v]) => ['-key', k, v]),
    `127.0.0.1:${port}`,
  ];
  return new Promise((resolve) => {
    const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      const file = join(dir, 'errors.log');
      const errors = existsSync(file) ? readFileSync(file, 'utf8') : '';
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, stdout, stderr, errors });
    });
  });
}

/** A WAV file (PCM, 8 kHz, 16 bit, mono) of `seconds` of silence. */
function silenceWav(seconds: number): Buffer {
  const data = 8000 * 2 * seconds;
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(16000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data, 40);
  return Buffer.concat([h, Buffer.alloc(data)]);
}

export interface BaresipOptions {
  readonly sipPort: number;
  readonly user: string;
  readonly password: string;
  readonly ctrlPort: number;
  readonly contacts?: readonly string[];
  readonly regint?: number;
  readonly pubint?: number;
}

/** baresip with its ctrl_tcp module: JSON commands in netstrings, responses and events back. */
export class Baresip {
  private buffer = Buffer.alloc(0);
  private readonly responses: ((r: { ok: boolean; data: string }) => void)[] = [];
  readonly events: Record<string, unknown>[] = [];
  output = '';

  private constructor(
    readonly child: ChildProcess,
    private readonly ctrl: Socket,
    private readonly dir: string,
  ) {
    ctrl.on('data', (d: Buffer) => this.read(d));
  }

  /**
   * Starts baresip with a fresh config directory: one account, ctrl_tcp on `ctrlPort`, the
   * presence module subscribing to `contacts` (extensions) with `;presence=p2p`.
   */
  static async start(options: BaresipOptions): Promise<Baresip> {
    // A free port is only free until someone binds it: when another peer took one of ours in the
    // meantime, baresip cannot start, and it is started again on new ports.
    for (let attempt = 1; ; attempt++) {
      try {
        return await Baresip.startOnce(attempt === 1 ? options : { ...options, ctrlPort: await freePort() });
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  }

  private static async startOnce(options: BaresipOptions): Promise<Baresip> {
    const dir = mkdtempSync(join(tmpdir(), 'baresip-'));
    // A port free for both UDP and TCP right now: a random one may be an ephemeral port in use.
    const listen = await freeSipPort();
    // An answered call needs an audio source that opens: aufile fails on /dev/null (no WAV
    // header) and the call closes. Ten seconds of 8 kHz silence, which the phone plays out.
    const silence = join(dir, 'silence.wav');
    writeFileSync(silence, silenceWav(10));
    writeFileSync(
      join(dir, 'config'),
      [
        'poll_method epoll',
        `sip_listen 127.0.0.1:${listen}`,
        'audio_player aufile,/dev/null',
        `audio_source aufile,${silence}`,
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module aufile.so',
        'module_app account.so',
        'module_app contact.so',
        'module_app menu.so',
        'module_app presence.so',
        'module_app ctrl_tcp.so',
        `ctrl_tcp_listen 127.0.0.1:${options.ctrlPort}`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'accounts'),
      `<sip:${options.user}@acme.test>;auth_pass=${options.password};outbound="sip:127.0.0.1:${options.sipPort}";regint=${options.regint ?? 600};pubint=${options.pubint ?? 0}\n`,
    );
    writeFileSync(
      join(dir, 'contacts'),
      (options.contacts ?? []).map((c) => `"User ${c}" <sip:${c}@acme.test>;presence=p2p\n`).join(''),
    );
    const child = spawn('baresip', ['-f', dir], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let exited = false;
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', () => (exited = true));
    let ctrl: Socket;
    try {
      ctrl = await eventually(
        () => {
          if (exited || output.includes('Address already in use'))
            throw new Error(`baresip could not start: ${output}`);
          return new Promise<Socket | undefined>((resolve) => {
            const s = createConnection({ host: '127.0.0.1', port: options.ctrlPort });
            s.once('connect', () => resolve(s));
            s.once('error', () => resolve(undefined));
          });
        },
        10_000,
        () => `baresip ctrl_tcp on ${options.ctrlPort}: ${output}`,
      );
    } catch (e) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    const b = new Baresip(child, ctrl, dir);
    child.stdout!.on('data', (d: Buffer) => (b.output += d.toString()));
    b.output = output;
    return b;
  }

  private read(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    for (;;) {
      const colon = this.buffer.indexOf(':');
      if (colon < 0) return;
      const len = Number(this.buffer.subarray(0, colon).toString());
      if (this.buffer.length < colon + 1 + len + 1) return;
      const json = this.buffer.subarray(colon + 1, colon + 1 + len).toString();
      this.buffer = this.buffer.subarray(colon + 1 + len + 1);
      const msg = JSON.parse(json) as Record<string, unknown>;
      if (msg.response) this.responses.shift()?.({ ok: msg.ok === true, data: String(msg.data ?? '') });
      else if (msg.event) this.events.push(msg);
    }
  }

  command(command: string, params?: string): Promise<{ ok: boolean; data: string }> {
    const body = JSON.stringify({ command, ...(params !== undefined ? { params } : {}), token: String(Date.now()) });
    return new Promise((resolve) => {
      this.responses.push(resolve);
      this.ctrl.write(`${Buffer.byteLength(body)}:${body},`);
    });
  }

  async stop(): Promise<void> {
    this.ctrl.destroy();
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A TCP port free right now on 127.0.0.1. */
/** A port free on 127.0.0.1 for TCP and UDP alike (baresip's `sip_listen` binds both). */
export async function freeSipPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const udp = createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((r) => (ok ? udp.close(() => r()) : r()));
    // baresip also listens for TLS on the next port up.
    if (ok && (await tcpFree(port + 1))) return port;
  }
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** baresip's view of a contact's presence: Online, Busy, Offline or Unknown. */
export async function baresipPresence(b: Baresip, extension: string): Promise<string | undefined> {
  const r = await b.command('contacts');
  const text = r.data.replace(/\u001b\[[0-9;]*m/g, '');
  return new RegExp(`(Online|Busy|Offline|Unknown)\\s+.*<sip:${extension}@`).exec(text)?.[1];
}

/** linphonec (liblinphone) driven over stdin, with a config naming one account and its proxy. */
export class Linphonec {
  private constructor(
    readonly child: ChildProcess,
    readonly log: string,
    private readonly home: string,
  ) {}

  static start(options: { sipPort: number; user: string; password: string }): Linphonec {
    const home = mkdtempSync(join(tmpdir(), 'linphone-'));
    mkdirSync(join(home, '.local/share/linphone'), { recursive: true });
    const rc = join(home, 'rc');
    writeFileSync(
      rc,
      [
        '[sip]',
        'sip_port=-1',
        'sip_tcp_port=0',
        'sip_tls_port=0',
        '[proxy_0]',
        `reg_proxy=<sip:127.0.0.1:${options.sipPort};transport=udp>`,
        `reg_route=<sip:127.0.0.1:${options.sipPort};transport=udp;lr>`,
        `reg_identity="User ${options.user}" <sip:${options.user}@acme.test>`,
        'reg_expires=600',
        'reg_sendregister=1',
        'publish=1',
        '[auth_info_0]',
        `username=${options.user}`,
        `passwd=${options.password}`,
        'realm=acme.test',
        'domain=acme.test',
        '',
      ].join('\n'),
    );
    const log = join(home, 'linphone.log');
    const child = spawn('linphonec', ['-c', rc, '-d', '6', '-l', log], {
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { ...process.env, HOME: home },
    });
    return new Linphonec(child, log, home);
  }

  command(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  logText(): string {
    return existsSync(this.log) ? readFileSync(this.log, 'utf8') : '';
  }

  /** The presence liblinphone last reported for a friend ("open", "closed", "busy", …). */
  friendPresence(extension: string): string | undefined {
    const all = [
      ...this.logText().matchAll(
        new RegExp(`We are notified that \\[.*<sip:${extension}@acme\\.test>\\] has presence \\[([^\\]]+)\\]`, 'g'),
      ),
    ];
    return all.at(-1)?.[1];
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.command('quit');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
    rmSync(this.home, { recursive: true, force: true });
  }
}
