// Calls every operation of the API through a client generated from /api/v1/openapi.json
// (openapi-typescript + openapi-fetch), as an integrator would. contract.test.ts generates
// ./api.d.ts into a temporary copy of this directory, type-checks this file against it, then
// runs it against a live server and checks each answer against the document.
// Not in tsconfig.check.json: ./api.d.ts exists only in that temporary copy.
import createClient from 'openapi-fetch';
import type { Middleware } from 'openapi-fetch';
import type { paths } from './api.js';

type Client = ReturnType<typeof createClient<paths>>;

/** The answer's data when the status is the expected one; throws otherwise. */
async function expect<R extends { data?: unknown; error?: unknown; response: Response }>(
  call: Promise<R>,
  status: number,
): Promise<Exclude<R['data'], undefined>> {
  const r = await call;
  if (r.response.status !== status)
    throw new Error(
      `${r.response.url}: expected ${status}, got ${r.response.status} ${JSON.stringify(r.error ?? r.data)}`,
    );
  return r.data as Exclude<R['data'], undefined>;
}

/** A refusal: its status and code as the document types them. */
async function refused<R extends { error?: { error: { code: string } }; response: Response }>(
  call: Promise<R>,
  status: number,
  code: string,
): Promise<void> {
  const r = await call;
  if (r.response.status !== status || r.error?.error.code !== code)
    throw new Error(
      `${r.response.url}: expected ${status} ${code}, got ${r.response.status} ${JSON.stringify(r.error)}`,
    );
}

