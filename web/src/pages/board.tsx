// The team board (S2.4): everyone's status as calm, dense cards, live. Filter by group, status
// or colour, search by name or extension, sort. Admins change anyone's status from a card.
import type { JSX } from 'preact';
import { createRef } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { agentSummary } from '../agent.js';
import { reasonLabel, useReasons } from '../reasons.js';
import { loadGroups, loadPolicy, loadQueues } from '../directory.js';
import type { GroupInfo } from '../directory.js';
import { duration, plural, when } from '../format.js';
import { useLive, useLoad, useNow } from '../hooks.js';
import { live } from '../live.js';
import type { Presence } from '../live.js';
import { useMe } from '../session.js';
import { COLOUR_ORDER, COLOUR_WORDS, Icon, statusInfo } from '../status.js';
import type { Colour } from '../status.js';
import { StatusForm } from '../statusform.js';
import { Loading, Page, Pure, flash } from '../ui.js';

type Sort = 'status' | 'name' | 'extension' | 'time';
const COLOURS: Colour[] = ['green', 'yellow', 'red', 'grey'];
const byName = (a: Presence, b: Presence): number => a.name.localeCompare(b.name);
const byExt = (a: Presence, b: Presence): number => a.extension.localeCompare(b.extension, 'en', { numeric: true });
const SORTS: Record<Sort, (a: Presence, b: Presence) => number> = {
  status: (a, b) => COLOUR_ORDER[a.colour] - COLOUR_ORDER[b.colour] || byName(a, b),
  name: byName,
  extension: byExt,
  time: (a, b) => a.since - b.since || byName(a, b),
};

export function labelOf(p: Presence): string {
  if (p.status === 'custom' && p.text) return p.text;
  // S9.2: an away/dnd reason shows by the tenant's label.
  const reason = p.manual?.status === p.status ? p.manual.reason : undefined;
  return reason !== undefined ? `${p.label} (${reasonLabel(reason)})` : p.label;
}

