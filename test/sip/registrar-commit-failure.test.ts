// S8.2 over real sockets: a REGISTER whose change the store cannot commit (a full disk, here a
// store whose commit throws) is refused with 503 and leaves the registrar as it was — no binding
// in memory or in the SIP state rows — and the same REGISTER retried once the store writes is kept.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { header } from '../../src/sip/message.js';
import { testServer } from '../support/server.js';
import { TestUa } from './ua.js';

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;

beforeAll(async () => {
  s = await testServer();
});
afterAll(async () => s.cleanup());

const bindings = () => s.sip.devices('acme', 'u1004').bindings.map((b) => b.uri);
const storedRows = async () =>
  (await s.store.sipState()).filter((r) => r.kind === 'binding' && r.data.includes('"userId":"u1004"')).length;

describe('S8.2 a REGISTER the store cannot commit', () => {
  test('S8.2 S7.1 is refused with 503 and Retry-After, keeps no binding, and the retry registers', async () => {
    const ua = await TestUa.open('udp', s.sipPort);
    const register = () =>
      ua.authed(
        'REGISTER',
        'sip:acme.test',
        [ua.from('1004'), ['To', '<sip:1004@acme.test>'], ['Contact', ua.contact]],
        { user: '1004', password: 'pass1004' },
      );
    const store = s.store as unknown as { commit: (...args: unknown[]) => unknown };
    const commit = store.commit.bind(s.store);
    store.commit = () => {
      throw new Error('SQLITE_FULL: database or disk is full');
    };
    try {
      const refused = await register();
      expect([refused.status, header(refused, 'retry-after')]).toEqual([503, '5']);
      expect(bindings()).toEqual([]);
      expect(s.engine.state('acme')!.users.get('u1004')!.registrations).toEqual([]);
    } finally {
      store.commit = commit;
    }
    // The SIP state rows are put back on the next turn of the event loop (persistence.ts).
    await new Promise((resolve) => setImmediate(resolve));
    expect(await storedRows()).toBe(0);
    const kept = await register();
    expect(kept.status).toBe(200);
    expect(bindings()).toHaveLength(1);
    expect(s.engine.state('acme')!.users.get('u1004')!.registrations).toHaveLength(1);
    await ua.close();
  });
});
