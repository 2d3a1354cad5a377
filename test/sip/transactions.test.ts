// The server transaction cache (RFC 3261 §17.2.2, Timer J) and the keys it is stored under: what
// is kept for a retransmission is exactly what was sent, and the ordered tags that key stored
// subscriptions sort by creation time. (Nonce counts are tested with the digest, digest.test.ts.)
import { describe, expect, test } from 'vitest';
import { orderedTag } from '../../src/sip/request.js';
import { ServerTransactions, serverKey } from '../../src/sip/transactions.js';

describe('server transactions', () => {
  test('S8.1 a retransmission gets the very bytes of the first answer, many answers later, until Timer J', () => {
    let now = 1_000_000;
    const tx = new ServerTransactions(32_000, () => now);
    const sent: Buffer[] = [];
    // Enough answers (of varied sizes, one large) to fill several shared chunks.
    for (let i = 0; i < 3000; i++) {
      const key = serverKey(`z9hG4bK${i}`, 'SUBSCRIBE', '10.0.0.1:5060', 'x');
      expect(tx.lookup(key)).toBe('new');
      tx.begin(key);
      expect(tx.lookup(key)).toBe('pending');
      const bytes = Buffer.from(
        `SIP/2.0 200 OK\r\nCSeq: ${i} SUBSCRIBE\r\n${'X'.repeat(i === 7 ? 70_000 : i % 500)}\r\n\r\n`,
        'latin1',
      );
      tx.complete(key, bytes);
      sent.push(Buffer.from(bytes));
      bytes.fill(0); // the caller's buffer is not what the cache holds
    }
    for (let i = 0; i < 3000; i++) {
      const again = tx.lookup(serverKey(`z9hG4bK${i}`, 'SUBSCRIBE', '10.0.0.1:5060', 'x'));
      expect(Buffer.isBuffer(again) && again.equals(sent[i]!)).toBe(true);
    }
    now += 32_001;
    tx.sweep();
    expect(tx.size).toBe(0);
    expect(tx.lookup(serverKey('z9hG4bK1', 'SUBSCRIBE', '10.0.0.1:5060', 'x'))).toBe('new');
  });

  test('S8.1 an INVITE retransmission gets the latest provisional answer, then the final one; Timer J runs from it', () => {
    let now = 0;
    const tx = new ServerTransactions(32_000, () => now);
    const key = serverKey('z9hG4bKinv', 'INVITE', '10.0.0.1:5060', 'x');
    tx.begin(key);
    tx.complete(key, Buffer.from('SIP/2.0 100 Trying\r\n\r\n'));
    expect(String(tx.lookup(key))).toMatch(/^SIP\/2\.0 100 /);
    tx.complete(key, Buffer.from('SIP/2.0 182 Queued\r\n\r\n'));
    expect(String(tx.lookup(key))).toMatch(/^SIP\/2\.0 182 /);
    now = 30_000;
    tx.complete(key, Buffer.from('SIP/2.0 486 Busy Here\r\n\r\n'));
    now = 40_000;
    tx.sweep();
    expect(String(tx.lookup(key))).toMatch(/^SIP\/2\.0 486 /);
    now = 62_001;
    tx.sweep();
    expect(tx.lookup(key)).toBe('new');
    expect(tx.size).toBe(0);
  });

  test('S8.1 at most the cap of transactions is remembered: the oldest leaves first', () => {
    const tx = new ServerTransactions(32_000, () => 0, 3);
    const key = (i: number) => serverKey(`z9hG4bK${i}`, 'REGISTER', 'h:1', 'x');
    for (let i = 0; i < 10; i++) {
      tx.begin(key(i));
      tx.complete(key(i), Buffer.from(`SIP/2.0 401 Unauthorized ${i}\r\n\r\n`));
    }
    expect(tx.size).toBe(3);
    expect([0, 6].map((i) => tx.lookup(key(i)))).toEqual(['new', 'new']);
    expect([7, 8, 9].map((i) => String(tx.lookup(key(i))))).toEqual(
      [7, 8, 9].map((i) => `SIP/2.0 401 Unauthorized ${i}\r\n\r\n`),
    );
  });

  test('S8.1 the key does not keep the request text (a flat string, not a slice of the message)', () => {
    const message = `SUBSCRIBE sip:1@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKabcdefabcdefabcdef\r\n${'y'.repeat(2000)}`;
    const branch = message.slice(message.indexOf('z9hG4bK'), message.indexOf('z9hG4bK') + 25);
    const key = serverKey(branch, 'SUBSCRIBE', '10.0.0.1:5060', 'x');
    expect(key).toBe(`${branch}\u0000SUBSCRIBE\u000010.0.0.1:5060`);
    expect(serverKey(undefined, 'ACK', 'h', 'call\u00001')).toBe('call\u00001\u0000INVITE');
  });
});

describe('keys', () => {
  test('S8.2 subscription tags sort by creation time and stay unique', () => {
    const tags = [orderedTag(1_700_000_000_000), orderedTag(1_700_000_000_001), orderedTag(1_800_000_000_000)];
    expect([...tags].sort()).toEqual(tags);
    const many = new Set(Array.from({ length: 10_000 }, () => orderedTag(1_700_000_000_000)));
    expect(many.size).toBe(10_000);
    for (const t of tags) expect(t).toMatch(/^[0-9a-z]{8}[0-9a-f]{16}$/);
  });
});
