// Command handler: app sessions (session.start, session.heartbeat, session.end).
import { appended, kept } from './arrays.js';
import type { Command } from './commands.js';
import { MAX_APP_SESSIONS } from './defaults.js';
import { refuse } from './errors.js';
import { putUser, userIn } from './tx.js';
import type { Tx } from './tx.js';
import { userWith } from './user.js';
import type { Refusal } from './types.js';

export function sessionCommand(
  tx: Tx,
  cmd: Extract<Command, { type: 'session.start' | 'session.heartbeat' | 'session.end' }>,
): Refusal | undefined {
  const user = userIn(tx, cmd.userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
  const i = user.sessions.findIndex((s) => s.id === cmd.sessionId);
  if (cmd.type === 'session.start') {
    const session = { id: cmd.sessionId, lastSeenAt: tx.now, lastActiveAt: tx.now };
    if (i >= 0) {
      putUser(tx, userWith(user, { sessions: user.sessions.map((s, j) => (j === i ? session : s)) }));
      return undefined;
    }
    // S1.4: a new session past the cap ends the ones heard from least recently (not a sign-out).
    const recent = [...user.sessions].sort((a, b) => b.lastSeenAt - a.lastSeenAt).slice(0, MAX_APP_SESSIONS - 1);
    putUser(
      tx,
      userWith(user, {
        sessions: appended(
          kept(user.sessions, (s) => recent.includes(s)),
          session,
        ),
      }),
    );
    return undefined;
  }
  if (i < 0) return refuse('SWB_ERR_SESSION_NOT_FOUND');
  if (cmd.type === 'session.heartbeat') {
    const s = user.sessions[i]!;
    const session = { id: s.id, lastSeenAt: tx.now, lastActiveAt: cmd.active ? tx.now : s.lastActiveAt };
    putUser(tx, userWith(user, { sessions: user.sessions.map((x, j) => (j === i ? session : x)) }));
    return undefined;
  }
  const sessions = kept(user.sessions, (x) => x !== user.sessions[i]);
  // S1.5: signing out of the last session sets absent when the user asked for it.
  if (sessions.length === 0 && user.settings.absentAtLogout) {
    tx.cause = 'system';
    putUser(tx, userWith(user, { sessions, manual: { status: 'absent', setBy: 'system', setAt: tx.now } }));
    return undefined;
  }
  putUser(tx, userWith(user, { sessions }));
  return undefined;
}
