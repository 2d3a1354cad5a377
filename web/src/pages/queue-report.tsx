// S9.2 on the Queues page: how long the queue's agents were not ready, per reason (by the
// tenant's label) per day, over the last 7 days (GET /api/v1/queues/:queue/report; days in the
// company's time zone).
import type { JSX } from 'preact';
import { api } from '../api.js';
import { duration } from '../format.js';
import { useLoad } from '../hooks.js';
import { ErrorNote } from '../ui.js';

interface QueueReport {
  readonly timezone: string;
  readonly days: readonly {
    readonly date: string;
    readonly reasons: readonly { code: string; label: string; productive: boolean; seconds: number }[];
  }[];
}

const WEEK_MS = 7 * 24 * 3600_000;

function loadReport(queueId: string): Promise<QueueReport> {
  const to = new Date();
  const from = new Date(to.getTime() - WEEK_MS);
  const q = `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
  return api<QueueReport>('GET', `/api/v1/queues/${encodeURIComponent(queueId)}/report?${q}`);
}

export function ReasonReport({ queueId, name }: { queueId: string; name: string }): JSX.Element {
  const report = useLoad(() => loadReport(queueId), `reason-report:${queueId}`);
  const days = [...(report.data?.days ?? [])].reverse().filter((d) => d.reasons.length > 0);
  const id = `reason-report-${queueId}`;
  return (
    <details class="reason-report">
      <summary id={id}>Not-ready time by reason, last 7 days</summary>
      <ErrorNote error={report.error} onRetry={report.reload} />
      {report.data && days.length === 0 && <p class="muted">Nobody was not ready in {name} in the last 7 days.</p>}
      {days.length > 0 && (
        <div class="table-wrap">
          <table aria-labelledby={id}>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Reason</th>
                <th scope="col">Kind</th>
                <th scope="col">Time</th>
              </tr>
            </thead>
            <tbody>
              {days.flatMap((d) =>
                d.reasons.map((r, i) => (
                  <tr key={`${d.date}:${r.code}`} data-day={d.date} data-reason={r.code}>
                    <td>{i === 0 ? d.date : ''}</td>
                    <td>{r.label}</td>
                    <td>{r.productive ? 'Productive' : 'Not productive'}</td>
                    <td>{r.seconds < 60 ? `${r.seconds} s` : duration(r.seconds * 1000)}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </div>
      )}
      <button type="button" aria-label={`Refresh the report of ${name}`} onClick={report.reload}>
        Refresh
      </button>
    </details>
  );
}
