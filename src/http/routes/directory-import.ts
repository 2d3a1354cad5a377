// Importing users from CSV or JSON (S5.1): a report per row, good rows imported, bad ones
// refused with every problem in words; with ?preview=true a plan and nothing written.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Static } from 'typebox';
import { Compile } from 'typebox/compile';
import type { AuthContext } from '../../auth/accounts.js';
import { parseCsv } from '../csv.js';
import { planImport } from '../importplan.js';
import { HttpRefusal, fail } from '../errors.js';
import { sipDomainOf, tenantState } from '../lookup.js';
import { NewUserBody } from '../schemas.js';
import type { App, HttpContext } from '../server.js';
import { requirePermission, tenantAuth } from '../server.js';
import { freshUserId, newUserInput } from './directory-input.js';

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

/** POST /api/v1/users/import, in a plugin scope of its own (the CSV parser lives there). */
export async function importRoutes(app: App, ctx: HttpContext): Promise<void> {
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
}

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
