// Health, readiness and Prometheus metrics.
import { ERRORS } from '../../core/index.js';
import { errorBody, httpStatus } from '../errors.js';
import type { App, HttpContext } from '../server.js';

export function opsRoutes(app: App, ctx: HttpContext, ready: () => boolean = () => true): void {
  app.get('/healthz', { config: { access: 'public' }, schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/readyz', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    if (!ready())
      return reply
        .status(httpStatus('SWB_ERR_UNAVAILABLE'))
        .send(errorBody('SWB_ERR_UNAVAILABLE', ERRORS.SWB_ERR_UNAVAILABLE));
    const cluster = ctx.cluster?.();
    const tenants = [...ctx.engine.tenantIds()].length;
    return cluster === undefined ? { ok: true, tenants } : { ok: true, tenants, cluster };
  });
  app.get('/metrics', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    let users = 0;
    let tenants = 0;
    for (const id of ctx.engine.tenantIds()) {
      tenants++;
      users += ctx.engine.state(id)?.users.size ?? 0;
    }
    ctx.metrics.tenants.set(tenants);
    ctx.metrics.users.set(users);
    return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
}
