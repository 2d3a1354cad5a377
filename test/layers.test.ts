// The layer rules of DESIGN.md are lint rules; prove the lint rejects what they forbid.
import { ESLint } from 'eslint';
import { describe, expect, test } from 'vitest';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe('layer rules (DESIGN.md) enforced by lint', () => {
  test('core/ may not import a node: module', async () => {
    expect(
      await ruleIds("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", 'src/core/bad.ts'),
    ).toContain('no-restricted-imports');
  });

  test('core/ may not import the engine', async () => {
    expect(
      await ruleIds("import { Engine } from '../engine/index.js';\nexport const x = Engine;\n", 'src/core/bad.ts'),
    ).toContain('no-restricted-imports');
  });

  test('engine/ may import core/ only', async () => {
    expect(
      await ruleIds("import { x } from '../store/index.js';\nexport const y = x;\n", 'src/engine/bad.ts'),
    ).toContain('no-restricted-imports');
    expect(
      await ruleIds("import { apply } from '../core/index.js';\nexport const y = apply;\n", 'src/engine/ok.ts'),
    ).toEqual([]);
  });

  test('core/ and engine/ may not read the clock or set a timer', async () => {
    for (const file of ['src/core/bad.ts', 'src/engine/bad.ts']) {
      expect(await ruleIds('export const t = Date.now();\n', file)).toContain('no-restricted-globals');
      expect(await ruleIds('setTimeout(() => 1, 10);\n', file)).toContain('no-restricted-globals');
      expect(await ruleIds('export const r = Math.random();\n', file)).toContain('no-restricted-properties');
    }
  });

  test('auth/ (accounts) is for HTTP to import; SIP and the feed get functions of it by injection', async () => {
    const use = "import { Accounts } from '../auth/accounts.js';\nexport const a = Accounts;\n";
    expect(await ruleIds(use, 'src/sip/bad.ts')).toContain('no-restricted-imports');
    expect(await ruleIds(use, 'src/feed/bad.ts')).toContain('no-restricted-imports');
    expect(await ruleIds(use, 'src/http/ok.ts')).toEqual([]);
    // auth/ refuses with HTTP's refusal and takes nothing else of http/.
    expect(
      await ruleIds("import { fail } from '../http/errors.js';\nexport const f = fail;\n", 'src/auth/ok.ts'),
    ).toEqual([]);
    expect(
      await ruleIds("import { buildHttp } from '../http/server.js';\nexport const b = buildHttp;\n", 'src/auth/bad.ts'),
    ).toContain('no-restricted-imports');
    expect(await ruleIds("import { x } from '../app/server.js';\nexport const y = x;\n", 'src/auth/bad.ts')).toContain(
      'no-restricted-imports',
    );
    // app/ wires it through its index.ts only.
    expect(
      await ruleIds("import { Accounts } from '../auth/index.js';\nexport const a = Accounts;\n", 'src/app/ok.ts'),
    ).toEqual([]);
    expect(await ruleIds(use, 'src/app/bad.ts')).toContain('no-restricted-imports');
  });

  test('the SIP call proxy and presence services wait only through the Clock port', async () => {
    for (const file of ['src/sip/call-fork.ts', 'src/sip/ring-scheduler.ts', 'src/sip/presence-notify.ts']) {
      expect(await ruleIds('setTimeout(() => 1, 10);\n', file)).toContain('no-restricted-globals');
      expect(await ruleIds('export const t = Date.now();\n', file)).toContain('no-restricted-globals');
    }
  });

  test('cluster/ (the NATS bus) imports the engine API and core/ types; only app/ imports it', async () => {
    const ok =
      "import { InProcessBus } from '../engine/index.js';\nimport { connect } from '@nats-io/transport-node';\nexport const x = [InProcessBus, connect];\n";
    expect(await ruleIds(ok, 'src/cluster/ok.ts')).toEqual([]);
    for (const other of ['store', 'feed', 'sip', 'http', 'app']) {
      const code = `import { x } from '../${other}/index.js';\nexport const y = x;\n`;
      expect(await ruleIds(code, 'src/cluster/bad.ts'), other).toContain('no-restricted-imports');
    }
    const uses = "import { NatsBus } from '../cluster/index.js';\nexport const y = NatsBus;\n";
    for (const file of ['src/feed/bad.ts', 'src/sip/bad.ts', 'src/http/bad.ts', 'src/store/bad.ts', 'src/cli/bad.ts'])
      expect(await ruleIds(uses, file), file).toContain('no-restricted-imports');
    expect(await ruleIds(uses, 'src/app/ok.ts')).toEqual([]);
  });

  test('core/ does no I/O: no console', async () => {
    expect(await ruleIds("console.log('x');\n", 'src/core/bad.ts')).toContain('no-console');
  });

  test('shared/ imports no layer of the project; the adapters may import it', async () => {
    expect(
      await ruleIds("import { Engine } from '../engine/index.js';\nexport const x = Engine;\n", 'src/shared/bad.ts'),
    ).toContain('no-restricted-imports');
    for (const file of ['src/sip/ok.ts', 'src/http/ok.ts', 'src/feed/ok.ts'])
      expect(
        await ruleIds(
          "import { AttemptLimiter } from '../shared/limiter.js';\nexport const x = AttemptLimiter;\n",
          file,
        ),
      ).toEqual([]);
  });

  test('app/ imports an adapter through its index only', async () => {
    expect(
      await ruleIds("import { buildHttp } from '../http/server.js';\nexport const x = buildHttp;\n", 'src/app/bad.ts'),
    ).toContain('no-restricted-imports');
    expect(
      await ruleIds("import { buildHttp } from '../http/index.js';\nexport const x = buildHttp;\n", 'src/app/ok.ts'),
    ).toEqual([]);
  });

  test('outside the pure layers the clock is allowed', async () => {
    expect(await ruleIds('export const t = Date.now();\n', 'src/app/ok.ts')).toEqual([]);
  });
});
