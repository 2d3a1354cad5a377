// The fuzz targets by name (--target).
import { jsonTarget } from './json-target.js';
import { sipServerTarget } from './sip-server-target.js';
import { sipTarget } from './sip-target.js';
import type { Target } from './target.js';

export const TARGETS: Readonly<Record<string, () => Target>> = {
  sip: sipTarget,
  json: jsonTarget,
  'sip-server': sipServerTarget,
};

export function makeTarget(name: string): Target {
  const make = TARGETS[name];
  if (make === undefined) throw new Error(`unknown fuzz target ${name}: one of ${Object.keys(TARGETS).join(', ')}`);
  return make();
}
