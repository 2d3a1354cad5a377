// The V8 settings the server runs with. Two matter, both about the engine's garbage.
//
// Allocation-site pretenuring (turned off at run time, `tuneHeap`). V8 watches the object and
// array literals of hot code, and a site whose objects mostly outlive a scavenge is switched to
// allocate straight into the old generation. The engine's commands make objects at the same
// sites for two lifetimes: a user's new record lives until their next change, while the records
// built to compare with it, the working copies and the answers die within the command. Once such
// a site is switched, every short-lived object it makes lands in the old generation, and each
// one written with a pointer to a young object goes through the slow write barrier. Measured on
// a 2-core AMD EPYC VM: applying leg updates alone took 6.7 µs each with pretenuring and 2.2 µs
// without; the core bench's whole mix ran about 13 % faster (both run side by side).
//
// The size of the young generation (`NODE_FLAGS`, only on node's command line: V8 sizes its
// heap before any code runs). A scavenge copies what is still alive, and a user's record, leg or
// presence lives until their next change, a few seconds at 100,000 users. With V8's default
// semi-space of 16 MB, a scavenge came every 36 ms of the core bench and found a quarter of what
// it scanned alive; at 64 MB one comes every 140 ms, more of those records have been replaced by
// then, and scavenging took 9 % of the time instead of 16 % (2-core Intel Xeon VM, `--trace-gc-nvp`).
// In its steady state the core bench ran 9 % faster (291,806 → 319,861 inputs/s, medians of three
// invocations each); 128 MB gave no more. The SIP bench's NOTIFY p99 did not grow (3.9 ms). The
// cost is memory: up to 3 × 64 MB of young generation.
import { setFlagsFromString } from 'node:v8';

/** The semi-space size the server is meant to run with, in MB. */
export const SEMI_SPACE_MB = 64;

/**
 * Flags for `node` itself, given by `npm start`, the `switchboard` executable's first line, the
 * benches and the tests that start the server as a process.
 */
export const NODE_FLAGS: readonly string[] = [`--max-semi-space-size=${SEMI_SPACE_MB}`];

/**
 * glibc's allocator settings for the server's process (issue 19), in the environment: `env` sets
 * them on the `switchboard` executable's first line and `npm start` before node, so node itself
 * is started with them (no second process; signals reach the server as before). Two arenas instead
 * of one per thread that ever allocated, and freed memory at the top of the heap given back from
 * 128 KB on instead of whatever glibc's dynamic threshold grew to. Measured with `npm run
 * bench:memory` (20,000 users, one run each): 127.6 → 123.9 MB idle, 1.60 → 0.89 KB per
 * registration (docs/performance.md).
 */
export const MALLOC_ENV: readonly string[] = ['MALLOC_ARENA_MAX=2', 'MALLOC_TRIM_THRESHOLD_=131072'];

/** Turns allocation-site pretenuring off for this process; call before the engine starts. */
export function tuneHeap(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}

/**
 * The semi-space size this process was started with, in MB, from its command line or
 * NODE_OPTIONS (the later one wins, as in node); undefined when V8's default applies.
 */
export function semiSpaceMb(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env['NODE_OPTIONS'] ?? '',
): number | undefined {
  let mb: number | undefined;
  const words = [...nodeOptions.split(/\s+/), ...execArgv];
  for (let i = 0; i < words.length; i++) {
    const m = /^--max[-_]semi[-_]space[-_]size(?:=(\d+))?$/.exec(words[i]!);
    if (m === null) continue;
    const value = m[1] ?? words[i + 1];
    if (value !== undefined && /^\d+$/.test(value)) mb = Number(value);
  }
  return mb;
}
