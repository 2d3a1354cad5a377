// S1.6 in the browser: an agent's state in one queue in words (with the not-ready reason and the
// wrap-up countdown) and the controls to change it, shared by My status, the Queues page and the
// team board. The agent themself, a supervisor of the queue and an admin may use them; the
// server decides (SWB_ERR_FORBIDDEN otherwise).
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { clock } from './format.js';
import { live } from './live.js';
import type { AgentRow } from './live.js';
import { reasonLabel, useReasons } from './reasons.js';
import { agentInfo } from './status.js';

export { reasonLabel };

export function queueName(queueId: string): string {
  return live.queues.get(queueId)?.name ?? queueId;
}

/** "Not ready (Lunch)", "Not ready (Break), 9:12 left", "Wrap-up, 0:21 left", "Ready". */
export function agentWords(
  row: Pick<AgentRow, 'state' | 'reason' | 'wrapUpUntil' | 'reasonUntil'>,
  now: number,
  countdown = true,
): string {
  const label = agentInfo(row.state).label;
  if (countdown && row.state === 'wrap_up' && row.wrapUpUntil !== undefined)
    return `${label}, ${clock(row.wrapUpUntil - now)} left`;
  if (countdown && row.state === 'not_ready' && row.reason !== undefined && row.reasonUntil !== undefined)
    return `${label} (${reasonLabel(row.reason)}), ${clock(row.reasonUntil - now)} left`;
  if (row.state === 'not_ready' && row.reason !== undefined) return `${label} (${reasonLabel(row.reason)})`;
  return label;
}

/** For the team board: "Support: Not ready (Lunch)" for every queue the person is logged in to. */
export function agentSummary(userId: string): string | undefined {
  const rows = live.agentRowsOf(userId).filter((r) => r.state !== 'logged_out');
  if (rows.length === 0) return undefined;
  return rows.map((r) => `${queueName(r.queueId)}: ${agentWords(r, 0, false)}`).join(' · ');
}

const DONE_WORDS: Record<string, string> = {
  login: 'logged in to',
  logout: 'logged out of',
  ready: 'ready in',
  not_ready: 'not ready in',
};

/** Sends one agent command for one queue; answers the sentence to confirm it. */
export async function agentCommand(
  queueId: string,
  queueName: string,
  userId: string,
  who: string,
  action: string,
  reason?: string,
): Promise<string> {
  await api(
    'POST',
    `/api/v1/queues/${encodeURIComponent(queueId)}/agents/${encodeURIComponent(userId)}/${action}`,
    reason ? { reason } : {},
  );
  return `${who} ${who === 'You' ? 'are' : 'is'} ${DONE_WORDS[action] ?? action} ${queueName}${reason ? ` (${reasonLabel(reason)})` : ''}.`;
}

/**
 * Log in, ready, not ready with a reason, log out: the buttons that make sense in the state.
 * `name` completes each button's accessible name ("Not ready: Grace Gill", "Ready in Support").
 */
export function AgentControls({
  row,
  name,
  busy,
  onCommand,
}: {
  row: AgentRow;
  name: string;
  busy: string | undefined;
  onCommand: (action: string, reason?: string) => void;
}): JSX.Element {
  // S9.2: the tenant's reasons, by label; none defined: not ready without a reason.
  const reasons = useReasons() ?? [];
  const [picked, setReason] = useState<string>();
  const reason = reasons.some((r) => r.code === picked) ? picked : reasons[0]?.code;
  const s = row.state;
  const b = (action: string, label: string, r?: string): JSX.Element => (
    <button
      type="button"
      aria-disabled={busy !== undefined ? 'true' : undefined}
      aria-label={`${label}: ${name}`}
      onClick={() => busy === undefined && onCommand(action, r)}
    >
      {busy === action ? `${label}…` : label}
    </button>
  );
  return (
    <div class="agent-actions">
      {s === 'logged_out' && b('login', 'Log in')}
      {(s === 'not_ready' || s === 'wrap_up') && b('ready', 'Ready')}
      {(s === 'ready' || s === 'wrap_up' || s === 'not_ready') && (
        <span class="reason-pick">
          {reasons.length > 0 && (
            <select
              aria-label={`Not-ready reason for ${name}`}
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
            >
              {reasons.map((r) => (
                <option key={r.code} value={r.code}>
                  {r.label}
                </option>
              ))}
            </select>
          )}
          {b('not_ready', 'Not ready', reason)}
        </span>
      )}
      {s !== 'logged_out' && b('logout', 'Log out')}
    </div>
  );
}
