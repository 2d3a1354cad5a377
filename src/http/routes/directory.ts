// The directory (S2.5, S5.1): users and their settings, groups, queues, the tenant's policy, and
// importing users from CSV or JSON. Reads are open to every role of the tenant; changes are for
// admins. Every change is a command to the engine; the core validates and applies it.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Static } from 'typebox';
import { Compile } from 'typebox/compile';
import type { AnsweringAction, AnsweringCondition, Command, TenantState, UserSettings } from '../../core/index.js';
import type { AuthContext, NewUser } from '../../auth/accounts.js';
import { parseCsv } from '../csv.js';
import { planImport } from '../importplan.js';
import { HttpRefusal, fail } from '../errors.js';
import {
  actionRef,
  actionRefs,
  groupRef,
  groupView,
  queueRef,
  sipDomainOf,
  tenantState,
  userRefs,
  userView,
} from '../lookup.js';
import { isTimeZone } from '../report.js';
import {
  GroupPatchBody,
  IdParam,
  MembersBody,
  NewGroupBody,
  NewQueueBody,
  NewUserBody,
  PolicyPatchBody,
  QueuePatchBody,
  SettingsPatch,
  UserParam,
  UserPatchBody,
} from '../schemas.js';
import type { App, HttpContext } from '../server.js';
import { requirePermission, resolveUser, tenantAuth } from '../server.js';

/** CSV and JSON imports may be larger than an ordinary request. */
export const IMPORT_BODY_LIMIT = 1024 * 1024;
const IMPORT_MAX_ROWS = 5000;
const CSV_COLUMNS = [
  'id',
  'extension',
  'name',
  'email',
  'role',
  'password',
  'sipPassword',
  'terminalPassword',
] as const;

type SettingsBody = Static<typeof SettingsPatch>;

async function run(ctx: HttpContext, auth: AuthContext, command: Command): Promise<void> {
  const out = await ctx.engine.dispatch(auth.tenant, command);
  if (!out.ok) throw HttpRefusal.of(out);
}

/** Settings as the core takes them: names resolved in this tenant, desk delay "default" = the tenant's. */
function settingsInput(
  state: TenantState,
  body: SettingsBody,
): Partial<{ -readonly [K in keyof UserSettings]: UserSettings[K] }> {
  const { deskDelaySec, actions, ...rest } = body;
  return {
    ...rest,
    ...(deskDelaySec !== undefined ? { deskDelaySec: deskDelaySec === 'default' ? undefined : deskDelaySec } : {}),
    ...(actions !== undefined
      ? {
          actions: actionRefs<AnsweringCondition>(
            state,
            actions as Partial<Record<AnsweringCondition, AnsweringAction>>,
          ),
        }
      : {}),
  };
}

/** A new user's id: `u<extension>` unless something has it already. */
function freshUserId(state: TenantState, extension: string): string {
  const id = `u${extension}`;
  if (!state.users.has(id)) return id;
  for (let n = 2; ; n++) if (!state.users.has(`${id}-${n}`)) return `${id}-${n}`;
}

function newUserInput(state: TenantState, id: string, body: Static<typeof NewUserBody>): NewUser {
  const { id: _id, settings, ...rest } = body;
  return { ...rest, id, ...(settings !== undefined ? { settings: settingsInput(state, settings) } : {}) };
}

