// Inputs the SIP fuzzer (npm run fuzz, docs/fuzzing.md) found to break the parser, kept as tests.
import { describe, expect, test } from 'vitest';
import { StreamFramer } from '../../src/sip/framing.js';
import { header, parseMessage } from '../../src/sip/message.js';
import type { SipRequest } from '../../src/sip/message.js';
import { checkRequest } from '../../src/sip/request.js';

const udp = { transport: 'udp' as const, address: '192.0.2.1', port: 5060 };
const request = (...extra: string[]): Buffer =>
  Buffer.from(
    ['OPTIONS sip:1001@acme.test SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKfz', 'From: <sip:1002@acme.test>;tag=a', 'To: <sip:1001@acme.test>', 'Call-ID: fz1', 'CSeq: 1 OPTIONS', ...extra, 'Content-Length: 0', '', ''].join('\r\n'),
    'latin1',
  );

describe('S8.1 SIP inputs found by fuzzing', () => {
  test.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'Constructor'])(
    'S8.1 a header named %s (an Object.prototype key) is an extension header, not a crash',
    (name) => {
      const r = parseMessage(request(`${name}: 9059`));
      expect(r.ok).toBe(true);
      const m = (r as { message: SipRequest }).message;
      expect(header(m, name.toLowerCase())).toBe('9059');
      expect(m.headers.find((h) => h.key === name.toLowerCase())?.name).toBe(name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase()));
      expect(checkRequest(m, udp).ok).toBe(true);
      // The same over TCP, framed from the stream.
      const frames = new StreamFramer().push(request(`${name}: 9059`));
      expect(frames.map((f) => f.type === 'message' && parseMessage(f.bytes, { stream: true }).ok)).toEqual([true]);
    },
  );

  test('S8.1 a 64 KB datagram of folded lines is unfolded in linear time, to the same value', () => {
    const folded = (lines: number) => request('Subject: x', ...Array.from({ length: lines }, () => ' y'));
    const best = (bytes: Buffer): number => {
      let ms = Infinity;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        parseMessage(bytes);
        ms = Math.min(ms, performance.now() - t0);
      }
      return ms;
    };
    const big = folded(15_000);
    expect(big.length).toBeGreaterThan(60_000);
    const r = parseMessage(big);
    expect(r.ok && header(r.message, 'subject')).toBe(`x${' y'.repeat(15_000)}`);
    // Joining line by line took ~1000× a flat header of the same size (60 ms for 15,000 lines);
    // linear unfolding stays within a few times the cost of a quarter of the lines.
    expect(best(big)).toBeLessThan(Math.max(8 * best(folded(3_750)), 15));
  });

  test('S8.1 folding keeps the value exactly: empty continuation lines and tabs add nothing', () => {
    const r = parseMessage(request('Subject:', ' ', '\t a ', '  ', '\tb', 'X-Empty:', '\t'));
    expect(r.ok && [header(r.message, 'subject'), header(r.message, 'x-empty')]).toEqual(['a b', '']);
  });
});
