// Accessibility checks with axe-core inside the real page: its source is injected with
// playwright-core, run on the page as it stands (open dialogs included), and any violation of
// impact "serious" or "critical" fails the test with the rule, the impact and the nodes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly unknown[]; readonly failureSummary?: string }[];
}

/** Every violation axe finds on the page now (its default rules and its experimental ones). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const injected = await page.evaluate('typeof window.axe === "object"');
  if (injected !== true) await page.addScriptTag({ content: AXE_SOURCE });
  // A page script as a string: this file is type-checked for Node, without the DOM's types.
  // axe's experimental rules too: label-content-name-mismatch (WCAG 2.5.3) is one of them.
  return (await page.evaluate(`window.axe.run(document, {
    resultTypes: ['violations'],
    rules: Object.fromEntries(window.axe.getRules(['experimental']).map((r) => [r.ruleId, { enabled: true }])),
  }).then((r) => r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
  })))`)) as AxeViolation[];
}

/** Throws when axe finds a serious or critical violation, naming each rule and its first nodes. */
export async function assertAccessible(page: Page, state: string): Promise<void> {
  const bad = (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length === 0) return;
  const lines = bad.map(
    (v) =>
      `- ${v.id} (${v.impact}, ${v.nodes.length} nodes): ${v.help}\n    ${v.nodes
        .slice(0, 4)
        .map((n) => `${JSON.stringify(n.target)} ${n.failureSummary?.split('\n').slice(1, 2).join('') ?? ''}`)
        .join('\n    ')}`,
  );
  throw new Error(`axe: ${bad.length} serious or critical violations on "${state}":\n${lines.join('\n')}`);
}
