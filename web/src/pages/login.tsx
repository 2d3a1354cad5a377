// S5: sign in with the web login (extension or email and password).
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, setToken } from '../api.js';
import type { Me } from '../session.js';
import { ErrorNote, Notice } from '../ui.js';

export function Login({ onSignedIn, notice }: { onSignedIn: (me: Me) => void; notice?: string }): JSX.Element {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [company, setCompany] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = { username: username.trim(), password, ...(company.trim() ? { tenant: company.trim() } : {}) };
      const r = await api<{ token: string }>('POST', '/api/v1/auth/login', body);
      setToken(r.token);
      onSignedIn(await api<Me>('GET', '/api/v1/auth/me'));
    } catch (err) {
      setToken(null);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login-wrap">
      <form class="login card-box" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <div class="brand big">
          <span class="logo" aria-hidden="true" /> Switchboard
        </div>
        <h1 id="login-title">Sign in</h1>
        {notice && <Notice>{notice}</Notice>}
        <label>
          Extension or email
          <input
            name="username"
            autoComplete="username"
            required
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
            autoFocus
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <details>
          <summary>Another company</summary>
          <label>
            Company id or SIP domain
            <input
              name="tenant"
              value={company}
              onInput={(e) => setCompany(e.currentTarget.value)}
              placeholder="e.g. acme.test"
            />
          </label>
        </details>
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
