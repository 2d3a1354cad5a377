import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ERRORS, ERROR_REGISTRY } from '../src/core/index.js';
import type { ErrorCode, ErrorDefinition } from '../src/core/index.js';
import { httpStatus } from '../src/http/errors.js';
import { sipStatus } from '../src/sip/refusals.js';

/** docs/errors.md's table: code → [HTTP, SIP or '–']. */
function documented(): Map<string, [string, string]> {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, [string, string]>();
  for (const line of doc.split('\n')) {
    const m = /^\| `(SWB_ERR_[A-Z_]+)` \| ([^|]+) \| ([^|]+) \| .+ \|$/.exec(line);
    if (m === null) continue;
    expect(rows.has(m[1]!), `${m[1]} is documented twice`).toBe(false);
    rows.set(m[1]!, [m[2]!.trim(), m[3]!.trim()]);
  }
  return rows;
}

const registry = Object.entries(ERROR_REGISTRY) as [ErrorCode, ErrorDefinition][];

describe('S8.1 the one registry of refusal codes', () => {
  test('S8.1 every code in src/core/errors.ts is documented in docs/errors.md with its HTTP and SIP status', () => {
    const doc = documented();
    const wrong = registry
      .map(([code, e]) => ({
        code,
        registry: [String(e.http), e.sip === undefined ? '–' : String(e.sip)],
        doc: doc.get(code),
      }))
      .filter((r) => r.doc === undefined || r.doc[0] !== r.registry[0] || r.doc[1] !== r.registry[1]);
    expect(wrong).toEqual([]);
  });

  test('S8.1 every code documented in docs/errors.md is in the registry', () => {
    const unknown = [...documented().keys()].filter((code) => !(code in ERROR_REGISTRY));
    expect(unknown).toEqual([]);
    expect(documented().size).toBe(registry.length);
  });

  test('S8.1 every code is SWB_ERR_, has a message a person can read and an explicit error status', () => {
    for (const [code, e] of registry) {
      expect(code).toMatch(/^SWB_ERR_[A-Z_]+$/);
      expect(e.message.length).toBeGreaterThan(10);
      expect(e.message.endsWith('.')).toBe(true);
      expect(ERRORS[code]).toBe(e.message);
      expect(e.http, code).toBeGreaterThanOrEqual(400);
      expect(e.http, code).toBeLessThan(600);
      if (e.sip !== undefined) expect([400, 403, 404, 500, 503], code).toContain(e.sip);
    }
  });

  test("S8.1 HTTP and SIP answer each code with the registry's status, none by default", () => {
    for (const [code, e] of registry) {
      expect(httpStatus(code), code).toBe(e.http);
      expect(sipStatus(code), code).toBe(e.sip ?? 500);
    }
    // These used to fall through to an unstated 422 on HTTP.
    expect([httpStatus('SWB_ERR_CALL_LIMIT'), httpStatus('SWB_ERR_SUBSCRIPTION_LIMIT')]).toEqual([429, 429]);
    // S7.3, S7.4: PUBLISH and feature codes answer from the same table.
    expect(
      [
        'SWB_ERR_FAC_UNKNOWN',
        'SWB_ERR_AGENT_NO_QUEUES',
        'SWB_ERR_STATUS_DISABLED',
        'SWB_ERR_USER_NOT_FOUND',
        'SWB_ERR_STATUS_UNKNOWN',
      ].map((c) => sipStatus(c as ErrorCode)),
    ).toEqual([404, 403, 403, 404, 400]);
  });
});