export function Board(): JSX.Element {
  useLive();
  useReasons(); // S9.2: agent reasons by label
  const me = useMe();
  const now = useNow(15_000);
  const [search, setSearch] = useState('');
  const [group, setGroup] = useState('');
  const [status, setStatus] = useState('');
  const [colour, setColour] = useState<Colour | ''>('');
  // By name: cards stay where people expect them; “Free first” is one click away.
  const [sort, setSort] = useState<Sort>('name');
  const [editing, setEditing] = useState<string>();
  const groups = useLoad(async () => {
    const [g, q] = await Promise.allSettled([loadGroups(), loadQueues()]);
    const out: GroupInfo[] = g.status === 'fulfilled' ? g.value : [];
    if (q.status === 'fulfilled')
      out.push(
        ...q.value.map((x) => ({
          id: x.id,
          name: x.name,
          extension: x.extension,
          members: x.agents,
          kind: 'queue' as const,
        })),
      );
    if (g.status === 'rejected' && q.status === 'rejected') throw g.reason;
    return out;
  }, 'groups');
  const policy = useLoad(loadPolicy, 'policy');
  const isAdmin = me.role === 'admin';

  const all = [...live.presence.values()];
  const counts = useMemo(() => {
    const c: Record<string, number> = { green: 0, yellow: 0, red: 0, grey: 0 };
    const s = new Map<string, number>();
    for (const p of all) {
      c[p.colour] = (c[p.colour] ?? 0) + 1;
      s.set(p.status, (s.get(p.status) ?? 0) + 1);
    }
    return { colour: c, status: s };
  }, [live.version]);

  const members = group ? new Set(groups.data?.find((g) => `${g.kind}:${g.id}` === group)?.members ?? []) : undefined;
  const needle = search.trim().toLowerCase();
  const shown = all
    .filter(
      (p) =>
        (!members || members.has(p.userId)) &&
        (!status || p.status === status) &&
        (!colour || p.colour === colour) &&
        (!needle ||
          p.name.toLowerCase().includes(needle) ||
          p.extension.includes(needle) ||
          (p.text ?? '').toLowerCase().includes(needle)),
    )
    .sort(SORTS[sort]);
  const editTarget = editing ? live.presence.get(editing) : undefined;
  const filtered = Boolean(needle || group || status || colour);

  return (
    <Page title="Team" wide>
      <div class="summary" role="group" aria-label="Show only a colour">
        {COLOURS.map((c) => (
          <button
            key={c}
            type="button"
            class={`sum c-${c}${colour === c ? ' selected' : ''}`}
            aria-pressed={colour === c}
            onClick={() => setColour(colour === c ? '' : c)}
          >
            <span class="sum-n">{counts.colour[c]}</span>
            <span class="sum-l">{COLOUR_WORDS[c]}</span>
          </button>
        ))}
      </div>
      <div class="toolbar" role="search">
        <label class="search">
          <span class="sr">Search by name or extension</span>
          <Icon name="search" />
          <input
            type="search"
            placeholder="Search name or extension"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </label>
        <span class="field">
          <label class="lbl" for="f-group">
            Group
          </label>
          <select id="f-group" value={group} onChange={(e) => setGroup(e.currentTarget.value)} disabled={!groups.data}>
            <option value="">{groups.error ? 'Groups unavailable' : 'Everyone'}</option>
            {groups.data?.map((g) => (
              <option key={`${g.kind}:${g.id}`} value={`${g.kind}:${g.id}`}>
                {g.kind === 'queue' ? 'Queue: ' : ''}
                {g.name}
                {g.extension ? ` (${g.extension})` : ''}
              </option>
            ))}
          </select>
        </span>
        <span class="field">
          <label class="lbl" for="f-status">
            Status
          </label>
          <select id="f-status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">Any status</option>
            {[...counts.status.entries()]
              .sort((a, b) => statusInfo(a[0]).label.localeCompare(statusInfo(b[0]).label))
              .map(([s, n]) => (
                <option key={s} value={s}>
                  {statusInfo(s).label} ({n})
                </option>
              ))}
          </select>
        </span>
        <span class="field">
          <label class="lbl" for="f-sort">
            Sort
          </label>
          <select id="f-sort" value={sort} onChange={(e) => setSort(e.currentTarget.value as Sort)}>
            <option value="name">Name</option>
            <option value="status">Free first</option>
            <option value="extension">Extension</option>
            <option value="time">Longest in status</option>
          </select>
        </span>
      </div>
      {!live.loaded ? (
        <Loading what="the team" />
      ) : (
        <>
          <p class="count" aria-live="polite">
            {filtered
              ? `${shown.length} of ${plural(all.length, 'person', 'people')}`
              : plural(all.length, 'person', 'people')}
            {filtered && (
              <button
                type="button"
                class="link"
                onClick={() => {
                  setSearch('');
                  setGroup('');
                  setStatus('');
                  setColour('');
                }}
              >
                Show everyone
              </button>
            )}
          </p>
          <ul class="board" aria-label="Team members">
            {shown.map((p) => (
              <Card
                key={p.userId}
                p={p}
                agent={agentSummary(p.userId)}
                minute={Math.floor(now / 30_000)}
                flashAt={live.changedAt.get(`u:${p.userId}`)}
                self={p.userId === me.user?.id}
                canEdit={isAdmin}
                onEdit={setEditing}
              />
            ))}
          </ul>
          {shown.length === 0 && <p class="empty">Nobody matches. Try another search or filter.</p>}
        </>
      )}
      {editTarget && (
        <EditDialog title={`Change ${editTarget.name}’s status`} onClose={() => setEditing(undefined)}>
          <StatusForm
            target={editTarget}
            self={editTarget.userId === me.user?.id}
            allowed={policy.data?.manualStatuses}
            canBlock={isAdmin && editTarget.userId !== me.user?.id}
          />
        </EditDialog>
      )}
    </Page>
  );
}

interface CardProps {
  p: Presence;
  /** S1.6: the person's agent state in the queues they are logged in to, in words. */
  agent: string | undefined;
  minute: number;
  flashAt: number | undefined;
  self: boolean;
  canEdit: boolean;
  onEdit: (userId: string) => void;
}

/** One colleague. Re-renders only when its record, the minute or its highlight changes. */
class Card extends Pure<CardProps> {
  private el = createRef<HTMLLIElement>();

  override componentDidUpdate(prev: CardProps): void {
    if (this.props.flashAt !== undefined && this.props.flashAt !== prev.flashAt) this.flash();
  }

  override componentDidMount(): void {
    // A card that appears because of a live change (e.g. it now matches the filter) flashes too.
    if (this.props.flashAt !== undefined && Date.now() - this.props.flashAt < 1500) this.flash();
  }

  private flash(): void {
    flash(this.el.current, true);
  }

