// Administration (S5.1, admins): everyone's status, a user's answering actions and settings
// (S2.5, S3.2), the tenant's policies, and importing users from CSV (import.tsx).
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { loadUsers } from '../directory.js';
import { useLive, useLoad } from '../hooks.js';
import { live } from '../live.js';
import { useMe } from '../session.js';
import { StatusBadge } from '../status.js';
import { StatusForm } from '../statusform.js';
import { ErrorNote, Loading, Notice, Page } from '../ui.js';
import { EditDialog, labelOf } from './board.js';
import { OfficeHoursPage } from './hours.js';
import { ImportUsers } from './import.js';
import { PolicyForm } from './policy.js';
import { ReasonsForm } from './reasons.js';
import { UserSettings } from './user-settings.js';

export function Admin({ path }: { path: string }): JSX.Element {
  const me = useMe();
  if (me.role !== 'admin') {
    return (
      <Page title="Administration">
        <Notice kind="warn">
          Only administrators can open this page. Ask an administrator of {me.tenant.name} if you need a change.
        </Notice>
      </Page>
    );
  }
  const userMatch = /^\/admin\/users\/([^/]+)$/.exec(path);
  const tab =
    path === '/admin/policy'
      ? 'policy'
      : path === '/admin/hours'
        ? 'hours'
        : path === '/admin/import'
          ? 'import'
          : 'users';
  return (
    <Page title="Administration">
      <nav class="tabs" aria-label="Administration">
        <a href="/admin" aria-current={tab === 'users' ? 'page' : undefined}>
          Users
        </a>
        <a href="/admin/policy" aria-current={tab === 'policy' ? 'page' : undefined}>
          Policies
        </a>
        <a href="/admin/hours" aria-current={tab === 'hours' ? 'page' : undefined}>
          Office hours
        </a>
        <a href="/admin/import" aria-current={tab === 'import' ? 'page' : undefined}>
          Import users
        </a>
      </nav>
      {userMatch ? (
        <UserSettings userRef={decodeURIComponent(userMatch[1]!)} />
      ) : tab === 'policy' ? (
        <>
          <PolicyForm />
          <ReasonsForm />
        </>
      ) : tab === 'hours' ? (
        <OfficeHoursPage />
      ) : tab === 'import' ? (
        <ImportUsers />
      ) : (
        <UserList />
      )}
    </Page>
  );
}

function UserList(): JSX.Element {
  useLive();
  const me = useMe();
  const users = useLoad(loadUsers, 'users');
  const [editing, setEditing] = useState<string>();
  const [q, setQ] = useState('');
  if (users.error) return <ErrorNote error={users.error} onRetry={users.reload} />;
  if (!users.data) return <Loading what="users" />;
  const needle = q.trim().toLowerCase();
  const shown = users.data.filter(
    (u) =>
      !needle ||
      u.name.toLowerCase().includes(needle) ||
      u.extension.includes(needle) ||
      (u.email ?? '').toLowerCase().includes(needle),
  );
  const target = editing ? live.presence.get(editing) : undefined;
  return (
    <>
      <div class="toolbar">
        <label class="search">
          <span class="sr">Search users</span>
          <input
            type="search"
            placeholder="Search name, extension or email"
            value={q}
            onInput={(e) => setQ(e.currentTarget.value)}
          />
        </label>
      </div>
      <div class="table-wrap card-box" style="padding:0.25rem 0.5rem">
        <table class="users">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Extension</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span class="sr">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((u) => {
              const p = live.presence.get(u.id);
              return (
                <tr key={u.id} data-user={u.id}>
                  <td>
                    <a href={`/users/${encodeURIComponent(u.id)}`}>{u.name}</a>
                    {u.email && <div class="muted small">{u.email}</div>}
                  </td>
                  <td data-label="Extension">{u.extension}</td>
                  <td data-label="Role">{u.role}</td>
                  <td>
                    {p && <StatusBadge status={p.status} label={labelOf(p)} colour={p.colour} icon={p.icon} compact />}
                  </td>
                  <td class="actions">
                    <div class="agent-actions">
                      {/* The name a screen reader says starts with the visible words (WCAG 2.5.3). */}
                      <button type="button" onClick={() => setEditing(u.id)} disabled={!p}>
                        Change status<span class="sr"> of {u.name}</span>
                      </button>
                      <a class="button-link" href={`/admin/users/${encodeURIComponent(u.id)}`}>
                        Settings<span class="sr"> of {u.name}</span>
                      </a>
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {target && (
        <EditDialog title={`Change ${target.name}’s status`} onClose={() => setEditing(undefined)}>
          <StatusForm target={target} self={target.userId === me.user?.id} canBlock={target.userId !== me.user?.id} />
        </EditDialog>
      )}
    </>
  );
}

// ------------------------------------------------------------------ one user's settings
