// Conformance with sipsak (Debian package sipsak): its usrloc mode registers with digest, and its
// default mode pings with OPTIONS. Against the SIP server on 127.0.0.1 (the server's own address
// names the default tenant).
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sipHarness } from './harness.js';
import type { SipHarness } from './harness.js';
import { has } from './peers.js';

const hasSipsak = has('sipsak');
if (!hasSipsak) console.warn('sipsak is not installed (apt-get install sipsak): sipsak tests skipped');

function sipsak(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('sipsak', args);
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

let h: SipHarness;
beforeAll(async () => {
  if (hasSipsak) h = await sipHarness();
});
afterAll(async () => h?.close());

describe.skipIf(!hasSipsak)('S7.1 sipsak against the server', () => {
  test('S7.1 sipsak usrloc registers 1005 with digest: exit 0, an app device in the engine', async () => {
    const r = await sipsak([
      '-U',
      '-i',
      '-C',
      'sip:1005@127.0.0.1:5999',
      '-s',
      `sip:1005@127.0.0.1:${h.port}`,
      '-x',
      '600',
      '-a',
      'pass1005',
      '-u',
      '1005',
      '-v',
    ]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('All usrloc tests completed successful');
    expect(h.engine.state('acme')!.users.get('u1005')!.presence.devices.app).toBe(1);
  });

  test('S7.1 sipsak with a wrong password gets 403 and registers nothing', async () => {
    const r = await sipsak([
      '-U',
      '-i',
      '-C',
      'sip:1006@127.0.0.1:5999',
      '-s',
      `sip:1006@127.0.0.1:${h.port}`,
      '-x',
      '600',
      '-a',
      'wrong',
      '-u',
      '1006',
      '-v',
    ]);
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain('403 Forbidden');
    expect(h.engine.state('acme')!.users.get('u1006')!.presence.devices.app).toBe(0);
  });

  test('S7.1 sipsak OPTIONS ping is answered 200 with Allow and Allow-Events', async () => {
    const r = await sipsak(['-s', `sip:127.0.0.1:${h.port}`, '-v']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('Allow-Events: presence, dialog');
  });
});
