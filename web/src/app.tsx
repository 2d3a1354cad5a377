// The shell: sign-in gate, header with navigation and my status, the live feed, and the pages.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, getToken, setToken, whenSignedOut } from './api.js';
import { Feed } from './feed.js';
import { loadQueues } from './directory.js';
import { useLive, useLoad } from './hooks.js';
import { live } from './live.js';
import { Login } from './pages/login.js';
import { Board } from './pages/board.js';
import { MyStatus } from './pages/me.js';
import { Admin } from './pages/admin.js';
import { Wallboard } from './pages/queues.js';
import { UserPage } from './pages/user.js';
import { WhyPage } from './pages/why.js';
import { navigate, usePath } from './router.js';
import type { Me } from './session.js';
import { MeContext } from './session.js';
import { StatusBadge } from './status.js';
import { ErrorNote, Loading, Page } from './ui.js';

let feed: Feed | undefined;

export function App(): JSX.Element {
  const [me, setMe] = useState<Me | null | undefined>(getToken() ? undefined : null);
  const [notice, setNotice] = useState<string | undefined>();
  const [bootError, setBootError] = useState<unknown>();

  useEffect(() => {
    whenSignedOut(() => {
      feed?.stop();
      feed = undefined;
      setToken(null);
      setNotice('Your sign-in has expired. Please sign in again.');
      setMe(null);
    });
    if (getToken()) {
      api<Me>('GET', '/api/v1/auth/me').then(setMe, (e: unknown) => {
        if ((e as { status?: number }).status === 401) return; // whenSignedOut took care of it
        setBootError(e);
      });
    }
  }, []);

  if (bootError !== undefined && me === undefined) {
    return (
      <Page title="Switchboard">
        <ErrorNote error={bootError} onRetry={() => location.reload()} />
      </Page>
    );
  }
  if (me === undefined) return <Loading what="your account" />;
  if (me === null) {
    return (
      <Login
        notice={notice}
        onSignedIn={(m) => {
          setNotice(undefined);
          setMe(m);
        }}
      />
    );
  }
  return (
    <MeContext.Provider value={me}>
      <Shell
        me={me}
        onSignOut={(message) => {
          setNotice(message);
          setMe(null);
        }}
      />
    </MeContext.Provider>
  );
}

function Shell({ me, onSignOut }: { me: Me; onSignOut: (message?: string) => void }): JSX.Element {
  const path = usePath();
  useLive();
  const [signOutError, setSignOutError] = useState<unknown>();
  const queues = useLoad(loadQueues, 'shell-queues');

  useEffect(() => {
    const token = getToken()!;
    // The REST list paints the board at once; the feed's snapshot then takes over.
    api<{ presence: Record<string, unknown>[] }>('GET', '/api/v1/presence').then(
      (r) => live.presenceList(r.presence),
      () => undefined,
    );
    feed = new Feed(
      token,
      live,
      () => {
        feed?.stop();
        feed = undefined;
        setToken(null);
        onSignOut('Your sign-in has expired. Please sign in again.');
      },
      () => me.user !== null && live.presence.get(me.user.id)?.status === 'idle',
    );
    feed.start();
    return () => {
      feed?.stop();
      feed = undefined;
    };
  }, []);

  // Without the feed, keep the board fresh by asking (the banner says so).
  useEffect(() => {
    if (live.connection === 'live') return;
    const t = setInterval(() => {
      if (live.connection === 'live') return;
      api<{ presence: Record<string, unknown>[] }>('GET', '/api/v1/presence').then(
        (r) => live.refreshPresence(r.presence),
        () => undefined,
      );
    }, 5000);
    return () => clearInterval(t);
  }, [live.connection]);

  const signOut = async (): Promise<void> => {
    try {
      feed?.signout();
      await api('POST', '/api/v1/auth/logout');
    } catch (e) {
      if ((e as { status?: number }).status !== 401) {
        setSignOutError(e);
        return;
      }
    }
    feed?.stop();
    feed = undefined;
    setToken(null);
    navigate('/', true);
    onSignOut('You have signed out.');
  };

  const mine = me.user ? live.presence.get(me.user.id) : undefined;
  // S5.1: admins, supervisors, and agents (their own queues, to change their own state, S1.6).
  const canWatchQueues =
    me.role === 'admin' ||
    me.role === 'supervisor' ||
    (queues.data ?? []).some((q) => me.user !== null && q.agents.includes(me.user.id));
  const links: [string, string][] = [
    ['/', 'Team'],
    ['/me', 'My status'],
    ...(canWatchQueues ? ([['/queues', 'Queues']] as [string, string][]) : []),
    ['/why', 'Why didn’t it ring?'],
    ...(me.role === 'admin' ? ([['/admin', 'Administration']] as [string, string][]) : []),
  ];
  const current = (href: string): boolean =>
    href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);

  let page: JSX.Element;
  const userMatch = /^\/users\/([^/]+)$/.exec(path);
  if (path === '/' || path === '') page = <Board />;
  else if (path === '/me') page = <MyStatus />;
  else if (path === '/queues' || path.startsWith('/queues/')) page = <Wallboard queueId={path.split('/')[2]} />;
  else if (path === '/why') page = <WhyPage />;
  else if (path === '/admin' || path.startsWith('/admin/')) page = <Admin path={path} />;
  else if (userMatch) page = <UserPage userRef={decodeURIComponent(userMatch[1]!)} />;
  else
    page = (
      <Page title="Page not found">
        <p>
          There is no page at <code>{path}</code>. <a href="/">Go to the team board</a>.
        </p>
      </Page>
    );

  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="top">
        <div class="brand">
          <span class="logo" aria-hidden="true" />
          <span>
            Switchboard <span class="tenant">· {me.tenant.name}</span>
          </span>
        </div>
        <nav aria-label="Main">
          <ul>
            {links.map(([href, label]) => (
              <li key={href}>
                <a href={href} aria-current={current(href) ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="me">
          <Connection />
          {mine && (
            <a class="my-pill" href="/me" title="Change my status">
              <StatusBadge
                status={mine.status}
                label={mine.text && mine.status === 'custom' ? mine.text : mine.label}
                colour={mine.colour}
                icon={mine.icon}
                compact
              />
            </a>
          )}
          <span class="who">{me.user?.name ?? 'API key'}</span>
          <button type="button" class="ghost" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      {signOutError !== undefined && (
        <div class="page">
          <ErrorNote error={signOutError} />
        </div>
      )}
      {live.connection !== 'live' && live.problem && (
        <div class="banner" role="status">
          {live.problem} The board refreshes every few seconds meanwhile.
        </div>
      )}
      {page}
    </>
  );
}

function Connection(): JSX.Element {
  const c = live.connection;
  const text = c === 'live' ? 'Live' : c === 'connecting' ? 'Connecting…' : 'Reconnecting…';
  return (
    <span class={`conn conn-${c}`} role="status" aria-live="polite" data-connection={c}>
      <span class="dot" aria-hidden="true" />
      {text}
    </span>
  );
}
