// S6.3 with a store that answers later than it reads (a networked one, e.g. PostgreSQL): a row
// whose delivery settles while the dispatcher's dueOutbox is being answered must not go out twice.
import { afterEach, expect, test } from 'vitest';
import { SqliteStore } from '../../src/store/index.js';
import type { OutboxRow } from '../../src/store/index.js';
import { Dispatcher } from '../../src/webhooks/index.js';
import type { PostRequest } from '../../src/webhooks/post.js';
import { DELIVERY_HEADER } from '../../src/webhooks/signing.js';
import { eventually } from '../support/wait.js';

const T = 1_700_000_000_000;

/** dueOutbox reads at once but answers when the test opens the gate (a snapshot from before). */
class LateStore extends SqliteStore {
  gate: Promise<void> | undefined;
  looks = 0;
  override async dueOutbox(now: number, limit: number): Promise<readonly OutboxRow[]> {
    const rows = await super.dueOutbox(now, limit);
    this.looks++;
    if (this.gate !== undefined) await this.gate;
    return rows;
  }
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

test('S6.3 a row delivered while dueOutbox is answered from before is not sent again', async () => {
  const store = new LateStore(':memory:');
  await store.createWebhook({
    tenant: 'acme',
    id: 'wh_1',
    url: 'http://hooks.example.test/',
    secret: 's'.repeat(16),
    events: [],
    createdAt: T,
  });
  const first = await store.enqueue('acme', 'wh_1', 'u1', '{"type":"webhook.test"}', T);
  const sent: string[] = [];
  const answers: (() => void)[] = [];
  const post = (req: PostRequest) => {
    sent.push(req.headers[DELIVERY_HEADER]!);
    return new Promise<number>((resolve, reject) => {
      answers.push(() => resolve(200));
      req.signal.addEventListener('abort', () => reject(new Error('aborted')));
    });
  };
  const dispatcher = new Dispatcher(store, { jitterRatio: 0 }, { post, now: () => T });
  cleanup = async () => {
    await dispatcher.stop();
    await store.close();
  };
  dispatcher.start();
  await eventually(async () => (sent.length === 1 ? true : undefined));

  // The next look reads while the first row is still pending, and answers only after it settled.
  let open!: () => void;
  store.gate = new Promise<void>((resolve) => (open = resolve));
  const looks = store.looks;
  const second = await store.enqueue('acme', 'wh_1', 'u2', '{"type":"webhook.test"}', T);
  dispatcher.poke();
  await eventually(async () => (store.looks > looks ? true : undefined));
  answers[0]!();
  await eventually(async () => ((await store.deliveries('acme', 'wh_1', 10)).length === 1 ? true : undefined));
  open();
  store.gate = undefined;

  await eventually(async () => (sent.length >= 2 ? true : undefined));
  for (const answer of answers.slice(1)) answer();
  await eventually(async () => ((await store.deliveries('acme', 'wh_1', 10)).length >= 2 ? true : undefined));
  expect(sent).toEqual([String(first), String(second)]);
});
