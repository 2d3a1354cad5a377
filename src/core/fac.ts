// S4.5: feature access codes dialled from any device of the user, parsed into commands.
import { refuse } from './errors.js';
import type { AgentAction } from './commands.js';
import type { Refusal } from './types.js';

export type FeatureCode =
  | { readonly kind: 'agent'; readonly action: AgentAction; readonly queue?: string }
  | { readonly kind: 'dnd'; readonly on: boolean }
  | { readonly kind: 'forwarding'; readonly on: true; readonly number: string }
  | { readonly kind: 'forwarding'; readonly on: false }
  /** S11.2: night mode on (`*28`) or off (`*29`), for the company or the group or queue with that extension. */
  | { readonly kind: 'night'; readonly on: boolean; readonly extension?: string };

const AGENT_CODES: Readonly<Record<string, AgentAction>> = {
  '36': 'ready',
  '37': 'not_ready',
  '38': 'login',
  '39': 'logout',
};

const DIGITS = /^[0-9]+$/;
const NUMBER = /^\+?[0-9]+$/;

export function parseFeatureCode(input: string): ({ readonly ok: true } & { readonly code: FeatureCode }) | Refusal {
  const dialled = input.trim();
  const unknown = () => refuse('SWB_ERR_FAC_UNKNOWN', { dialled: dialled.slice(0, 32) });
  if (!dialled.startsWith('*') || dialled.length < 3 || dialled.length > 32) return unknown();
  const prefix = dialled.slice(1, 3);
  const rest = dialled.slice(3);
  const action = AGENT_CODES[prefix];
  if (action !== undefined) {
    if (rest === '') return { ok: true, code: { kind: 'agent', action } };
    if (!DIGITS.test(rest)) return unknown();
    return { ok: true, code: { kind: 'agent', action, queue: rest } };
  }
  if (prefix === '78' && rest === '') return { ok: true, code: { kind: 'dnd', on: true } };
  if (prefix === '79' && rest === '') return { ok: true, code: { kind: 'dnd', on: false } };
  if (prefix === '72' && NUMBER.test(rest)) return { ok: true, code: { kind: 'forwarding', on: true, number: rest } };
  if (prefix === '73' && rest === '') return { ok: true, code: { kind: 'forwarding', on: false } };
  if ((prefix === '28' || prefix === '29') && (rest === '' || DIGITS.test(rest)))
    return { ok: true, code: { kind: 'night', on: prefix === '28', ...(rest === '' ? {} : { extension: rest }) } };
  return unknown();
}
