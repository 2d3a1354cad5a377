// S5.1 user import, planned before anything is written: per row whether it creates or updates a
// user (a row without id updates the user holding its extension), every problem of the row in
// plain words (not the schema's), and rows that repeat an extension, id or email of an earlier
// row of the same file (the second would silently overwrite the first). The preview answers this
// plan; the import writes only rows without problems.
import type { Static } from 'typebox';
import { Compile } from 'typebox/compile';
import type { PlannedRow, TenantState } from '../core/index.js';
import { NewUserBody } from './schemas.js';

const checkRow = Compile(NewUserBody);

const FIELD: Record<string, string> = {
  id: 'The id',
  extension: 'The extension',
  name: 'The name',
  email: 'The email',
  role: 'The role',
  password: 'The password',
  sipPassword: 'The SIP password',
  terminalPassword: 'The terminal password',
  settings: 'The settings',
};

const text = (v: unknown): string => (typeof v === 'string' ? `“${v.slice(0, 60)}”` : 'it');

/** One schema error as a sentence a person understands. */
function words(
  e: { keyword: string; instancePath: string; params: Record<string, unknown> },
  input: Record<string, unknown>,
): string | undefined {
  const field = e.instancePath.split('/')[1] ?? '';
  const value = input[field];
  const what = FIELD[field] ?? `The column “${field}”`;
  switch (e.keyword) {
    case 'required':
      return (e.params.requiredProperties as string[]).map((p) => `${FIELD[p] ?? p} is missing.`).join(' ');
    case 'additionalProperties':
      return (e.params.additionalProperties as string[])
        .map((p) =>
          p === '(extra cells)' ? 'The row has more cells than the header has columns.' : `Unknown column “${p}”.`,
        )
        .join(' ');
    case 'boolean':
      return undefined; // the same extra property, told by additionalProperties
    case 'pattern':
      return field === 'extension'
        ? `${what} ${text(value)} must be 2 to 10 digits.`
        : `${what} ${text(value)} has characters that are not allowed.`;
    case 'format':
      return `${what} ${text(value)} is not an email address.`;
    case 'enum':
      return `${what} ${text(value)} must be one of: ${(e.params.allowedValues as string[]).join(', ')}.`;
    case 'minLength':
      return field === 'name'
        ? `${what} is empty.`
        : `${what} must have at least ${String(e.params.limit)} characters.`;
    case 'maxLength':
      return `${what} is longer than ${String(e.params.limit)} characters.`;
    default:
      return `${what} is not valid.`;
  }
}

/** Every row's plan; `emailHolder` says which user has an email now (credentials live outside the state). */
export function planImport(
  state: TenantState,
  rows: readonly unknown[],
  emailHolder: (email: string) => string | undefined,
  rowWord: 'line' | 'row',
): PlannedRow[] {
  const seen = {
    extension: new Map<string, number>(),
    id: new Map<string, number>(),
    email: new Map<string, number>(),
  };
  return rows.map((input, i) => {
    const row = i + 1;
    const where = (r: number): string => `${rowWord} ${rowWord === 'line' ? r + 1 : r}`;
    if (input === null || typeof input !== 'object' || Array.isArray(input))
      return { row, action: 'skip', problems: ['The row is not a user.'] };
    const rec = input as Record<string, unknown>;
    const problems = checkRow.Check(input)
      ? []
      : [...new Set([...checkRow.Errors(input)].map((e) => words(e, rec)).filter((w): w is string => w !== undefined))];
    let code = problems.length > 0 ? 'SWB_ERR_VALIDATION' : undefined;
    const problem = (c: string, text: string): void => {
      code ??= c;
      problems.push(text);
    };
    const body = rec as Partial<Static<typeof NewUserBody>>;
    const extension = typeof body.extension === 'string' ? body.extension : undefined;
    let duplicateOf: number | undefined;
    for (const [key, value] of [
      ['extension', extension],
      ['id', typeof body.id === 'string' ? body.id : undefined],
      ['email', typeof body.email === 'string' ? body.email.toLowerCase() : undefined],
    ] as const) {
      if (value === undefined) continue;
      const first = seen[key].get(value);
      if (first !== undefined) {
        duplicateOf ??= first;
        problem('SWB_ERR_VALIDATION', `The same ${key} as ${where(first)} (${value}): a file may name each user once.`);
      } else seen[key].set(value, row);
    }
    const holder = extension === undefined ? undefined : state.byExtension.get(extension);
    const id = typeof body.id === 'string' ? body.id : holder;
    if (typeof body.id === 'string' && holder !== undefined && holder !== body.id)
      problem('SWB_ERR_EXTENSION_TAKEN', `Extension ${extension} belongs to another user (${holder}).`);
    const emailOwner = typeof body.email === 'string' ? emailHolder(body.email) : undefined;
    if (emailOwner !== undefined && emailOwner !== id)
      problem('SWB_ERR_EMAIL_TAKEN', `The email ${body.email} belongs to another user (${emailOwner}).`);
    const action = problems.length > 0 ? 'skip' : id !== undefined && state.users.has(id) ? 'update' : 'create';
    return {
      row,
      action,
      ...(id !== undefined ? { id } : {}),
      ...(extension !== undefined ? { extension } : {}),
      ...(typeof body.name === 'string' ? { name: body.name } : {}),
      problems,
      ...(code !== undefined ? { code } : {}),
      ...(duplicateOf !== undefined ? { duplicateOf } : {}),
    };
  });
}
