#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=131072 node --max-semi-space-size=64
// The `switchboard` executable (package.json "bin"): wires the real process to the CLI.
// Its first line gives node the young-generation size the server runs with and glibc's allocator
// settings (src/app/heap.ts).
import { readFileSync } from 'node:fs';
import { runCli } from './cli.js';

process.exitCode = await runCli(process.argv.slice(2), {
  readFile: (path) => readFileSync(path, 'utf8'),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
