// Random hex for tags, branches and nonces, drawn from a pool: one randomBytes call per 4 KB
// instead of one per message (the crypto call dominated at thousands of messages a second).
import { randomBytes } from 'node:crypto';

const POOL_BYTES = 4096;
let pool = randomBytes(POOL_BYTES);
let at = 0;

export function randomHex(chars: number): string {
  const bytes = Math.ceil(chars / 2);
  if (at + bytes > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    at = 0;
  }
  const out = pool.toString('hex', at, at + bytes).slice(0, chars);
  at += bytes;
  return out;
}
