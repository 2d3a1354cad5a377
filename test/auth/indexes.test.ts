// S5.4, S7.1: the accounts layer's copies in memory (src/auth/credentials.ts, sign-ins.ts) answer
// what the store holds after every write the accounts layer makes: an email moved to another user
// names that user, a user's sign-ins end all but one, a removed user's credentials are gone.
import { describe, expect, test } from 'vitest';
import { CredentialIndex } from '../../src/auth/credentials.js';
import { SignInIndex } from '../../src/auth/sign-ins.js';

const creds = (email: string | null) => ({ email, passwordHash: null, sipHa1: 'ha1', terminalHa1: null });

describe('S5.4 the credentials kept in memory', () => {
  test('S5.4 an email names its user in any case, per tenant; changed or dropped, it names nobody', () => {
    const index = new CredentialIndex();
    index.load('t1', new Map([['ann', creds('ann@example.com')]]));
    index.set('t2', 'ann', creds('ann@example.com'));
    expect(index.userIdByEmail('t1', 'ANN@example.com')).toBe('ann');
    index.set('t1', 'ann', creds('anna@example.com'));
    expect(index.userIdByEmail('t1', 'ann@example.com')).toBeUndefined();
    expect(index.userIdByEmail('t1', 'anna@example.com')).toBe('ann');
    // The address given up is free for another user.
    index.set('t1', 'bob', creds('ann@example.com'));
    expect(index.userIdByEmail('t1', 'ann@example.com')).toBe('bob');
    index.drop('t1', 'ann');
    expect([index.get('t1', 'ann'), index.userIdByEmail('t1', 'anna@example.com')]).toEqual([undefined, undefined]);
    expect(index.get('t2', 'ann')?.sipHa1).toBe('ha1');
    // Loading a tenant again replaces its copy.
    index.load('t1', new Map());
    expect([index.get('t1', 'bob'), index.userIdByEmail('t1', 'ann@example.com')]).toEqual([undefined, undefined]);
  });
});

describe('S5.4 the sign-ins kept in memory', () => {
  test('S5.4 expired tokens are not loaded; a user\u2019s tokens end all but the one kept; API keys come and go', () => {
    const index = new SignInIndex();
    const key = { id: 'k1', tenant: 't1', name: 'ci', role: 'admin' as const, secretHash: 'sha', createdAt: 0 };
    index.load(
      't1',
      [
        { hash: 'old', userId: 'ann', expiresAt: 100 },
        { hash: 'a1', userId: 'ann', expiresAt: 1000 },
        { hash: 'a2', userId: 'ann', expiresAt: 1000 },
        { hash: 'b1', userId: 'bob', expiresAt: 1000 },
      ],
      [key],
      100,
    );
    expect(index.token('old')).toBeUndefined();
    expect(index.token('a1')).toEqual({ tenant: 't1', userId: 'ann', expiresAt: 1000 });
    index.addToken('a3', { tenant: 't1', userId: 'ann', expiresAt: 2000 });
    index.deleteTokens('t1', 'ann', 'a2');
    expect([index.token('a1'), index.token('a3'), index.token('a2')?.userId]).toEqual([undefined, undefined, 'ann']);
    index.deleteTokens('t1', 'ann');
    expect(index.token('a2')).toBeUndefined();
    expect(index.token('b1')?.userId).toBe('bob');
    index.deleteToken('b1');
    expect(index.token('b1')).toBeUndefined();
    expect(index.apiKey('k1')).toEqual(key);
    index.deleteApiKey('k1');
    expect(index.apiKey('k1')).toBeUndefined();
  });
});
