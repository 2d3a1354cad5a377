// Temporary data directories for a test file: each holds one SQLite store file, and all of them
// are removed once the file's tests are done.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** Call once at the top of a test file; the function it returns makes a fresh directory. */
export function tempStores(prefix: string): () => { dir: string; file: string } {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), `swb-${prefix}-`));
    dirs.push(dir);
    return { dir, file: join(dir, 'switchboard.db') };
  };
}
