// The live picture of the tenant: presence records, agent states per queue and queue counters,
// kept current by the feed (feed.ts). Views subscribe; changes are batched to one notification
// per animation frame, so 20 changes a second cost at most one render a frame.
import type { Colour } from './status.js';
import { instant } from './format.js';

export interface Presence {
  readonly userId: string;
  readonly extension: string;
  readonly name: string;
  readonly status: string;
  readonly label: string;
  readonly colour: Colour;
  readonly icon: string;
  readonly text?: string;
  readonly until?: number;
  readonly since: number;
  readonly manual?: {
    readonly status: string;
    readonly text?: string;
    readonly until?: number;
    readonly forwardTo?: string;
    /** S9.2: a reason code of the tenant (away, dnd) and when its longest time ends it. */
    readonly reason?: string;
    readonly reasonUntil?: number;
    readonly setBy?: string;
    readonly setAt?: number;
  };
  readonly indicators: {
    readonly onCall: boolean;
    readonly ringing: boolean;
    readonly lostRegistration: boolean;
    readonly missedCalls: number;
    readonly voicemail: number;
    readonly forwardTo?: string;
  };
  readonly agent?: Readonly<Record<string, string>>;
  readonly removed?: boolean;
}

export interface AgentRow {
  readonly userId: string;
  readonly queueId: string;
  readonly state: string;
  readonly reason?: string;
  readonly since: number;
  readonly callsToday?: number;
  /** wrap_up: when it ends (S4). */
  readonly wrapUpUntil?: number;
  /** not_ready: when the reason's longest time ends it (S9.2). */
  readonly reasonUntil?: number;
}

export interface Waiting {
  readonly callId: string;
  readonly caller: string;
  readonly arrivedAt: number;
  readonly position?: number;
}

export interface QueueRow {
  readonly queueId: string;
  readonly name: string;
  readonly waiting: readonly Waiting[];
  readonly answeredToday: number;
  readonly missedToday: number;
  readonly overflowedToday?: number;
}

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'offline';

type Raw = Record<string, unknown>;

export function normalizePresence(raw: Raw): Presence {
  const manual = raw.manual as Raw | undefined;
  const ind = (raw.indicators as Raw | undefined) ?? {};
  return {
    ...(raw as unknown as Presence),
    until: instant(raw.until),
    since: instant(raw.since) ?? Date.now(),
    manual: manual
      ? ({ ...manual, until: instant(manual.until), setAt: instant(manual.setAt) } as Presence['manual'])
      : undefined,
    indicators: {
      onCall: ind.onCall === true,
      ringing: ind.ringing === true,
      lostRegistration: ind.lostRegistration === true,
      missedCalls: typeof ind.missedCalls === 'number' ? ind.missedCalls : 0,
      voicemail: typeof ind.voicemail === 'number' ? ind.voicemail : 0,
      ...(typeof ind.forwardTo === 'string' ? { forwardTo: ind.forwardTo } : {}),
    },
  };
}

export function normalizeAgent(raw: Raw, queueId?: string, userId?: string): AgentRow {
  return {
    userId: String(raw.userId ?? raw.user ?? userId ?? ''),
    queueId: String(raw.queueId ?? raw.queue ?? queueId ?? ''),
    state: String(raw.state ?? 'logged_out'),
    ...(typeof raw.reason === 'string' ? { reason: raw.reason } : {}),
    since: instant(raw.since) ?? Date.now(),
    ...(typeof raw.callsToday === 'number' ? { callsToday: raw.callsToday } : {}),
    ...(instant(raw.wrapUpUntil) !== undefined ? { wrapUpUntil: instant(raw.wrapUpUntil) } : {}),
    ...(instant(raw.reasonUntil) !== undefined ? { reasonUntil: instant(raw.reasonUntil) } : {}),
  };
}

export function normalizeQueue(raw: Raw, queueId?: string): QueueRow {
  const waiting = Array.isArray(raw.waiting) ? (raw.waiting as Raw[]) : [];
  return {
    queueId: String(raw.queueId ?? raw.id ?? queueId ?? ''),
    name: String(raw.name ?? raw.queueId ?? queueId ?? ''),
    waiting: waiting.map((w, i) => ({
      callId: String(w.callId ?? i),
      caller: String(w.caller ?? 'unknown'),
      arrivedAt: instant(w.arrivedAt) ?? Date.now(),
      ...(typeof w.position === 'number' ? { position: w.position } : {}),
    })),
    answeredToday: typeof raw.answeredToday === 'number' ? raw.answeredToday : 0,
    missedToday: typeof raw.missedToday === 'number' ? raw.missedToday : 0,
    ...(typeof raw.overflowedToday === 'number' ? { overflowedToday: raw.overflowedToday } : {}),
  };
}

/** Agents arrive as an array of rows, or as { queue: { user: record } }, or { user: { queue: record } }. */
export function normalizeAgents(raw: unknown): AgentRow[] {
  if (Array.isArray(raw)) return (raw as Raw[]).map((r) => normalizeAgent(r));
  if (raw === null || typeof raw !== 'object') return [];
  const rows: AgentRow[] = [];
  for (const [k1, v1] of Object.entries(raw as Raw)) {
    if (v1 === null || typeof v1 !== 'object') continue;
    for (const [k2, v2] of Object.entries(v1 as Raw)) {
      if (v2 === null || typeof v2 !== 'object') continue;
      const r = v2 as Raw;
      rows.push(normalizeAgent(r, (r.queueId as string | undefined) ?? k1, (r.userId as string | undefined) ?? k2));
    }
  }
  return rows;
}