  override render(): JSX.Element {
    const { p, agent, self, canEdit, onEdit } = this.props;
    const ind = p.indicators;
    const label = labelOf(p);
    const showText = p.text && p.status !== 'custom';
    const forwardTo = ind.forwardTo ?? p.manual?.forwardTo;
    // S2.3: an automatic status (offline, on a call) can hide the chosen one; say what was chosen.
    const hiddenManual = p.manual !== undefined && p.manual.status !== p.status ? p.manual.status : undefined;
    return (
      <li ref={this.el} class={`card c-${p.colour}${self ? ' self' : ''}`} data-user={p.userId} data-status={p.status}>
        <span class="card-icon" title={p.label}>
          <Icon name={p.icon} size={18} />
        </span>
        <div class="card-body">
          <div class="card-top">
            <a class="name" href={`/users/${encodeURIComponent(p.userId)}`}>
              {p.name}
              {self && <span class="you"> (you)</span>}
            </a>
            <span class="ext" aria-label={`extension ${p.extension}`}>
              {p.extension}
            </span>
          </div>
          <div class="card-status">
            <span class="label" title={label}>
              {label}
            </span>
            <span class="since" title={`since ${when(p.since)}`}>
              {duration(Date.now() - p.since)}
            </span>
          </div>
          {(showText || p.until !== undefined || forwardTo || hiddenManual) && (
            <div class="card-more">
              {hiddenManual && <span class="set">set to {statusInfo(hiddenManual).label}</span>}
              {showText && (
                <span class="text" title={p.text}>
                  “{p.text}”
                </span>
              )}
              {forwardTo && <span class="fwd">→ {forwardTo}</span>}
              {p.until !== undefined && <span class="until">until {when(p.until)}</span>}
            </div>
          )}
          {agent !== undefined && (
            <div class="card-agent" data-agent-state={agent}>
              <Icon name="phone" size={12} /> {agent}
            </div>
          )}
          {(ind.lostRegistration ||
            (ind.onCall && p.status !== 'on_call') ||
            ind.ringing ||
            ind.missedCalls > 0 ||
            ind.voicemail > 0) && (
            <div class="inds">
              {ind.lostRegistration && (
                <span
                  class="ind ind-lost"
                  title="Signed in, but the phone lost its registration: calls cannot reach this device"
                >
                  <b aria-hidden="true">!</b> no phone
                </span>
              )}
              {ind.onCall && p.status !== 'on_call' && (
                <span class="ind ind-call" title="On a call">
                  <Icon name="phone" size={12} /> on a call
                </span>
              )}
              {ind.ringing && (
                <span class="ind ind-ring" title="A call is ringing">
                  <Icon name="bell" size={12} /> ringing
                </span>
              )}
              {ind.missedCalls > 0 && (
                <span class="ind ind-missed" title={plural(ind.missedCalls, 'missed call')}>
                  <Icon name="missed" size={12} /> {ind.missedCalls} missed
                </span>
              )}
              {ind.voicemail > 0 && (
                <span class="ind ind-vm" title={plural(ind.voicemail, 'voicemail')}>
                  <Icon name="voicemail" size={12} /> {plural(ind.voicemail, 'voicemail')}
                </span>
              )}
            </div>
          )}
        </div>
        {canEdit && (
          <button
            type="button"
            class="card-edit"
            aria-label={`Change ${p.name}’s status`}
            title="Change status"
            onClick={() => onEdit(p.userId)}
          >
            <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
              <path
                d="M10.5 2.5l3 3L6 13H3v-3z"
                fill="none"
                stroke="currentColor"
                stroke-width="1.6"
                stroke-linejoin="round"
              />
            </svg>
          </button>
        )}
      </li>
    );
  }
}

/** A modal dialog: focus moves in, Escape closes, focus returns to where it was. */
export function EditDialog({
  title,
  onClose,
  children,
}: {
  title: string;
  onClose: () => void;
  children: JSX.Element;
}): JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const back = document.activeElement as HTMLElement | null;
    const d = ref.current!;
    if (!d.open) d.showModal();
    // D4: the browser moves focus when the open modal leaves the page, after this cleanup; focus
    // the opener once that is done (or the page's main region if the opener is gone).
    return () => {
      if (d.open) d.close();
      setTimeout(() => {
        const target = back && back.isConnected && back !== document.body ? back : document.getElementById('main');
        target?.focus();
      }, 0);
    };
  }, []);
  // Escape: the dialog closes by way of the page's state, not the browser, so the cleanup above runs once.
  const cancel = (e: Event): void => {
    e.preventDefault();
    onClose();
  };
  return (
    <dialog ref={ref} class="dialog" aria-label={title} onClose={onClose} onCancel={cancel}>
      <div class="dialog-head">
        <h2>{title}</h2>
        <button type="button" class="ghost" onClick={onClose} aria-label="Close">
          ✕
        </button>
      </div>
      {children}
    </dialog>
  );
}
