// Administration → Import users (S5.1): CSV rows checked first — what each line will do, every
// problem in words — and written only on an explicit Import, with a report per line.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { plural } from '../format.js';
import { ErrorNote } from '../ui.js';
import type { ImportPlan, ImportReport, PlannedRow } from '../../../src/core/wire.js';

const EXAMPLE =
  'extension,name,email,role,password\n2001,Kim Kaur,kim@example.com,user,change-me-2001\n2002,Lee Lam,lee@example.com,supervisor,change-me-2002';
const ACTION_WORDS: Record<PlannedRow['action'], string> = {
  create: 'New user',
  update: 'Updates',
  skip: 'Not imported',
};

/**
 * S5.1, D3: a CSV import is checked first (nothing written): the preview lists what each line
 * will do — create, update, or nothing because of its problems, every one in words — and only
 * the explicit “Import” writes. Editing the rows asks for a new check.
 */
export function ImportUsers(): JSX.Element {
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [plan, setPlan] = useState<ImportPlan>();
  const [report, setReport] = useState<ImportReport>();

  const edit = (t: string): void => {
    setText(t);
    setPlan(undefined);
    setReport(undefined);
  };
  const onFile = async (f: File | undefined): Promise<void> => {
    if (!f) return;
    setFileName(f.name);
    edit(await f.text());
  };
  const send = async (preview: boolean): Promise<void> => {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      if (preview) {
        setReport(undefined);
        setPlan(
          await api<ImportPlan>('POST', '/api/v1/users/import?preview=true', undefined, {
            raw: text,
            contentType: 'text/csv',
          }),
        );
      } else {
        setReport(
          await api<ImportReport>('POST', '/api/v1/users/import', undefined, { raw: text, contentType: 'text/csv' }),
        );
        setPlan(undefined);
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const good = plan ? plan.creates + plan.updates : 0;
  return (
    <>
      <form
        class="card-box"
        onSubmit={(e) => {
          e.preventDefault();
          void send(true);
        }}
      >
        <h2>Import users from a CSV file</h2>
        <p class="muted small">
          The first row names the columns:{' '}
          <code>id, extension, name, email, role, password, sipPassword, terminalPassword</code> (extension, name and
          role are needed). A row whose extension exists updates that user. First you see what each line will do;
          nothing changes until you press Import.
        </p>
        <div class="form-grid">
          <label>
            CSV file
            <input type="file" accept=".csv,text/csv" onChange={(e) => void onFile(e.currentTarget.files?.[0])} />
            {fileName && <span class="hint">{fileName}</span>}
          </label>
        </div>
        <label>
          Or paste the rows
          <textarea value={text} placeholder={EXAMPLE} onInput={(e) => edit(e.currentTarget.value)} />
        </label>
        <ErrorNote error={error} />
        <div class="buttons" style="margin-top:0.75rem">
          <button
            type="submit"
            class={plan ? undefined : 'primary'}
            disabled={text.trim() === ''}
            aria-disabled={busy ? 'true' : undefined}
          >
            {busy && !plan ? 'Checking…' : 'Check the file'}
          </button>
        </div>
      </form>
      {plan && (
        <section class="card-box" aria-labelledby="plan-h">
          <h2 id="plan-h">
            Preview: {plural(plan.creates, 'new user')}, {plural(plan.updates, 'update')},{' '}
            {plural(plan.skipped, 'line')} with problems
          </h2>
          <p class="muted small">
            Nothing has been changed yet. Lines with problems are left out; fix them and check again, or import the
            others.
          </p>
          <div class="table-wrap">
            <table class="import-report import-plan">
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Will</th>
                  <th scope="col">User</th>
                  <th scope="col">Problems</th>
                </tr>
              </thead>
              <tbody>
                {plan.rows.map((r) => (
                  <tr key={r.row} data-action={r.action}>
                    <td data-label="Line">{r.row + 1}</td>
                    <td>
                      <span class={`plan plan-${r.action}`}>{ACTION_WORDS[r.action]}</span>
                      {r.duplicateOf !== undefined && <div class="muted small">repeats line {r.duplicateOf + 1}</div>}
                    </td>
                    <td>
                      {r.name ?? '—'} {r.extension && <span class="muted">· {r.extension}</span>}
                    </td>
                    <td>
                      {r.problems.length === 0 ? (
                        <span class="muted">No problems</span>
                      ) : (
                        <ul class="problems">
                          {r.problems.map((p) => (
                            <li key={p}>{p}</li>
                          ))}
                        </ul>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="buttons" style="margin-top:0.75rem">
            <button
              type="button"
              class="primary"
              disabled={good === 0}
              aria-disabled={busy ? 'true' : undefined}
              onClick={() => void send(false)}
            >
              {busy ? 'Importing…' : `Import ${plural(good, 'user')}`}
            </button>
          </div>
        </section>
      )}
      {report && (
        <section class="card-box" aria-live="polite" aria-labelledby="rep-h">
          <h2 id="rep-h">
            {report.imported} imported, {report.failed} with errors
          </h2>
          <div class="table-wrap">
            <table class="import-report">
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Result</th>
                </tr>
              </thead>
              <tbody>
                {report.rows.map((r) => (
                  <tr key={r.row} data-ok={String(r.ok)}>
                    <td>{r.row + 1}</td>
                    <td>
                      {r.ok ? (
                        <span class="row-ok">{r.action === 'update' ? `Updated ${r.id}` : `Created as ${r.id}`}</span>
                      ) : (
                        <>
                          <span class="row-bad">Not imported:</span> {r.error?.message}
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </>
  );
}
