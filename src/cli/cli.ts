// The `switchboard` command's subcommands, as a function of (argv, io) → exit code, so tests run
// it in-process. Exit codes: 0 done, 1 failed while running, 2 bad usage or bad input.
import { explain } from './explain.js';

export interface CliIo {
  readonly readFile: (path: string) => string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export const USAGE = `Usage: switchboard <command> [options]

Commands:
  explain <scenario.json> [--json]   Play a scenario through a fresh engine on a manual clock and
                                     print, step by step, the events, refusals and routing
                                     decisions with the rules that applied (SPEC S9.5).
                                     --json prints the same as machine-readable JSON.
  start [options]                    Run the server (see "config docs" for its options).
  config docs                        Print the configuration reference.
  help                               Show this help.

A scenario file is JSON:
  {
    "policy": { ...tenant policy (S2.5) },
    "users":  [ { "id": "u1001", "extension": "1001", "name": "Alice", "settings": { ... } } ],
    "groups": [ { "id": "sales", "name": "Sales", "members": ["u1001"], "strategy": "ringAll" } ],
    "queues": [ { "id": "support", "name": "Support", "extension": "8001", "agents": ["u1001"] } ],
    "steps": [
      { "at": "+0s",  "command": { "type": "registration.set", "userId": "u1001", "id": "a1",
                                   "kind": "app", "expiresAt": "+1h" } },
      { "at": "+10s", "command": { "type": "status.set", "userId": "u1001", "status": "dnd" } },
      { "at": "+15s", "route": { "from": "+4930123456", "to": "1001" } },
      { "at": "+90s", "show": "presence" }
    ]
  }
  "at" is an offset from the start (2026-11-02 09:00 UTC): "+0s", "+90s", "+10m", "+1m30s", or
  a number of milliseconds; steps go in time order and the timers due on the way fire first.
  Instants in commands ("expiresAt", "until") may be offsets after the step, e.g. "+1h".
  A step may carry a "note", printed with it.
  "by" defaults to the user themself; "admin:<userId>", "supervisor:<userId>", "system" also work.
  A route's "to" is an extension (or { "kind": "user" | "group" | "queue", "id" }), its "from" a
  user id, an extension or an outside number. "show" is "presence", "agents" or "queues".
`;

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout(USAGE);
      return command === undefined ? 2 : 0;
    case 'explain':
      return explainCommand(rest, io);
    case 'start': {
      // Loaded only here: explain and help never pull in the server and its store.
      const { runStart } = await import('./start.js');
      return runStart(rest);
    }
    case 'config':
      if (rest.length === 1 && rest[0] === 'docs') {
        const { runConfigDocs } = await import('./start.js');
        return runConfigDocs();
      }
      io.stderr(`switchboard config: the only config command is "config docs".\n`);
      return 2;
    default:
      io.stderr(`switchboard: unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

function explainCommand(args: readonly string[], io: CliIo): number {
  const json = args.includes('--json');
  const unknown = args.filter((a) => a.startsWith('-') && a !== '--json');
  const files = args.filter((a) => !a.startsWith('-'));
  if (unknown.length > 0 || files.length !== 1) {
    io.stderr(
      `switchboard explain: ${unknown.length > 0 ? `unknown option ${unknown[0]}` : 'give exactly one scenario file'}.\nUsage: switchboard explain <scenario.json> [--json]\n`,
    );
    return 2;
  }
  const path = files[0]!;
  let text: string;
  try {
    text = io.readFile(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    io.stderr(
      `switchboard explain: cannot read ${path}${code === 'ENOENT' ? ': no such file' : code !== undefined ? ` (${code})` : ''}.\n`,
    );
    return 2;
  }
  const result = explain(text, { json });
  if (result.code === 0 || json) io.stdout(result.output);
  else io.stderr(`${path}: ${result.output}`);
  return result.code;
}
