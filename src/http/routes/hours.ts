// S11.2: whether the company and each group and queue are open now (and why not), and night
// mode switched by hand. The hours themselves are set with the policy, group and queue routes.
import { Type } from 'typebox';
import { hoursVerdict } from '../../core/index.js';
import type { HoursStatus, HoursTarget, Owner, TenantState } from '../../core/index.js';
import { fail } from '../errors.js';
import { groupRef, queueRef, tenantState } from '../lookup.js';
import { Ref } from '../schemas.js';
import type { App, HttpContext } from '../server.js';
import { requirePermission, tenantAuth } from '../server.js';
import { run } from './directory-input.js';

const NightBody = Type.Object(
  {
    on: Type.Boolean(),
    group: Type.Optional(Ref),
    queue: Type.Optional(Ref),
  },
  {
    additionalProperties: false,
    description: 'Night mode on or off for the company, or for the group or queue named (by id or extension).',
  },
);

/** One target's status now, from the core's S11.2 table. */
function status(state: TenantState, target: HoursTarget, now: number): HoursStatus {
  const owner: Owner | undefined = target.kind === 'tenant' ? undefined : target;
  const v = hoursVerdict(state, owner, now);
  const g = target.kind === 'group' ? state.groups.get(target.id) : undefined;
  const q = target.kind === 'queue' ? state.queues.get(target.id)?.config : undefined;
  const named = g ?? q;
  const hours = target.kind === 'tenant' ? state.policy.hours : named?.hours;
  return {
    target: {
      kind: target.kind,
      ...(named ? { id: named.id, name: named.name } : { name: 'the company' }),
      ...(named?.extension !== undefined ? { extension: named.extension } : {}),
    },
    open: v.open,
    nightMode: hours?.nightMode === true,
    ...(v.open ? {} : { rule: v.rule }),
    reason: v.open ? `open (${v.local.text}, ${state.policy.timezone})` : v.text,
    ...(hours !== undefined ? { hours } : {}),
  };
}

export function hoursRoutes(app: App, ctx: HttpContext): void {
  app.get(
    '/api/v1/hours',
    {
      schema: {
        summary: 'Whether the company and each group and queue are open now, and why not (S11.2).',
        tags: ['routing'],
      },
    },
    async (request) => {
      const state = tenantState(ctx, tenantAuth(request));
      const now = ctx.now();
      return {
        timezone: state.policy.timezone,
        localTime: hoursVerdict(state, undefined, now).local.text,
        tenant: status(state, { kind: 'tenant' }, now),
        groups: [...state.groups.values()].map((g) => status(state, { kind: 'group', id: g.id }, now)),
        queues: [...state.queues.values()].map((q) => status(state, { kind: 'queue', id: q.config.id }, now)),
      };
    },
  );

  app.put(
    '/api/v1/night-mode',
    {
      schema: {
        summary:
          'Switch night mode on or off (admin, S11.2): closed whatever the hours say, until switched off. Answers the target now.',
        tags: ['routing'],
        body: NightBody,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const state = tenantState(ctx, auth);
      const { on, group, queue } = request.body;
      if (group !== undefined && queue !== undefined)
        fail('SWB_ERR_INVALID', { field: 'group' }, 'Name a group or a queue, not both (neither: the company).');
      const target: HoursTarget =
        group !== undefined
          ? { kind: 'group', id: groupRef(state, group).id }
          : queue !== undefined
            ? { kind: 'queue', id: queueRef(state, queue).config.id }
            : { kind: 'tenant' };
      await run(ctx, request, { type: 'night.set', target, on, by: auth.actor });
      return status(tenantState(ctx, auth), target, ctx.now());
    },
  );
}
