import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ERRORS } from '../src/core/index.js';

describe('the one registry of refusal codes', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

  test('S8.1 every code in src/core/errors.ts is documented in docs/errors.md', () => {
    const missing = Object.keys(ERRORS).filter((code) => !doc.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  test('S8.1 every code is SWB_ERR_ and has a message a person can read', () => {
    for (const [code, message] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^SWB_ERR_[A-Z_]+$/);
      expect(message.length).toBeGreaterThan(10);
      expect(message.endsWith('.')).toBe(true);
    }
  });
});
