// The tenant's policy (S2.5): read by every role of the tenant, changed by admins.
import { callLogDays, isTimeZone } from '../../core/index.js';
import type { TenantPolicy } from '../../core/index.js';
import { fail } from '../errors.js';
import { tenantState } from '../lookup.js';
import { PolicyPatchBody } from '../schemas.js';
import type { App, HttpContext } from '../server.js';
import { requirePermission, tenantAuth } from '../server.js';
import { hoursInput, run } from './directory-input.js';

export function policyRoutes(app: App, ctx: HttpContext): void {
  app.get(
    '/api/v1/tenant/policy',
    {
      schema: {
        summary: "The tenant's policies (S2.5); every role may read them (the app shows only enabled statuses).",
        tags: ['directory'],
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      return policyView(tenantState(ctx, auth).policy);
    },
  );

  app.put(
    '/api/v1/tenant/policy',
    {
      schema: {
        summary: "Change the tenant's policies (admin): the fields given.",
        tags: ['directory'],
        body: PolicyPatchBody,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      if (request.body.timezone !== undefined && !isTimeZone(request.body.timezone))
        fail(
          'SWB_ERR_INVALID',
          { field: 'timezone' },
          `timezone: "${request.body.timezone.slice(0, 64)}" is not an IANA time zone.`,
        );
      const { hours, ...rest } = request.body;
      const state = tenantState(ctx, auth);
      await run(ctx, request, {
        type: 'tenant.policy',
        policy: { ...rest, ...(hours !== undefined ? { hours: hoursInput(state, hours) } : {}) },
      });
      return policyView(tenantState(ctx, auth).policy);
    },
  );
}

/** The policy with its defaults filled in (S11.1: callLogDays). */
function policyView(p: TenantPolicy): TenantPolicy & { callLogDays: number } {
  return { ...p, callLogDays: callLogDays(p) };
}