export class Live {
  readonly presence = new Map<string, Presence>();
  /** queueId → userId → row */
  readonly agents = new Map<string, Map<string, AgentRow>>();
  readonly queues = new Map<string, QueueRow>();
  /** When a subject last changed live (not in a snapshot), for the highlight. */
  readonly changedAt = new Map<string, number>();
  connection: Connection = 'connecting';
  problem: string | undefined;
  epoch: string | undefined;
  seq = 0;
  loaded = false;
  version = 0;
  /** Time of the latest applied event, for the latency benchmark. */
  lastEventAt = 0;
  /** S11.1: how many calls ended since the page opened (lists of calls reload on it). */
  callsEnded = 0;
  private listeners = new Set<() => void>();
  private scheduled = false;

  /** A user's agent rows, one per queue where they have a state. */
  agentRowsOf(userId: string): AgentRow[] {
    const out: AgentRow[] = [];
    for (const rows of this.agents.values()) {
      const r = rows.get(userId);
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** One notification per frame, however many events arrived. */
  notify(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const run = (): void => {
      this.scheduled = false;
      this.version++;
      for (const fn of [...this.listeners]) fn();
    };
    if (typeof requestAnimationFrame === 'function' && document.visibilityState === 'visible')
      requestAnimationFrame(run);
    else setTimeout(run, 0);
  }

  setConnection(c: Connection, problem?: string): void {
    if (this.connection === c && this.problem === problem) return;
    this.connection = c;
    this.problem = problem;
    this.notify();
  }

  snapshot(s: Raw): void {
    this.presence.clear();
    this.agents.clear();
    this.queues.clear();
    const presence = Array.isArray(s.presence) ? s.presence : Array.isArray(s.users) ? s.users : [];
    for (const p of presence as Raw[]) {
      const rec = normalizePresence(p);
      this.presence.set(rec.userId, rec);
    }
    for (const a of normalizeAgents(s.agents)) this.putAgent(a);
    const queues = s.queues;
    if (Array.isArray(queues)) for (const q of queues as Raw[]) this.putQueue(normalizeQueue(q));
    else if (queues && typeof queues === 'object')
      for (const [id, q] of Object.entries(queues as Raw)) this.putQueue(normalizeQueue(q as Raw, id));
    if (typeof s.epoch === 'string') this.epoch = s.epoch;
    if (typeof s.seq === 'number') this.seq = s.seq;
    this.loaded = true;
    this.notify();
  }

  /** Presence without the feed (REST), before the first snapshot. */
  presenceList(records: Raw[]): void {
    if (this.loaded) return;
    for (const p of records) {
      const rec = normalizePresence(p);
      this.presence.set(rec.userId, rec);
    }
    this.loaded = true;
    this.notify();
  }

  /** Polling fallback while the feed is down: replace the records, marking what changed. */
  refreshPresence(records: Raw[]): void {
    const now = Date.now();
    const seen = new Set<string>();
    for (const p of records) {
      const rec = normalizePresence(p);
      seen.add(rec.userId);
      const old = this.presence.get(rec.userId);
      if (
        old &&
        old.status === rec.status &&
        old.text === rec.text &&
        old.since === rec.since &&
        JSON.stringify(old.indicators) === JSON.stringify(rec.indicators)
      )
        continue;
      this.presence.set(rec.userId, rec);
      if (old) this.changedAt.set(`u:${rec.userId}`, now);
    }
    for (const id of [...this.presence.keys()]) if (!seen.has(id)) this.presence.delete(id);
    this.loaded = true;
    this.notify();
  }

  private putAgent(a: AgentRow): void {
    let q = this.agents.get(a.queueId);
    if (q === undefined) this.agents.set(a.queueId, (q = new Map()));
    q.set(a.userId, a);
  }

  private putQueue(q: QueueRow): void {
    const old = this.queues.get(q.queueId);
    this.queues.set(q.queueId, old && q.name === q.queueId ? { ...q, name: old.name } : q);
  }

  events(list: Raw[]): void {
    const now = Date.now();
    for (const e of list) {
      if (typeof e.seq === 'number') this.seq = e.seq;
      if (typeof e.epoch === 'string') this.epoch = e.epoch;
      const subject = String(e.subject ?? '');
      const value = (e.value ?? {}) as Raw;
      switch (e.type) {
        case 'presence.changed':
          if (e.removed === true || value.removed === true) this.presence.delete(subject);
          else {
            const rec = normalizePresence({ ...value, userId: value.userId ?? subject });
            const old = this.presence.get(rec.userId);
            // Agent states travel in agent.changed; keep the ones we know.
            this.presence.set(
              rec.userId,
              rec.agent === undefined && old?.agent !== undefined ? { ...rec, agent: old.agent } : rec,
            );
            this.changedAt.set(`u:${rec.userId}`, now);
          }
          break;
        case 'agent.changed': {
          const queueId = String(e.queueId ?? value.queueId ?? '');
          const row = normalizeAgent(value, queueId, subject);
          this.putAgent(row);
          const p = this.presence.get(row.userId);
          if (p) this.presence.set(row.userId, { ...p, agent: { ...p.agent, [queueId]: row.state } });
          this.changedAt.set(`a:${queueId}:${row.userId}`, now);
          break;
        }
        case 'queue.changed':
          this.putQueue(normalizeQueue(value, subject));
          this.changedAt.set(`q:${subject}`, now);
          break;
        case 'schedule.changed':
          // S9.1: a schedule card reloads its list when this moves.
          this.changedAt.set(`s:${subject}`, now);
          break;
        case 'call.missed': {
          const p = this.presence.get(subject);
          if (p) this.changedAt.set(`u:${subject}`, now);
          break;
        }
        case 'call.ended':
          this.callsEnded++;
          break;
      }
      this.lastEventAt = now;
    }
    if (list.length > 0) this.notify();
  }
}

export const live = new Live();
