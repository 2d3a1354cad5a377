// Command handler: night mode switched by hand (night.set, S11.2), for the company, a group or a
// queue; from REST, the web app or a feature code (*28 on, *29 off). Admins only.
import type { Command } from './commands.js';
import { refuse } from './errors.js';
import { putGroup, putQueue, queueIn, userIn, viewOf } from './tx.js';
import type { Tx } from './tx.js';
import type { Actor, HoursTarget, OfficeHours, Refusal } from './types.js';

const NO_HOURS: OfficeHours = { weekly: [], holidays: [] };

/** S5.1: night mode is the company's configuration, so only an admin switches it. */
function mayswitch(tx: Tx, actor: Actor): boolean {
  switch (actor.kind) {
    case 'user':
    case 'apikey':
      return actor.role === 'admin';
    case 'fac':
      return userIn(tx, actor.userId)?.role === 'admin';
    default:
      return actor.kind === 'system';
  }
}

const withNight = (h: OfficeHours | undefined, on: boolean): OfficeHours => ({ ...(h ?? NO_HOURS), nightMode: on });

export function setNightMode(tx: Tx, cmd: Extract<Command, { type: 'night.set' }>): Refusal | undefined {
  if (!mayswitch(tx, cmd.by)) return refuse('SWB_ERR_FORBIDDEN');
  const t: HoursTarget = cmd.target;
  switch (t.kind) {
    case 'tenant':
      if ((tx.policy.hours?.nightMode ?? false) === cmd.on) return undefined;
      tx.policy = { ...tx.policy, hours: withNight(tx.policy.hours, cmd.on) };
      tx.view = undefined;
      return undefined;
    case 'group': {
      const g = viewOf(tx).groups.get(t.id);
      if (g === undefined) return refuse('SWB_ERR_GROUP_NOT_FOUND', { group: t.id });
      if ((g.hours?.nightMode ?? false) !== cmd.on) putGroup(tx, { ...g, hours: withNight(g.hours, cmd.on) });
      return undefined;
    }
    case 'queue': {
      const q = queueIn(tx, t.id);
      if (q === undefined) return refuse('SWB_ERR_QUEUE_NOT_FOUND', { queue: t.id });
      if ((q.config.hours?.nightMode ?? false) !== cmd.on)
        putQueue(tx, { ...q, config: { ...q.config, hours: withNight(q.config.hours, cmd.on) } });
      return undefined;
    }
  }
}

/** S11.2: `*28<extension>` names a group or queue by its extension; none: the company. */
export function nightTarget(tx: Tx, extension: string | undefined): HoursTarget | Refusal {
  if (extension === undefined) return { kind: 'tenant' };
  const view = viewOf(tx);
  for (const g of view.groups.values()) if (g.extension === extension) return { kind: 'group', id: g.id };
  for (const q of view.queues.values()) if (q.config.extension === extension) return { kind: 'queue', id: q.config.id };
  return refuse('SWB_ERR_GROUP_NOT_FOUND', { extension }, `No group or queue has the extension ${extension}.`);
}

/** S11.2: hours given without `nightMode` keep the night mode in force (it is switched on its own). */
export function keepNight(next: OfficeHours | undefined, prev: OfficeHours | undefined): OfficeHours | undefined {
  if (next === undefined || next.nightMode !== undefined || prev?.nightMode === undefined) return next;
  return { ...next, nightMode: prev.nightMode };
}
