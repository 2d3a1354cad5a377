// Every rule of docs/rules.md that is built has a test naming its id.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The titles given to test(), it() and describe(), as written. */
function testTitles(): string[] {
  const titles: string[] = [];
  const call = /\b(?:test|it|describe)(?:\.each\([^)]*\))?\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g;
  for (const file of testFiles(join(root, 'test'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(call)) titles.push(m[2]!);
  }
  return titles;
}

function rules(): { id: string; planned: boolean }[] {
  const doc = readFileSync(join(root, 'docs/rules.md'), 'utf8');
  return [...doc.matchAll(/^### (S\d+\.\d+)\b(.*)$/gm)].map((m) => ({ id: m[1]!, planned: /\(planned\)/.test(m[2]!) }));
}

describe('docs/rules.md and the tests', () => {
  const titles = testTitles();
  const names = (id: string) => titles.filter((t) => new RegExp(`\\b${id.replace('.', '\\.')}(?![0-9])`).test(t));

  test('every rule of S1–S4 is in docs/rules.md and none is planned', () => {
    const ids = rules();
    for (const id of [
      'S1.1',
      'S1.2',
      'S1.3',
      'S1.4',
      'S1.5',
      'S1.6',
      'S2.1',
      'S2.2',
      'S2.3',
      'S2.4',
      'S2.5',
      'S2.6',
      'S2.7',
      'S3.1',
      'S3.2',
      'S3.3',
      'S3.4',
      'S3.5',
      'S4.1',
      'S4.2',
      'S4.3',
      'S4.4',
      'S4.5',
    ]) {
      expect(
        ids.find((r) => r.id === id),
        id,
      ).toEqual({ id, planned: false });
    }
  });

  test('every rule that is built has at least one test naming its id', () => {
    const untested = rules()
      .filter((r) => !r.planned && names(r.id).length === 0)
      .map((r) => r.id);
    expect(untested).toEqual([]);
  });
});