export async function directoryRoutes(app: App, ctx: HttpContext): Promise<void> {
  // ---------------------------------------------------------------- users
  app.get(
    '/api/v1/users',
    { schema: { summary: 'Every user of the tenant (directory view, no credentials).', tags: ['directory'] } },
    async (request) => {
      const auth = tenantAuth(request);
      const users = [...tenantState(ctx, auth).users.values()].sort((a, b) =>
        a.extension.localeCompare(b.extension, 'en', { numeric: true }),
      );
      return { users: users.map((u) => userView(ctx, auth, u)) };
    },
  );

  app.post(
    '/api/v1/users',
    {
      schema: {
        summary: 'Create a user (admin). Passwords are stored only as hashes.',
        tags: ['directory'],
        body: NewUserBody,
      },
    },
    async (request, reply) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const state = tenantState(ctx, auth);
      const id = request.body.id ?? freshUserId(state, request.body.extension);
      if (state.users.has(id)) fail('SWB_ERR_ID_TAKEN', { id });
      await ctx.accounts.saveUser(auth.tenant, newUserInput(state, id, request.body), await sipDomainOf(ctx, auth));
      return reply.status(201).send(userView(ctx, auth, tenantState(ctx, auth).users.get(id)!));
    },
  );

  app.get(
    '/api/v1/users/:user',
    { schema: { summary: 'One user, by id or extension.', tags: ['directory'], params: UserParam } },
    async (request) => {
      const auth = tenantAuth(request);
      return userView(ctx, auth, resolveUser(ctx, auth, request.params.user));
    },
  );

  app.patch(
    '/api/v1/users/:user',
    {
      schema: {
        summary:
          'Change a user (admin): the fields given. A new extension needs the SIP passwords again (they are stored as HA1 of the extension).',
        tags: ['directory'],
        params: UserParam,
        body: UserPatchBody,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const u = resolveUser(ctx, auth, request.params.user);
      const state = tenantState(ctx, auth);
      const { settings, ...rest } = request.body;
      await ctx.accounts.saveUser(
        auth.tenant,
        {
          id: u.id,
          extension: u.extension,
          name: u.name,
          role: u.role,
          ...rest,
          ...(settings !== undefined ? { settings: settingsInput(state, settings) } : {}),
        },
        await sipDomainOf(ctx, auth),
        auth,
      );
      return userView(ctx, auth, tenantState(ctx, auth).users.get(u.id)!);
    },
  );

  app.delete(
    '/api/v1/users/:user',
    { schema: { summary: 'Delete a user (admin), with their credentials.', tags: ['directory'], params: UserParam } },
    async (request, reply) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const u = resolveUser(ctx, auth, request.params.user);
      await ctx.accounts.deleteUser(auth.tenant, u.id);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/users/:user/settings',
    {
      schema: {
        summary: "A user's settings and answering actions (S2.5, S3.2): the user themself, supervisors and admins.",
        tags: ['directory'],
        params: UserParam,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      const u = resolveUser(ctx, auth, request.params.user);
      requirePermission(auth, 'user.watch', { user: u.id });
      return u.settings;
    },
  );

  app.put(
    '/api/v1/users/:user/settings',
    {
      schema: {
        summary: "Change a user's settings (admin): the fields given replace the current ones.",
        tags: ['directory'],
        params: UserParam,
        body: SettingsPatch,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const u = resolveUser(ctx, auth, request.params.user);
      const settings = settingsInput(tenantState(ctx, auth), request.body);
      await run(ctx, auth, {
        type: 'user.upsert',
        user: { id: u.id, extension: u.extension, name: u.name, role: u.role, settings },
      });
      return tenantState(ctx, auth).users.get(u.id)!.settings;
    },
  );

  // --------------------------------------------------------------- import
  await app.register(async (scope) => {
    const sub = scope.withTypeProvider<TypeBoxTypeProvider>();
    // Only this route reads CSV: the parser lives in this plugin's scope.
    sub.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT }, (_request, body, done) =>
      done(null, body),
    );
    sub.post(
      '/api/v1/users/import',
      {
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          summary: `Import users (admin): JSON { users: [...] } or text/csv with a header row (${CSV_COLUMNS.join(', ')}; id optional). Answers a report per row; good rows are imported, bad ones (every problem in words, a repeated extension, id or email included) are not. With ?preview=true nothing is written: the plan per row (create, update or skip, with its problems).`,
          tags: ['directory'],
          querystring: Type.Object({ preview: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
          body: Type.Union([
            Type.Object(
              { users: Type.Array(Type.Unknown(), { maxItems: IMPORT_MAX_ROWS }) },
              { additionalProperties: false },
            ),
            Type.String({ maxLength: IMPORT_BODY_LIMIT }),
          ]),
        },
      },
      async (request) => {
        const auth = tenantAuth(request);
        requirePermission(auth, 'directory.change');
        const csv = typeof request.body === 'string';
        const rows = typeof request.body === 'string' ? csvRows(request.body) : request.body.users;
        const plan = planImport(
          tenantState(ctx, auth),
          rows,
          (email) => ctx.accounts.userIdByEmail(auth.tenant, email),
          csv ? 'line' : 'row',
        );
        const count = (a: string) => plan.filter((p) => p.action === a).length;
        if (request.query.preview === true)
          return {
            preview: true,
            creates: count('create'),
            updates: count('update'),
            skipped: count('skip'),
            rows: plan,
          };
        const sipDomain = await sipDomainOf(ctx, auth);
        const report: ImportRow[] = [];
        for (let i = 0; i < rows.length; i++) {
          const p = plan[i]!;
          if (p.problems.length > 0)
            report.push({
              row: p.row,
              ok: false,
              error: {
                code: p.code ?? 'SWB_ERR_VALIDATION',
                message: p.problems.join(' '),
                details: { problems: p.problems },
              },
            });
          else report.push({ ...(await importRow(ctx, auth, i + 1, rows[i], sipDomain)), action: p.action });
        }
        const imported = report.filter((r) => r.ok).length;
        return { imported, failed: report.length - imported, rows: report };
      },
    );
  });

  // --------------------------------------------------------------- groups
  app.get(
    '/api/v1/groups',
    { schema: { summary: 'Every group (ring group or team).', tags: ['directory'] } },
    async (request) => {
      const auth = tenantAuth(request);
      return { groups: [...tenantState(ctx, auth).groups.values()].map(groupView) };
    },
  );

  app.post(
    '/api/v1/groups',
    {
      schema: {
        summary: 'Create a group (admin); members by id or extension.',
        tags: ['directory'],
        body: NewGroupBody,
      },
    },
    async (request, reply) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const state = tenantState(ctx, auth);
      const { members, actions, ...rest } = request.body;
      if (state.groups.has(rest.id)) fail('SWB_ERR_ID_TAKEN', { id: rest.id });
      await run(ctx, auth, {
        type: 'group.upsert',
        group: {
          ...rest,
          ...(members !== undefined ? { members: userRefs(state, members, 'members') } : {}),
          ...(actions !== undefined ? { actions: actionRefs(state, actions as Record<string, AnsweringAction>) } : {}),
        },
      });
      return reply.status(201).send(groupView(tenantState(ctx, auth).groups.get(rest.id)!));
    },
  );

  app.get(
    '/api/v1/groups/:id',
    { schema: { summary: 'One group, by id or extension.', tags: ['directory'], params: IdParam } },
    async (request) => {
      const auth = tenantAuth(request);
      return groupView(groupRef(tenantState(ctx, auth), request.params.id));
    },
  );

  app.put(
    '/api/v1/groups/:id',
    {
      schema: {
        summary: "Change a group's configuration (admin): the fields given.",
        tags: ['directory'],
        params: IdParam,
        body: GroupPatchBody,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const state = tenantState(ctx, auth);
      const g = groupRef(state, request.params.id);
      const { members, actions, ...rest } = request.body;
      await run(ctx, auth, {
        type: 'group.upsert',
        group: {
          ...rest,
          id: g.id,
          name: rest.name ?? g.name,
          ...(members !== undefined ? { members: userRefs(state, members, 'members') } : {}),
          ...(actions !== undefined ? { actions: actionRefs(state, actions as Record<string, AnsweringAction>) } : {}),
        },
      });
      return groupView(tenantState(ctx, auth).groups.get(g.id)!);
    },
  );

  app.put(
    '/api/v1/groups/:id/members',
    {
      schema: {
        summary: "Replace a group's members (admin), in order.",
        tags: ['directory'],
        params: IdParam,
        body: MembersBody,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const state = tenantState(ctx, auth);
      const g = groupRef(state, request.params.id);
      await run(ctx, auth, {
        type: 'group.upsert',
        group: { id: g.id, name: g.name, members: userRefs(state, request.body.members, 'members') },
      });
      return groupView(tenantState(ctx, auth).groups.get(g.id)!);
    },
  );

  app.delete(
    '/api/v1/groups/:id',
    { schema: { summary: 'Delete a group (admin).', tags: ['directory'], params: IdParam } },
    async (request, reply) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const g = groupRef(tenantState(ctx, auth), request.params.id);
      await run(ctx, auth, { type: 'group.remove', groupId: g.id });
      return reply.status(204).send();
    },
  );

  // --------------------------------------------------------------- queues
  app.get(
    '/api/v1/queues',
    { schema: { summary: "Every queue's configuration.", tags: ['directory'] } },
    async (request) => {
      const auth = tenantAuth(request);
      return { queues: [...tenantState(ctx, auth).queues.values()].map((q) => q.config) };
    },
  );

  app.post(
    '/api/v1/queues',
    {
      schema: {
        summary: 'Create a queue (admin); agents and supervisors by id or extension.',
        tags: ['directory'],
        body: NewQueueBody,
      },
    },
    async (request, reply) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const state = tenantState(ctx, auth);
      if (state.queues.has(request.body.id)) fail('SWB_ERR_ID_TAKEN', { id: request.body.id });
      await run(ctx, auth, {
        type: 'queue.upsert',
        queue: { ...queueInput(state, request.body), id: request.body.id, name: request.body.name },
      });
      return reply.status(201).send(tenantState(ctx, auth).queues.get(request.body.id)!.config);
    },
  );

  app.get(
    '/api/v1/queues/:id',
    { schema: { summary: "One queue's configuration, by id or extension.", tags: ['directory'], params: IdParam } },
    async (request) => {
      const auth = tenantAuth(request);
      return queueRef(tenantState(ctx, auth), request.params.id).config;
    },
  );

  app.put(
    '/api/v1/queues/:id',
    {
      schema: {
        summary: "Change a queue's configuration (admin): the fields given.",
        tags: ['directory'],
        params: IdParam,
        body: QueuePatchBody,
      },
    },
    async (request) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const state = tenantState(ctx, auth);
      const q = queueRef(state, request.params.id);
      await run(ctx, auth, {
        type: 'queue.upsert',
        queue: { ...queueInput(state, request.body), id: q.config.id, name: request.body.name ?? q.config.name },
      });
      return tenantState(ctx, auth).queues.get(q.config.id)!.config;
    },
  );

  app.delete(
    '/api/v1/queues/:id',
    { schema: { summary: 'Delete a queue (admin); its agents leave it.', tags: ['directory'], params: IdParam } },
    async (request, reply) => {
      const auth = tenantAuth(request);
      requirePermission(auth, 'directory.change');
      const q = queueRef(tenantState(ctx, auth), request.params.id);
      await run(ctx, auth, { type: 'queue.remove', queueId: q.config.id });
      return reply.status(204).send();
    },
  );

  // --------------------------------------------------------------- policy
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
      return tenantState(ctx, auth).policy;
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
      await run(ctx, auth, { type: 'tenant.policy', policy: request.body });
      return tenantState(ctx, auth).policy;
    },
  );
}

