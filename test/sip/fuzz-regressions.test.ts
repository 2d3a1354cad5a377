// Inputs the SIP fuzzer (npm run fuzz, docs/fuzzing.md) found to break the parser, kept as tests.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { StreamFramer } from '../../src/sip/framing.js';
import { header, headerEnd, parseMessage } from '../../src/sip/message.js';
import type { SipRequest } from '../../src/sip/message.js';
import { checkRequest } from '../../src/sip/request.js';

const udp = { transport: 'udp' as const, address: '192.0.2.1', port: 5060 };

/**
 * The best of 15 interleaved timings of a run on a large input and on one a quarter its size: on
 * a busy machine a pause has to hit all 15 runs of one of them to skew the ratio.
 */
function bestTimes(run: (bytes: Buffer) => void, large: Buffer, quarter: Buffer): { large: number; quarter: number } {
  const best = { large: Infinity, quarter: Infinity };
  for (let i = 0; i < 15; i++) {
    for (const which of ['large', 'quarter'] as const) {
      const t0 = performance.now();
      run(which === 'large' ? large : quarter);
      best[which] = Math.min(best[which], performance.now() - t0);
    }
  }
  return best;
}
const request = (...extra: string[]): Buffer =>
  Buffer.from(
    [
      'OPTIONS sip:1001@acme.test SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKfz',
      'From: <sip:1002@acme.test>;tag=a',
      'To: <sip:1001@acme.test>',
      'Call-ID: fz1',
      'CSeq: 1 OPTIONS',
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
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
      expect(m.headers.find((h) => h.key === name.toLowerCase())?.name).toBe(
        name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase()),
      );
      expect(checkRequest(m, udp).ok).toBe(true);
      // The same over TCP, framed from the stream.
      const frames = new StreamFramer().push(request(`${name}: 9059`));
      expect(frames.map((f) => f.type === 'message' && parseMessage(f.bytes, { stream: true }).ok)).toEqual([true]);
    },
  );

  test('S8.1 a 64 KB datagram of folded lines is unfolded in linear time, to the same value', () => {
    const folded = (lines: number) => request('Subject: x', ...Array.from({ length: lines }, () => ' y'));
    const big = folded(15_000);
    expect(big.length).toBeGreaterThan(60_000);
    const r = parseMessage(big);
    expect(r.ok && header(r.message, 'subject')).toBe(`x${' y'.repeat(15_000)}`);
    // Joining line by line took ~1000× a flat header of the same size (60 ms for 15,000 lines,
    // 16 times a quarter of them); linear unfolding is about 4 times a quarter (2 ms).
    const t = bestTimes((b) => parseMessage(b), big, folded(3_750));
    expect(t.large).toBeLessThan(Math.max(8 * t.quarter, 5));
  });

  test('S8.1 folding keeps the value exactly: empty continuation lines and tabs add nothing', () => {
    const r = parseMessage(request('Subject:', ' ', '\t a ', '  ', '\tb', 'X-Empty:', '\t'));
    expect(r.ok && [header(r.message, 'subject'), header(r.message, 'x-empty')]).toEqual(['a b', '']);
  });
});

describe('S8.1 TCP framing of inputs found by fuzzing', () => {
  /** The two-search version headerEnd replaced, as the reference for where headers end. */
  const reference = (buf: Buffer, from: number) => {
    const crlf = buf.indexOf('\r\n\r\n', from, 'latin1');
    const lf = buf.indexOf('\n\n', from, 'latin1');
    if (crlf < 0 && lf < 0) return undefined;
    if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
    return { at: lf, length: 2 };
  };

  test('S8.1 property: the header section ends where it did, at CRLFCRLF or LFLF, whichever comes first', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('\r', '\n', 'a', '\r\n'), { maxLength: 40 }), fc.nat(40), (parts, from) => {
        const buf = Buffer.from(parts.join(''), 'latin1');
        expect(headerEnd(buf, Math.min(from, buf.length))).toEqual(reference(buf, Math.min(from, buf.length)));
      }),
      { numRuns: 3000 },
    );
  });

  test('S8.1 a TCP segment of 2,000 small messages is framed in linear time', () => {
    const segment = (n: number) => Buffer.from('OPTIONS sip:a@b SIP/2.0\r\n\r\n'.repeat(n));
    const frames = (bytes: Buffer) => expect(new StreamFramer().push(bytes)).toHaveLength(bytes.length / 27);
    // Searching the whole rest of the segment per message took 190 ms for 2,000 (54 KB).
    const t = bestTimes(frames, segment(2000), segment(500));
    expect(t.large).toBeLessThan(Math.max(8 * t.quarter, 5));
  });
});
