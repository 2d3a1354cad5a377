// S5.4: the login limiter on a manual clock: attempts are reserved, counted for the window, and
// a success forgives the account but not attempts still being checked.
import { describe, expect, test } from 'vitest';
import { AttemptLimiter } from '../../src/shared/limiter.js';

const T0 = 1_000_000;

describe('S5.4 the attempt limiter', () => {
  test('S5.4 reserved attempts count at once; the sixth is refused until the first leaves the one-minute window', () => {
    const l = new AttemptLimiter(5, 60_000);
    for (let i = 0; i < 5; i++) expect(l.take('acct', T0 + i * 1000)).toBeDefined();
    expect(l.take('acct', T0 + 5000)).toBeUndefined();
    expect(l.take('other', T0 + 5000)).toBeDefined();
    expect(l.take('acct', T0 + 59_999)).toBeUndefined();
    expect(l.take('acct', T0 + 60_000)).toBeDefined(); // the first attempt has left the window
    expect(l.take('acct', T0 + 60_001)).toBeUndefined();
  });

  test('S5.4 a release frees its place; forgiving drops settled failures but keeps attempts still being checked', () => {
    const l = new AttemptLimiter(3, 60_000);
    l.take('acct', T0); // fails
    const checking = l.take('acct', T0)!;
    const winner = l.take('acct', T0)!;
    expect(l.take('acct', T0)).toBeUndefined();
    l.forgive(winner, new Set([checking]));
    // the failure and the winner no longer count; `checking` does.
    expect(l.take('acct', T0)).toBeDefined();
    expect(l.take('acct', T0)).toBeDefined();
    expect(l.take('acct', T0)).toBeUndefined();
    l.release(checking);
    expect(l.take('acct', T0)).toBeDefined();
  });

  test('S5.4 memory is bounded: past maxKeys the oldest key is dropped', () => {
    const l = new AttemptLimiter(1, 60_000, 2);
    l.take('a', T0);
    l.take('b', T0);
    l.take('c', T0);
    expect(l.take('a', T0)).toBeDefined(); // 'a' was dropped to make room for 'c'
    expect(l.take('c', T0)).toBeUndefined();
  });
});
