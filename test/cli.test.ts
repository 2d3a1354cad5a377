import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli } from '../src/cli/cli.js';
import type { CliIo } from '../src/cli/cli.js';
import { explain } from '../src/cli/explain.js';
import { parseOffset } from '../src/cli/scenario.js';

const users = [
  { id: 'u1001', extension: '1001', name: 'Alice' },
  { id: 'u1002', extension: '1002', name: 'Bob' },
  { id: 'u1003', extension: '1003', name: 'Carol', settings: { forwardingAllowed: true } },
];
const register = (userId: string, id: string, kind: string) => ({
  at: '+0s',
  command: { type: 'registration.set', userId, id, kind, expiresAt: '+1h' },
});
const scenario = (steps: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ users, ...extra, steps });

/** Runs the CLI in-process with files from `files`, capturing what it prints. */
async function cli(argv: string[], files: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

describe('switchboard explain', () => {
  test('S9.5 explain prints the decision with the rules that applied', () => {
    const out = explain(
      scenario([
        register('u1001', 'desk', 'terminal'),
        register('u1001', 'soft', 'app'),
        { at: '+5s', command: { type: 'status.set', userId: 'u1001', status: 'at_desk' } },
        { at: '+10s', route: { from: '+4930123456', to: '1001' } },
      ]),
    );
    expect(out.code).toBe(0);
    expect(out.output).toContain('+10s       route call from +4930123456 to extension 1001');
    expect(out.output).toContain('decision: ring user Alice (1001): 2 device(s); no answer after 20 s → voicemail');
    expect(out.output).toContain('S2.3#7  Alice (1001) is At the desk');
    expect(out.output).toMatch(/S3\.1#7 {2}ring 2 device\(s\); app devices after 10 s because the user is at the desk/);
    // S2.1 at_desk: the terminal rings at once, the app after deskDelaySec.
    expect(out.output).toContain('rings: terminal desk of Alice (1001) at 0 s; app soft of Alice (1001) at 10 s');
  });

  test('S2.3 each presence change is printed with its rule and cause', () => {
    const out = explain(
      scenario([
        register('u1001', 'soft', 'app'),
        { at: '+1m', command: { type: 'status.set', userId: 'u1001', status: 'dnd' } },
      ]),
    );
    expect(out.output).toContain(
      'presence Alice (1001): offline → online; app 1, terminal 0, pbx 0, sessions 0 (S2.3#10) cause sip',
    );
    expect(out.output).toContain(
      '+1m        status.set Alice (1001) status=dnd by self\n           presence Alice (1001): online → dnd (S2.3#5) cause self',
    );
  });

  test('S3.3 a DND member is skipped in a group and S3.1#3 the DND user gets a missed call', () => {
    const out = explain(
      scenario(
        [
          register('u1001', 'a', 'app'),
          register('u1002', 'b', 'app'),
          { at: '+1s', command: { type: 'status.set', userId: 'u1002', status: 'dnd' } },
          { at: '+2s', route: { to: { kind: 'group', id: 'team' } } },
          { at: '+3s', route: { from: 'u1001', to: '1002' } },
        ],
        { groups: [{ id: 'team', name: 'Team', members: ['u1001', 'u1002'] }] },
      ),
    );
    expect(out.output).toContain('S3.3    skipped as busy: Bob (1002) is in do not disturb (S3.1#3)');
    expect(out.output).toContain('rings: app a of Alice (1001) at 0 s');
    expect(out.output).toContain('decision: dnd action of user Bob (1002) → voicemail (default)');
    expect(out.output).toContain('missed call for Bob (1002) (dnd) from Alice (1001), cause sip');
  });

  test('S3.5 the decision after a diversion is printed indented under the first one', () => {
    const out = explain(
      scenario([
        register('u1002', 'b', 'app'),
        { at: '+1s', command: { type: 'status.set', userId: 'u1003', status: 'forwarding', forwardTo: '1002' } },
        { at: '+2s', route: { to: '1003' } },
      ]),
    );
    expect(out.output).toContain(
      [
        '           decision: forward to 1002',
        '             S2.3#2  Carol (1003) is Forwarding',
        '             S3.1#2  Carol (1003) forwards every call to 1002',
        '             then, at the new target:',
        '               decision: ring user Bob (1002): 1 device(s); no answer after 20 s → voicemail',
      ].join('\n'),
    );
  });

  test('S2.2 a step the core refuses prints its code and message, and the scenario still plays', () => {
    const out = explain(
      scenario([
        { at: '+0s', command: { type: 'status.set', userId: 'u1001', status: 'on_call' } },
        { at: '+1s', show: 'presence' },
      ]),
    );
    expect(out.code).toBe(0);
    expect(out.output).toContain(
      'refused SWB_ERR_STATUS_AUTOMATIC: The status "on_call" is set automatically and cannot be chosen by hand.',
    );
  });

  test('S1.3 timers fire on the way to a step: a status with until ends exactly then', () => {
    const out = explain(
      scenario([
        register('u1001', 'a', 'app'),
        {
          at: '+10s',
          command: { type: 'status.set', userId: 'u1001', status: 'away', text: 'Back at 3', until: '+30m' },
        },
        { at: '+1h', show: 'presence' },
      ]),
    );
    expect(out.output).toContain(
      [
        '+30m10s    timer fired: timer.wake Alice (1001)',
        '           # why: the manual status reached its end time (S1.3)',
        '           presence Alice (1001): away → online; text cleared; no end time (S2.3#10) cause system',
      ].join('\n'),
    );
    // The registration expires at +1h too, before the show at +1h.
    expect(out.output).toContain(
      '+1h        timer fired: timer.wake Alice (1001)\n           # why: a registration reached its expiry without a refresh (S1.1)',
    );
  });

  test('S1.4 a wake that ends a silent app session says why', () => {
    const out = explain(
      scenario([
        { at: '+0s', command: { type: 'session.start', userId: 'u1001', sessionId: 's1' } },
        { at: '+10m', show: 'presence' },
      ]),
    );
    expect(out.output).toMatch(
      /timer fired: timer\.wake Alice \(1001\)\n {11}# why: an app session sent no heartbeat within its lease and ended \(S1\.4\)\n {11}presence Alice \(1001\): .*sessions 0/,
    );
  });

  test('S2.4 show presence prints a table of effective statuses with label, colour, rule and indicators', () => {
    const out = explain(
      scenario([
        register('u1001', 'a', 'app'),
        { at: '+1s', command: { type: 'leg.update', userId: 'u1001', legId: 'l1', direction: 'in', state: 'ringing' } },
        { at: '+2s', show: 'presence' },
      ]),
    );
    const lines = out.output.split('\n').map((l) => l.trim());
    expect(lines).toContain('user   extension  name   status   label    colour  rule     since  indicators  devices');
    expect(lines.find((l) => l.startsWith('u1001'))).toMatch(
      /^u1001 +1001 +Alice +online +Online +green +S2\.3#10 +\+0s +ringing +app 1, terminal 0, pbx 0, sessions 0$/,
    );
    expect(lines.find((l) => l.startsWith('u1002'))).toMatch(/^u1002 +1002 +Bob +offline +Offline +grey +S2\.3#4/);
  });

  test('S4.2 show agents and queues: login, a queue call offered, answered, wrap-up', () => {
    const out = explain(
      scenario(
        [
          register('u1001', 'a', 'app'),
          { at: '+1s', command: { type: 'fac.dial', userId: 'u1001', digits: '*38' } },
          { at: '+2s', route: { callId: 'q1', from: '+4989', to: '8001' } },
          { at: '+3s', show: 'queues' },
          { at: '+4s', command: { type: 'queue.call.answer', queueId: 'support', callId: 'q1', userId: 'u1001' } },
          {
            at: '+1m',
            command: {
              type: 'leg.update',
              userId: 'u1001',
              legId: 'q1',
              direction: 'in',
              state: 'ended',
              acd: true,
              queueId: 'support',
            },
          },
          { at: '+1m5s', show: 'agents' },
        ],
        {
          queues: [
            { id: 'support', name: 'Support', extension: '8001', agents: ['u1001'], autoReady: true, wrapUpSec: 30 },
          ],
        },
      ),
    );
    expect(out.output).toContain('agent Alice (1001) in support: ready, cause fac');
    expect(out.output).toContain('call control: offer call q1 of queue support to Alice (1001) for 15 s');
    expect(out.output).toMatch(/support +1 +q1 +\+4989 +\+2s +u1001/);
    expect(out.output).toContain('agent Alice (1001) in support: queue_call → wrap_up, until +1m30s, cause sip');
    expect(out.output).toMatch(/support +u1001 +1001 +Alice +wrap_up +\+1m +1/);
  });

  test('S9.5 --json prints the transcript with decisions and their rule ids', () => {
    const out = explain(scenario([register('u1001', 'a', 'app'), { at: '+1s', route: { to: '1001' } }]), {
      json: true,
    });
    const doc = JSON.parse(out.output) as {
      ok: boolean;
      steps: { kind: string; decision?: { outcome: string; explanation: { rule: string }[] } }[];
    };
    expect(doc.ok).toBe(true);
    const route = doc.steps.find((s) => s.kind === 'route')!;
    expect(route.decision?.outcome).toBe('ring');
    expect(route.decision?.explanation.map((x) => x.rule)).toEqual(['S2.3#10', 'S3.1#7']);
  });

  test('every example scenario plays without an error', () => {
    const dir = join(import.meta.dirname, '..', 'examples');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const out = explain(readFileSync(join(dir, f), 'utf8'));
      expect(out.output.startsWith('Scenario:'), `${f}: ${out.output}`).toBe(true);
      expect(out.code).toBe(0);
    }
  });
});

describe('S8.1 a bad scenario file is refused with a clear message and exit code 2', () => {
  const bad = async (text: string) => {
    const r = await cli(['explain', 'bad.json'], { 'bad.json': text });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    return r.stderr;
  };

  test('not JSON: the line and column of the mistake', async () => {
    expect(await bad('{\n  "users": [],\n  "steps": [,]\n}')).toMatch(
      /^bad\.json: The scenario is not valid:\n {2}- not valid JSON at line 3, column 13/,
    );
  });

  test('an unknown step kind, an unknown user, an unknown command type, steps out of order', async () => {
    const err = await bad(
      scenario([
        { at: '+5s', dial: '1001' },
        { at: '+6s', command: { type: 'status.set', userId: 'u9999', status: 'dnd' } },
        { at: '+7s', command: { type: 'status.toggle', userId: 'u1001' } },
        { at: '+1s', show: 'everything' },
        { at: 'soon', show: 'presence' },
        { at: '+8s', route: { to: { kind: 'group', id: 'nope' } } },
      ]),
    );
    expect(err).toContain('steps[0]: a step has "at" and exactly one of "command", "route" or "show" (unknown: dial)');
    expect(err).toContain('steps[1].command.userId: unknown user "u9999" (known: u1001, u1002, u1003)');
    expect(err).toContain('steps[2].command: unknown command type "status.toggle"');
    expect(err).toContain('steps[3]: steps must be in time order');
    expect(err).toContain('steps[3].show: must be one of presence, agents, queues (got "everything")');
    expect(err).toContain('steps[4]: "at" must be an offset like "+0s"');
    expect(err).toContain('steps[5].route.to.id: unknown group "nope" (known: none)');
  });

  test('a directory the core refuses names the entry', async () => {
    const err = await bad(
      JSON.stringify({ users: [...users, { id: 'u2', extension: '1001', name: 'Twin' }], steps: [] }),
    );
    expect(err).toContain('users[3] (u2): Another user already has that extension. (SWB_ERR_EXTENSION_TAKEN');
  });

  test('prototype keys are no command type and no policy setting', async () => {
    const err = await bad(
      JSON.stringify({
        policy: { ['__proto__']: { x: 1 }, constructor: 1 },
        users,
        steps: [{ at: 0, command: { type: 'constructor' } }],
      }),
    );
    expect(err).toContain('policy: unknown setting "__proto__"');
    expect(err).toContain('policy: unknown setting "constructor"');
    expect(err).toContain('steps[0].command: unknown command type "constructor"');
  });

  test('timer commands are fired by the engine, not written in a scenario', async () => {
    expect(await bad(scenario([{ at: '+0s', command: { type: 'timer.wake', userId: 'u1001' } }]))).toContain(
      '"timer.wake" is fired by the engine itself',
    );
  });

  test('--json reports the errors as JSON, still with exit code 2', async () => {
    const r = await cli(['explain', 'bad.json', '--json'], { 'bad.json': '{"users": []}' });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, errors: ['"steps" must be a list (it is required)'] });
  });

  test('a missing file', async () => {
    const r = await cli(['explain', 'missing.json']);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'switchboard explain: cannot read missing.json: no such file.\n',
    });
  });
});

describe('switchboard command line', () => {
  test('help prints the usage with exit code 0; an unknown command exits 2', async () => {
    const help = await cli(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('explain <scenario.json> [--json]');
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    expect((await cli(['explain'])).code).toBe(2);
    expect((await cli(['config', 'nonsense'])).code).toBe(2);
  });

  test('the executable starts with a node shebang', () => {
    // With environment settings before node and node's flags after it (test/heap.test.ts checks which).
    expect(readFileSync(join(import.meta.dirname, '..', 'src', 'cli', 'main.ts'), 'utf8')).toMatch(
      /^#!\/usr\/bin\/env -S( [A-Z_]+=\S+)* node( --[a-z-]+=\S+)*\n/,
    );
  });

  test('offsets: "+90s", "10m", "+1m30s", "+500ms" and plain milliseconds', () => {
    expect([
      parseOffset('+90s'),
      parseOffset('10m'),
      parseOffset('+1m30s'),
      parseOffset('+500ms'),
      parseOffset(2500),
    ]).toEqual([90_000, 600_000, 90_000, 500, 2500]);
    expect([parseOffset('-5s'), parseOffset('+5 minutes'), parseOffset(-1), parseOffset('')]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
