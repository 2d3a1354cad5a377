// S8.2 on HTTP: a change the store cannot commit is refused with 503 SWB_ERR_UNAVAILABLE and a
// Retry-After, and nothing changed; the same request once the store writes is applied.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { login, testApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';

let app: TestApp;
let admin: string;

beforeAll(async () => {
  app = await testApp();
  admin = await login(app, '1001');
});
afterAll(async () => app.cleanup());

test('S8.2 a status change the store refuses is 503 with Retry-After and changes nothing; the retry is applied', async () => {
  const store = app.store as unknown as { commit: (...args: unknown[]) => unknown };
  const commit = store.commit.bind(app.store);
  const put = () =>
    app.http.inject({
      method: 'PUT',
      url: '/api/v1/users/1003/status',
      headers: { authorization: `Bearer ${admin}` },
      payload: { status: 'dnd' },
    });
  store.commit = () => {
    throw new Error('SQLITE_FULL: database or disk is full');
  };
  try {
    const refused = await put();
    expect([refused.statusCode, refused.headers['retry-after'], refused.json().error.code]).toEqual([
      503,
      '5',
      'SWB_ERR_UNAVAILABLE',
    ]);
    expect(app.engine.state('acme')!.users.get('u1003')!.manual).toBeUndefined();
  } finally {
    store.commit = commit;
  }
  const kept = await put();
  expect([kept.statusCode, kept.headers['retry-after'], kept.json().manual?.status]).toEqual([200, undefined, 'dnd']);
});
