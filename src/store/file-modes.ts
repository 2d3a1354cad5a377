// S5.4: the data directory holds HA1 digests (enough to register as a user), API key hashes and
// the key that opens webhook secrets, so only the server's own account may read it: the directory
// is 0700 and every file in it 0600. SQLite gives its -wal and -shm files the mode of the database
// file, so creating that file 0600 before SQLite opens it covers them. A directory or file found
// looser (an older version, a copy, an operator's chmod) is tightened on start, with a warning.
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** What tightening reports: the path, its mode before and after (octal text). */
export type ModeWarning = (detail: { path: string; was: string; now: string }, message: string) => void;

const octal = (mode: number): string => (mode & 0o777).toString(8).padStart(4, '0');

function tighten(path: string, mode: number, warn: ModeWarning): void {
  const was = lstatSync(path).mode & 0o777;
  if ((was & ~mode) === 0) return;
  chmodSync(path, mode);
  warn({ path, was: octal(was), now: octal(mode) }, 'data was readable by other accounts; tightened its mode');
}

/**
 * Creates `dir` (0700) and the database `file` in it (0600) when missing, and tightens the
 * directory and every regular file directly in it when looser. Symbolic links are left alone.
 * Without `file` (a store kept elsewhere, PostgreSQL) the directory holds the key file only.
 */
export function secureDataDir(dir: string, file: string | undefined, warn: ModeWarning): void {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  tighten(dir, DIR_MODE, warn);
  if (file !== undefined) closeSync(openSync(file, 'a', FILE_MODE));
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (lstatSync(path).isFile()) tighten(path, FILE_MODE, warn);
  }
}
