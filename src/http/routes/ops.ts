// Health, readiness and Prometheus metrics.
import type { App, HttpContext } from '../server.js';

export function opsRoutes(app: App, ctx: HttpContext, ready: () => boolean = () => true): void {
  app.get('/healthz', { config: { access: 'public' }, schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/readyz', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    if (!ready()) return reply.status(503).send({ error: { code: 'SWB_ERR_UNAVAILABLE', message: 'The server is starting or stopping; try again shortly.' } });
    return { ok: true, tenants: [...ctx.engine.tenantIds()].length };
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
