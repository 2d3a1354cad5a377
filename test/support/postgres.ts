// Databases of their own for the PostgreSQL tests: each is created on the server at
// SWITCHBOARD_TEST_PG (default postgres://postgres@127.0.0.1:5432, trust auth, as CI starts it)
// through its `postgres` maintenance database, named swb_test_<pid>_<n>, and dropped once the test
// file is done. No server is not a skip: the tests fail, saying how to start one.
import pg from 'pg';
import { afterAll } from 'vitest';

export const PG_SERVER = process.env.SWITCHBOARD_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432';

let counter = 0;

/** Runs `sql` on the maintenance database. */
async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${PG_SERVER}/postgres` });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${PG_SERVER} (${err instanceof Error ? err.message : String(err)}): start it, e.g. pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start, or set SWITCHBOARD_TEST_PG`,
      { cause: err },
    );
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Call once at the top of a test file; the function it returns creates a new, empty database and answers its URL. */
export function tempDatabases(): () => Promise<string> {
  const names: string[] = [];
  // One DROP per test's database, one after another: on a loaded machine that outlasts the 10 s default.
  afterAll(async () => {
    for (const name of names) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }, 120_000);
  return async () => {
    const name = `swb_test_${process.pid}_${++counter}`;
    await admin(`CREATE DATABASE ${name}`);
    names.push(name);
    return `${PG_SERVER}/${name}`;
  };
}

/** `f` on a connection of its own to the database at `url`. */
export async function withClient<T>(url: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await f(client);
  } finally {
    await client.end();
  }
}
