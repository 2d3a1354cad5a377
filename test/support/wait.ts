// Polling waits, for tests over real sockets where there is no event to await (a row the store
// wrote, a datagram a peer got). Bounded: a condition that never holds fails the test with what it
// waited for. Engine rules never poll: they move a manual clock (support/tenant.ts).

/** Waits until `check` answers something other than undefined, polling every `everyMs`; throws after `ms`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  ms = 5_000,
  what: string | (() => string) = 'condition',
  everyMs = 10,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