export async function callEveryOperation(baseUrl: string, systemToken: string, observe: Middleware): Promise<void> {
  const client = (token?: string): Client => {
    const c = createClient<paths>({
      baseUrl,
      ...(token !== undefined ? { headers: { authorization: `Bearer ${token}` } } : {}),
    });
    c.use(observe);
    return c;
  };
  const anon = client();
  const signIn = async (username: string): Promise<Client> =>
    client(
      (await expect(anon.POST('/api/v1/auth/login', { body: { username, password: `pass${username}` } }), 200)).token,
    );
  await refused(
    anon.POST('/api/v1/auth/login', { body: { username: '1001', password: 'wrong' } }),
    401,
    'SWB_ERR_LOGIN_FAILED',
  );
  await refused(anon.GET('/api/v1/presence'), 401, 'SWB_ERR_UNAUTHENTICATED');
  const admin = await signIn('1001');
  const carol = await signIn('1003');
  const agent = await signIn('1007');
  const system = client(systemToken);

  // auth, API keys, tenants
  const me = await expect(admin.GET('/api/v1/auth/me'), 200);
  const myName: string = me.user?.name ?? '(an API key)';
  if (myName !== 'Alice Adams' || me.apiKey !== null) throw new Error(`me: ${JSON.stringify(me)}`);
  const key = await expect(admin.POST('/api/v1/api-keys', { body: { name: 'crm', role: 'supervisor' } }), 201);
  await expect(admin.GET('/api/v1/api-keys'), 200);
  await expect(admin.DELETE('/api/v1/api-keys/{id}', { params: { path: { id: key.id } } }), 204);
  await refused(
    admin.DELETE('/api/v1/api-keys/{id}', { params: { path: { id: key.id } } }),
    404,
    'SWB_ERR_API_KEY_NOT_FOUND',
  );
  await expect(
    system.POST('/api/v1/tenants', {
      body: {
        id: 'globex',
        name: 'Globex',
        sipDomain: 'globex.test',
        admin: { id: 'g1', extension: '100', name: 'Gina', password: 'globex-pass-1' },
      },
    }),
    201,
  );

  // presence
  const status = await expect(
    carol.PUT('/api/v1/users/{user}/status', {
      params: { path: { user: '1003' } },
      body: { status: 'dnd', text: 'meeting' },
    }),
    200,
  );
  const setBy: string | undefined = status.manual?.setBy;
  if (status.manual?.status !== 'dnd' || setBy !== 'self') throw new Error(`status: ${JSON.stringify(status)}`);
  await refused(
    carol.PUT('/api/v1/users/{user}/status', { params: { path: { user: '1003' } }, body: { status: 'on_call' } }),
    422,
    'SWB_ERR_STATUS_AUTOMATIC',
  );
  const list = await expect(admin.GET('/api/v1/presence', { params: { query: { search: 'carol' } } }), 200);
  if (list.presence[0]?.manual?.status !== 'dnd') throw new Error(`presence: ${JSON.stringify(list)}`);
  await expect(admin.GET('/api/v1/users/{user}/presence', { params: { path: { user: 'u1003' } } }), 200);
  await refused(
    admin.GET('/api/v1/users/{user}/presence', { params: { path: { user: 'nobody' } } }),
    404,
    'SWB_ERR_USER_NOT_FOUND',
  );
  await expect(carol.DELETE('/api/v1/users/{user}/status', { params: { path: { user: '1003' } } }), 200);

  // S9.1 scheduled statuses
  const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
  const window = await expect(
    carol.POST('/api/v1/users/{user}/schedule', {
      params: { path: { user: '1003' } },
      body: { status: 'dnd', from: inAnHour, until: new Date(Date.now() + 7_200_000).toISOString() },
    }),
    201,
  );
  await refused(
    carol.POST('/api/v1/users/{user}/schedule', {
      params: { path: { user: '1003' } },
      body: { status: 'dnd', from: inAnHour, until: inAnHour },
    }),
    422,
    'SWB_ERR_SCHEDULE_ENDS_BEFORE_START',
  );
  const windows = await expect(carol.GET('/api/v1/users/{user}/schedule', { params: { path: { user: '1003' } } }), 200);
  if (windows.windows[0]?.state !== 'pending') throw new Error(`schedule: ${JSON.stringify(windows)}`);
  const path = { user: '1003', window: window.id };
  await expect(carol.DELETE('/api/v1/users/{user}/schedule/{window}', { params: { path } }), 204);
  await refused(
    carol.DELETE('/api/v1/users/{user}/schedule/{window}', { params: { path } }),
    404,
    'SWB_ERR_SCHEDULE_NOT_FOUND',
  );

  // S11.3 calendar (a name that does not resolve: the fetch fails at once and says so)
  const carols = { params: { path: { user: '1003' } } };
  await refused(carol.GET('/api/v1/users/{user}/calendar', carols), 404, 'SWB_ERR_CALENDAR_NOT_LINKED');
  await refused(
    carol.PUT('/api/v1/users/{user}/calendar', { ...carols, body: { url: 'https://10.0.0.1/cal.ics', status: 'dnd' } }),
    422,
    'SWB_ERR_CALENDAR_URL_FORBIDDEN',
  );
  const linked = await expect(
    carol.PUT('/api/v1/users/{user}/calendar', {
      ...carols,
      body: { url: 'https://cal.invalid/c.ics', status: 'away' },
    }),
    200,
  );
  if (linked.lastError === undefined) throw new Error(`calendar: ${JSON.stringify(linked)}`);
  await expect(carol.GET('/api/v1/users/{user}/calendar', carols), 200);
  await expect(carol.POST('/api/v1/users/{user}/calendar/refresh', carols), 200);
  await expect(carol.DELETE('/api/v1/users/{user}/calendar', carols), 204);

  // directory: users
  await expect(admin.GET('/api/v1/users'), 200);
  const dave = await expect(
    admin.POST('/api/v1/users', {
      body: { extension: '1050', name: 'Dave Dunn', role: 'user', email: 'dave@acme.test', password: 'dave-pass-1' },
    }),
    201,
  );
  await refused(
    admin.POST('/api/v1/users', { body: { id: dave.id, extension: '1051', name: 'Dave Again', role: 'user' } }),
    409,
    'SWB_ERR_ID_TAKEN',
  );
  await expect(admin.GET('/api/v1/users/{user}', { params: { path: { user: '1050' } } }), 200);
  await expect(
    admin.PATCH('/api/v1/users/{user}', { params: { path: { user: dave.id } }, body: { name: 'David Dunn' } }),
    200,
  );
  await expect(admin.GET('/api/v1/users/{user}/settings', { params: { path: { user: dave.id } } }), 200);
  const settings = await expect(
    admin.PUT('/api/v1/users/{user}/settings', {
      params: { path: { user: dave.id } },
      body: { ringTimeoutSec: 25, actions: { busy: { type: 'redirect', target: { kind: 'user', id: '1003' } } } },
    }),
    200,
  );
  if (settings.ringTimeoutSec !== 25) throw new Error(`settings: ${JSON.stringify(settings)}`);
  const users = [{ extension: '1060', name: 'Erin', role: 'user' }, { extension: 'x' }];
  const plan = await expect(
    admin.POST('/api/v1/users/import', { params: { query: { preview: true } }, body: { users } }),
    200,
  );
  if (!('preview' in plan) || plan.creates !== 1 || plan.rows[1]?.action !== 'skip')
    throw new Error(`import preview: ${JSON.stringify(plan)}`);
  const imported = await expect(admin.POST('/api/v1/users/import', { body: { users } }), 200);
  if ('preview' in imported || imported.imported !== 1 || imported.rows[1]?.error?.code !== 'SWB_ERR_VALIDATION')
    throw new Error(`import: ${JSON.stringify(imported)}`);
  await refused(
    admin.DELETE('/api/v1/users/{user}', { params: { path: { user: '1001' } } }),
    409,
    'SWB_ERR_LAST_ADMIN',
  );
  await expect(admin.DELETE('/api/v1/users/{user}', { params: { path: { user: dave.id } } }), 204);

  // groups and queues
  await expect(admin.GET('/api/v1/groups'), 200);
  await expect(
    admin.POST('/api/v1/groups', {
      body: { id: 'cc', name: 'Call centre', extension: '6100', members: ['1003', '1004'] },
    }),
    201,
  );
  await expect(admin.GET('/api/v1/groups/{id}', { params: { path: { id: '6100' } } }), 200);
  await expect(admin.PUT('/api/v1/groups/{id}', { params: { path: { id: 'cc' } }, body: { strategy: 'hunt' } }), 200);
  await expect(
    admin.PUT('/api/v1/groups/{id}/members', { params: { path: { id: 'cc' } }, body: { members: ['1005'] } }),
    200,
  );
  await expect(admin.DELETE('/api/v1/groups/{id}', { params: { path: { id: 'cc' } } }), 204);
  await expect(admin.GET('/api/v1/queues'), 200);
  await expect(
    admin.POST('/api/v1/queues', { body: { id: 'billing', name: 'Billing', extension: '8100', agents: ['1004'] } }),
    201,
  );
  await expect(admin.GET('/api/v1/queues/{id}', { params: { path: { id: '8100' } } }), 200);
  await expect(admin.PUT('/api/v1/queues/{id}', { params: { path: { id: 'billing' } }, body: { wrapUpSec: 10 } }), 200);
  await expect(admin.DELETE('/api/v1/queues/{id}', { params: { path: { id: 'billing' } } }), 204);
  await expect(admin.GET('/api/v1/tenant/policy'), 200);
  await expect(admin.PUT('/api/v1/tenant/policy', { body: { idleAfterSec: 600 } }), 200);
  // S9.2: the tenant's reason codes
  await expect(agent.GET('/api/v1/reasons'), 200);
  await expect(
    admin.PUT('/api/v1/reasons', {
      body: {
        reasons: [
          { code: 'break', label: 'Coffee break', productive: false, maxSec: 900 },
          { code: 'lunch', label: 'Lunch', productive: false },
        ],
      },
    }),
    200,
  );

  // agents: the body of an agent command is optional
  const login = await expect(
    agent.POST('/api/v1/queues/{queue}/agents/{user}/{action}', {
      params: { path: { queue: 'support', user: '1007', action: 'login' } },
    }),
    200,
  );
  if (login.queues[0]?.state !== 'ready') throw new Error(`agent login: ${JSON.stringify(login)}`);
  await expect(
    agent.POST('/api/v1/agents/{user}/{action}', {
      params: { path: { user: '1007', action: 'not_ready' } },
      body: { reason: 'break' },
    }),
    200,
  );
  await expect(agent.GET('/api/v1/agents/{user}', { params: { path: { user: '1007' } } }), 200);
  await expect(admin.GET('/api/v1/queues/{queue}/state', { params: { path: { queue: 'support' } } }), 200);
  await expect(admin.GET('/api/v1/queues/{queue}/report', { params: { path: { queue: 'support' } } }), 200);
  const presence = await expect(
    admin.GET('/api/v1/users/{user}/presence', { params: { path: { user: '1007' } } }),
    200,
  );
  if (presence.agent?.['support'] !== 'not_ready') throw new Error(`agent presence: ${JSON.stringify(presence)}`);

  // routing, history, devices, overlay events
  await expect(
    admin.POST('/api/v1/events', {
      body: {
        events: [
          { type: 'registration', user: '1003', id: 'desk', kind: 'pbx', ttlSec: 600 },
          { type: 'voicemail', user: '1003', count: 2 },
        ],
      },
    }),
    200,
  );
  const routed = await expect(admin.POST('/api/v1/route', { body: { to: { group: 'sales' } } }), 200);
  if (routed.decision.outcome !== 'ring' || routed.decision.ring[0]?.deviceId !== 'desk')
    throw new Error(`route: ${JSON.stringify(routed)}`);
  // A decision that holds the next one (the recursive Decision schema).
  await expect(
    admin.PUT('/api/v1/users/{user}/status', {
      params: { path: { user: '1010' } },
      body: { status: 'forwarding', forwardTo: '+4930123456' },
    }),
    200,
  );
  const forwarded = await expect(
    admin.POST('/api/v1/route', { body: { from: { external: '+4940111' }, to: { user: '1010' } } }),
    200,
  );
  if (forwarded.decision.outcome !== 'forward' || forwarded.decision.next === undefined)
    throw new Error(`forward: ${JSON.stringify(forwarded)}`);
  // S11.2: office hours, night mode, and a closed call explained
  const christmas = { date: '2026-12-25', name: 'Christmas' };
  const toColleague = { type: 'redirect' as const, target: { kind: 'user' as const, id: '1003' } };
  const sales = await expect(
    admin.PUT('/api/v1/groups/{id}', {
      params: { path: { id: 'sales' } },
      body: {
        hours: {
          weekly: [{ day: 'mon', from: '08:00', to: '18:00' }],
          holidays: [christmas],
          closedAction: toColleague,
        },
      },
    }),
    200,
  );
  if (sales.hours?.holidays[0]?.name !== 'Christmas') throw new Error(`group hours: ${JSON.stringify(sales)}`);
  await refused(
    admin.PUT('/api/v1/tenant/policy', {
      body: { hours: { weekly: [{ day: 'mon', from: '18:00', to: '08:00' }], holidays: [] } },
    }),
    422,
    'SWB_ERR_HOURS_INVALID',
  );
  const night = await expect(admin.PUT('/api/v1/night-mode', { body: { on: true, group: 'sales' } }), 200);
  if (night.open || night.rule !== 'S11.2#2' || !night.nightMode) throw new Error(`night: ${JSON.stringify(night)}`);
  const closed = await expect(admin.POST('/api/v1/route', { body: { to: { group: 'sales' } } }), 200);
  if (closed.decision.outcome !== 'action' || closed.decision.action.condition !== 'closed' || !closed.decision.next)
    throw new Error(`closed: ${JSON.stringify(closed)}`);
  const hours = await expect(agent.GET('/api/v1/hours'), 200);
  if (hours.groups.find((g) => g.target.id === 'sales')?.open !== false)
    throw new Error(`hours: ${JSON.stringify(hours)}`);
  await refused(agent.PUT('/api/v1/night-mode', { body: { on: true } }), 403, 'SWB_ERR_FORBIDDEN');
  await refused(admin.PUT('/api/v1/night-mode', { body: { on: true, queue: 'nope' } }), 404, 'SWB_ERR_QUEUE_NOT_FOUND');
  await expect(admin.PUT('/api/v1/night-mode', { body: { on: false, group: 'sales' } }), 200);
  await expect(carol.GET('/api/v1/users/{user}/history', { params: { path: { user: '1003' } } }), 200);
  const report = await expect(carol.GET('/api/v1/users/{user}/report', { params: { path: { user: '1003' } } }), 200);
  const offlineMs: number | undefined = report.days.at(-1)?.statusMs['offline'];
  if (offlineMs === undefined || offlineMs <= 0) throw new Error(`report: ${JSON.stringify(report)}`);
  const devices = await expect(admin.GET('/api/v1/users/{user}/devices', { params: { path: { user: '1003' } } }), 200);
  if (devices.registrations[0]?.id !== 'desk') throw new Error(`devices: ${JSON.stringify(devices)}`);

  // S11.1 the call log: a call the PBX reports, read back by the callee
  await expect(
    admin.POST('/api/v1/events', {
      body: {
        events: [
          {
            type: 'call',
            user: '1003',
            legId: 'pbx-1;in',
            direction: 'in',
            state: 'ringing',
            callId: 'pbx-1',
            caller: '+4940111',
          },
          { type: 'call', user: '1003', legId: 'pbx-1;in', direction: 'in', state: 'ended', callId: 'pbx-1' },
          { type: 'callEnded', callId: 'pbx-1', outcome: 'missed' },
        ],
      },
    }),
    200,
  );
  const log = await expect(carol.GET('/api/v1/calls', { params: { query: { outcome: 'missed', limit: 10 } } }), 200);
  if (log.calls[0]?.id !== 'pbx-1' || log.calls[0].from?.external !== '+4940111')
    throw new Error(`calls: ${JSON.stringify(log)}`);
  await expect(carol.GET('/api/v1/calls/{id}', { params: { path: { id: 'pbx-1' } } }), 200);
  await refused(admin.GET('/api/v1/calls/{id}', { params: { path: { id: 'nope' } } }), 404, 'SWB_ERR_CALL_NOT_FOUND');
  await expect(
    admin.POST('/api/v1/route', { body: { from: { user: '1003', device: 'app' }, to: { user: '1010' } } }),
    200,
  );

  // webhooks
  await refused(
    admin.POST('/api/v1/webhooks', { body: { url: 'http://127.0.0.1:9/hook', events: ['presence.changed'] } }),
    422,
    'SWB_ERR_WEBHOOK_URL_FORBIDDEN',
  );
  const hook = await expect(
    admin.POST('/api/v1/webhooks', { body: { url: 'https://hooks.example.com/hook', events: ['presence.changed'] } }),
    201,
  );
  if (!hook.secret.startsWith('whsec_')) throw new Error('the webhook secret is shown once, on creation');
  await expect(admin.GET('/api/v1/webhooks'), 200);
  await expect(admin.POST('/api/v1/webhooks/{id}/test', { params: { path: { id: hook.id } } }), 202);
  await expect(
    admin.GET('/api/v1/webhooks/{id}/deliveries', { params: { path: { id: hook.id }, query: { limit: 10 } } }),
    200,
  );
  await expect(admin.DELETE('/api/v1/webhooks/{id}', { params: { path: { id: hook.id } } }), 204);

  await refused(
    carol.POST('/api/v1/auth/password', { body: { currentPassword: 'wrong', newPassword: 'carol-new-password' } }),
    403,
    'SWB_ERR_FORBIDDEN',
  );
  await expect(
    carol.POST('/api/v1/auth/password', { body: { currentPassword: 'pass1003', newPassword: 'carol-new-password' } }),
    204,
  );
  await expect(carol.POST('/api/v1/auth/logout'), 204);
  await refused(carol.GET('/api/v1/auth/me'), 401, 'SWB_ERR_UNAUTHENTICATED');
}
