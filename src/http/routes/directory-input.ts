// The directory's inputs as the core takes them: names resolved in the tenant, defaults applied.
import type { FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import type {
  AnsweringAction,
  AnsweringCondition,
  Command,
  OfficeHours,
  TenantState,
  UserSettings,
} from '../../core/index.js';
import type { NewUser } from '../../auth/accounts.js';
import { HttpRefusal } from '../errors.js';
import { actionRef, actionRefs } from '../lookup.js';
import { HoursBody, NewUserBody, SettingsPatch } from '../schemas.js';
import { tenantAuth } from '../server.js';
import type { HttpContext } from '../server.js';

type SettingsBody = Static<typeof SettingsPatch>;

/** Runs a command for the request's tenant (until its client goes); a refusal becomes the HTTP refusal. */
export async function run(ctx: HttpContext, request: FastifyRequest, command: Command): Promise<void> {
  const out = await ctx.engine.dispatch(tenantAuth(request).tenant, command, request.caller);
  if (!out.ok) throw HttpRefusal.of(out);
}

/** Settings as the core takes them: names resolved in this tenant, desk delay "default" = the tenant's. */
export function settingsInput(
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
export function freshUserId(state: TenantState, extension: string): string {
  const id = `u${extension}`;
  if (!state.users.has(id)) return id;
  for (let n = 2; ; n++) if (!state.users.has(`${id}-${n}`)) return `${id}-${n}`;
}

/** A new user as the accounts layer takes it. */
export function newUserInput(state: TenantState, id: string, body: Static<typeof NewUserBody>): NewUser {
  const { id: _id, settings, ...rest } = body;
  return { ...rest, id, ...(settings !== undefined ? { settings: settingsInput(state, settings) } : {}) };
}

/** S11.2: opening hours as the core takes them: the closed action's user, group or queue resolved. */
export function hoursInput(state: TenantState, body: Static<typeof HoursBody>): OfficeHours {
  const { closedAction, ...rest } = body;
  return {
    ...rest,
    ...(closedAction !== undefined ? { closedAction: actionRef(state, closedAction as AnsweringAction) } : {}),
  };
}
