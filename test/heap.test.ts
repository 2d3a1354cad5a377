// The node flags the server runs with (src/app/heap.ts): where they are given, that node takes
// them, and how a process tells which it got.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { MALLOC_ENV, NODE_FLAGS, SEMI_SPACE_MB, semiSpaceMb } from '../src/app/heap.js';

const root = new URL('..', import.meta.url).pathname;

describe('heap settings', () => {
  test('semiSpaceMb reads the flag from the command line and NODE_OPTIONS; the command line wins', () => {
    expect(semiSpaceMb([], '')).toBeUndefined();
    expect(semiSpaceMb(['--expose-gc'], '--max-old-space-size=4096')).toBeUndefined();
    expect(semiSpaceMb(['--max-semi-space-size=64'], '')).toBe(64);
    expect(semiSpaceMb(['--max-semi-space-size', '32'], '')).toBe(32);
    expect(semiSpaceMb(['--max_semi_space_size=8'], '')).toBe(8);
    expect(semiSpaceMb([], '--trace-warnings  --max-semi-space-size=128')).toBe(128);
    expect(semiSpaceMb(['--max-semi-space-size=64'], '--max-semi-space-size=16')).toBe(64);
    expect(semiSpaceMb(['--max-semi-space-size=lots'], '')).toBeUndefined();
  });

  test('npm start, the bench scripts and the switchboard executable give node the flags', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> };
    for (const script of ['start', 'bench', 'bench:feed', 'bench:sip', 'bench:web']) {
      for (const command of pkg.scripts[script]!.split('&&').filter((c) => c.includes('dist/'))) {
        for (const flag of NODE_FLAGS) expect(command, `${script}: ${command}`).toContain(` ${flag} `);
      }
    }
    const firstLine = readFileSync(`${root}src/cli/main.ts`, 'utf8').split('\n')[0];
    expect(firstLine).toBe(`#!/usr/bin/env -S ${MALLOC_ENV.join(' ')} node ${NODE_FLAGS.join(' ')}`);
    expect(pkg.scripts['start']).toContain(`&& ${MALLOC_ENV.join(' ')} node `);
  });

  test('node started with the flags has a larger young generation and knows it', () => {
    // Keeps 200,000 small objects alive at a time: V8 grows the new space to its limit.
    const program = `
      const v8 = require('node:v8');
      const keep = [];
      for (let i = 0; i < 3e6; i++) { keep.push({ i }); if (keep.length > 2e5) keep.length = 0; }
      const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
      process.stdout.write(JSON.stringify({ newSpaceMb: space.space_size / 2 ** 20, execArgv: process.execArgv }));`;
    const run = (flags: readonly string[]) =>
      JSON.parse(
        execFileSync(process.execPath, [...flags, '-e', program], {
          encoding: 'utf8',
          env: { ...process.env, NODE_OPTIONS: '' },
        }),
      ) as { newSpaceMb: number; execArgv: string[] };
    const tuned = run(NODE_FLAGS);
    const plain = run([]);
    // The new space is two semi-spaces, grown as survivors demand: V8's default stops at 2 × 16 MB.
    expect(plain.newSpaceMb).toBeLessThanOrEqual(32);
    expect(tuned.newSpaceMb).toBeGreaterThan(plain.newSpaceMb);
    expect(semiSpaceMb(tuned.execArgv, '')).toBe(SEMI_SPACE_MB);
    expect(semiSpaceMb(plain.execArgv, '')).toBeUndefined();
  });
});
