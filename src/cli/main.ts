#!/usr/bin/env node
// The `switchboard` executable (package.json "bin"): wires the real process to the CLI.
import { readFileSync } from 'node:fs';
import { runCli } from './cli.js';

process.exitCode = await runCli(process.argv.slice(2), {
  readFile: (path) => readFileSync(path, 'utf8'),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
