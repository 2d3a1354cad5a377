// The directory (S2.5, S5.1): users and their settings, groups, queues, the tenant's policy, and
// importing users from CSV or JSON. Reads are open to every role of the tenant; changes are for
// admins. Every change is a command to the engine; the core validates and applies it.
// Each part is a file of its own; this registers them all.
import type { App, HttpContext } from '../server.js';
import { groupMemberRoutes, groupRoutes } from './directory-groups.js';
import { importRoutes } from './directory-import.js';
import { policyRoutes } from './directory-policy.js';
import { queueRoutes } from './directory-queues.js';
import { settingsRoutes, userListRoutes, userRoutes } from './directory-users.js';

export async function directoryRoutes(app: App, ctx: HttpContext): Promise<void> {
  userListRoutes(app, ctx);
  userRoutes(app, ctx);
  settingsRoutes(app, ctx);
  await importRoutes(app, ctx);
  groupRoutes(app, ctx);
  groupMemberRoutes(app, ctx);
  queueRoutes(app, ctx);
  policyRoutes(app, ctx);
}
