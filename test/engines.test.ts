// Every package the lockfile installs runs on the Node versions we promise (package.json
// "engines", the README's Quick start): `npm ci` on Node 20 prints no EBADENGINE warning.
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { expect, test } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const read = (file: string) => JSON.parse(readFileSync(`${root}${file}`, 'utf8'));

test('every locked package accepts the oldest Node we support and this one', () => {
  const ours: string = read('package.json').engines.node;
  const oldest = semver.minVersion(ours)!.version;
  const packages: Record<string, { engines?: { node?: string } }> = read('package-lock.json').packages;
  const refusing = Object.entries(packages)
    .filter(([, p]) => typeof p.engines?.node === 'string')
    .filter(
      ([, p]) => !semver.satisfies(oldest, p.engines!.node!) || !semver.satisfies(process.version, p.engines!.node!),
    )
    .map(([name, p]) => `${name} (node ${p.engines!.node})`);
  expect(oldest).toBe('20.19.0');
  expect(refusing).toEqual([]);
});