function queueInput(
  state: TenantState,
  body: Static<typeof QueuePatchBody>,
): Omit<Static<typeof QueuePatchBody>, 'overflowAction' | 'busyAction'> & {
  overflowAction?: AnsweringAction;
  busyAction?: AnsweringAction;
} {
  const { agents, supervisors, overflowAction, busyAction, name: _name, ...rest } = body;
  return {
    ...rest,
    ...(agents !== undefined ? { agents: userRefs(state, agents, 'agents') } : {}),
    ...(supervisors !== undefined ? { supervisors: userRefs(state, supervisors, 'supervisors') } : {}),
    ...(overflowAction !== undefined ? { overflowAction: actionRef(state, overflowAction as AnsweringAction) } : {}),
    ...(busyAction !== undefined ? { busyAction: actionRef(state, busyAction as AnsweringAction) } : {}),
  };
}

// ------------------------------------------------------------------ import

interface ImportRow {
  readonly row: number;
  readonly ok: boolean;
  readonly id?: string;
  readonly action?: 'create' | 'update' | 'skip';
  readonly error?: {
    readonly code: string;
    readonly message: string;
    readonly details?: Readonly<Record<string, unknown>>;
  };
}

const checkRow = Compile(NewUserBody);

/** CSV text → one object per data row; a header that names no known column refuses the whole file. */
function csvRows(text: string): Record<string, string>[] {
  const parsed = parseCsv(text);
  if (!parsed.ok)
    fail(
      'SWB_ERR_VALIDATION',
      { line: parsed.line },
      `The CSV is malformed at line ${parsed.line}: ${parsed.message}.`,
    );
  const [header, ...data] = parsed.rows;
  if (header === undefined) fail('SWB_ERR_VALIDATION', undefined, 'The CSV has no header row.');
  const columns = header.map((h) => h.trim());
  const unknown = columns.filter((c) => !(CSV_COLUMNS as readonly string[]).includes(c));
  if (unknown.length > 0)
    fail(
      'SWB_ERR_VALIDATION',
      { columns: unknown.slice(0, 10).map((c) => c.slice(0, 40)) },
      `Unknown CSV columns; use ${CSV_COLUMNS.join(', ')}.`,
    );
  if (new Set(columns).size !== columns.length) fail('SWB_ERR_VALIDATION', undefined, 'A CSV column appears twice.');
  if (data.length > IMPORT_MAX_ROWS)
    fail('SWB_ERR_VALIDATION', { max: IMPORT_MAX_ROWS }, `At most ${IMPORT_MAX_ROWS} rows per import.`);
  return data.map((cells) => {
    // Empty cells are left out, so optional columns may stay blank. Keys are known column names only.
    const row: Record<string, string> = {};
    cells.forEach((cell, i) => {
      const key = columns[i];
      if (key !== undefined && cell.trim() !== '') row[key] = cell.trim();
    });
    if (cells.length > columns.length) row['(extra cells)'] = String(cells.length - columns.length);
    return row;
  });
}

async function importRow(
  ctx: HttpContext,
  auth: AuthContext,
  row: number,
  input: unknown,
  sipDomain: string,
): Promise<ImportRow> {
  if (!checkRow.Check(input)) {
    const first = [...checkRow.Errors(input)][0];
    const where = first?.instancePath ? `${first.instancePath.slice(1)}: ` : '';
    return {
      row,
      ok: false,
      error: { code: 'SWB_ERR_VALIDATION', message: `${where}${first?.message ?? 'not a user'}` },
    };
  }
  const body = input as Static<typeof NewUserBody>;
  try {
    const state = tenantState(ctx, auth);
    // Importing again updates: a row without id is the user holding that extension, if any.
    const id = body.id ?? state.byExtension.get(body.extension) ?? freshUserId(state, body.extension);
    await ctx.accounts.saveUser(auth.tenant, newUserInput(state, id, body), sipDomain, auth);
    return { row, ok: true, id };
  } catch (e) {
    if (!(e instanceof HttpRefusal)) throw e;
    return {
      row,
      ok: false,
      error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) },
    };
  }
}
