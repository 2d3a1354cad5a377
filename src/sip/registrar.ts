// S7.1 The registrar (RFC 3261 §10.3). Each binding of an address of record is a registration
// fact in the engine (S1.1) whose expiry is its lease (S9.3): the engine ends it, so there is no
// timer here. The binding id is a hash of tenant, user and contact URI, so a refresh or an
// unregister after a restart finds the same registration. The bindings themselves (contact URI,
// where the REGISTER came from, Call-ID and CSeq) are persisted (S8.2) before the 200 goes out,
// and reloaded at start, so the 200 after a restart lists every binding still in force.
import { hash } from 'node:crypto';
import { retryAfterOf } from '../core/index.js';
import type { TenantId, UserId } from '../core/index.js';
import type { Outcome } from '../engine/index.js';
import type { SipContext } from './context.js';
import { tenantOf } from './context.js';
import type { NameAddr } from './headers.js';
import { parseDelta } from './headers.js';
import { detach, header } from './message.js';
import type { SipStateRow } from './persistence.js';
import { rowData } from './persistence.js';
import type { Incoming } from './request.js';
import { orderedTag } from './request.js';
import { registerSyntax } from './preauth.js';

export interface Binding {
  readonly id: string;
  readonly uri: string;
  readonly kind: 'app' | 'terminal';
  readonly callId: string;
  readonly cseq: number;
  readonly expiresAt: number;
  readonly transport: string;
  readonly source: string;
  readonly userAgent?: string;
  /**
   * The key of its stored row (S8.2): made when the binding is first stored, in creation order,
   * and kept while it is refreshed, so new bindings are appended to the table's index rather than
   * each written to a random page of it.
   */
  readonly row: string;
}

export interface RegistrarOptions {
  readonly minExpiresSec: number;
  readonly maxExpiresSec: number;
  readonly defaultExpiresSec: number;
  readonly maxBindingsPerUser: number;
}

export const DEFAULT_REGISTRAR: RegistrarOptions = {
  minExpiresSec: 60,
  maxExpiresSec: 3600,
  defaultExpiresSec: 3600,
  maxBindingsPerUser: 10,
};

const SIP_REGISTRATION = 'sip-';

export function bindingId(tenant: TenantId, userId: UserId, uri: string): string {
  return SIP_REGISTRATION + hash('sha1', `${tenant}\u0000${userId}\u0000${uri}`, 'base64url').slice(0, 16);
}

/** The address of record a REGISTER is for, once authenticated, and the kind its password gave. */
interface Aor {
  readonly tenant: TenantId;
  readonly userId: UserId;
  readonly kind: Binding['kind'];
}

/** One contact of a REGISTER: its granted expiry (0 removes it) and the binding it replaces. */
interface Change {
  readonly uri: string;
  readonly expiresSec: number;
  readonly previous: Binding | undefined;
}

export class Registrar {
  private readonly bindings = new Map<string, Binding[]>();

  constructor(
    private readonly ctx: SipContext,
    private readonly options: RegistrarOptions = DEFAULT_REGISTRAR,
  ) {}

  /** The live bindings of a user. */
  list(tenant: TenantId, userId: UserId): readonly Binding[] {
    const key = `${tenant}\u0000${userId}`;
    const all = this.bindings.get(key);
    if (all === undefined) return [];
    const now = this.ctx.now();
    const live = all.filter((b) => b.expiresAt > now);
    if (live.length !== all.length) {
      this.put(key, live);
      this.ctx.journal.later(
        [],
        all.filter((b) => b.expiresAt <= now).map((b) => ({ kind: 'binding', key: b.row })),
      );
    }
    return live;
  }

  private put(key: string, list: Binding[]): void {
    if (list.length === 0) this.bindings.delete(key);
    // A copy at its exact size: a list that grew by push or spread has room for 16 more (128
    // bytes kept per registered user).
    else this.bindings.set(key, list.slice());
  }

  get size(): number {
    let n = 0;
    for (const list of this.bindings.values()) n += list.length;
    return n;
  }

  /** Drops bindings whose lease ran out (the engine already ended them). */
  sweep(): void {
    const now = this.ctx.now();
    const gone: string[] = [];
    for (const [key, list] of this.bindings) {
      if (!list.some((b) => b.expiresAt <= now)) continue;
      for (const b of list) if (b.expiresAt <= now) gone.push(b.row);
      this.put(
        key,
        list.filter((b) => b.expiresAt > now),
      );
    }
    this.ctx.journal.later(
      [],
      gone.map((key) => ({ kind: 'binding', key })),
    );
  }

  private row(tenant: TenantId, userId: UserId, b: Binding): SipStateRow {
    // Named fields (not a spread of the binding): the row key is not part of the data.
    const data = {
      userId,
      id: b.id,
      uri: b.uri,
      kind: b.kind,
      callId: b.callId,
      cseq: b.cseq,
      expiresAt: b.expiresAt,
      transport: b.transport,
      source: b.source,
      userAgent: b.userAgent,
    };
    return { kind: 'binding', key: b.row, tenant, expiresAt: b.expiresAt, data: JSON.stringify(data) };
  }

  /** S8.2: the bindings stored before a restart, those still in force. */
  restore(rows: readonly SipStateRow[]): void {
    const now = this.ctx.now();
    const expired: string[] = [];
    for (const row of rows) {
      const d = rowData(row);
      if (
        row.expiresAt <= now ||
        d === undefined ||
        typeof d.userId !== 'string' ||
        typeof d.uri !== 'string' ||
        typeof d.id !== 'string'
      ) {
        expired.push(row.key);
        continue;
      }
      const b: Binding = {
        id: d.id,
        uri: d.uri,
        kind: d.kind === 'terminal' ? 'terminal' : 'app',
        callId: String(d.callId ?? ''),
        cseq: Number(d.cseq ?? 0),
        expiresAt: row.expiresAt,
        transport: String(d.transport ?? 'udp'),
        source: String(d.source ?? ''),
        ...(typeof d.userAgent === 'string' ? { userAgent: d.userAgent } : {}),
        row: row.key,
      };
      const key = `${row.tenant}\u0000${d.userId}`;
      const before = this.bindings.get(key) ?? [];
      // Two rows for one binding (cannot happen unless a row was copied): the later one wins.
      for (const x of before) if (x.id === b.id) expired.push(x.row);
      this.bindings.set(key, [...before.filter((x) => x.id !== b.id), b]);
    }
    this.ctx.journal.later(
      [],
      expired.map((key) => ({ kind: 'binding', key })),
    );
  }

  /**
   * S8.2: the engine could not store the change, so the bindings are put back as they were, in
   * memory and in the SIP state rows, and the phone is told to try again (503 when the store was
   * unavailable, e.g. a full disk).
   */
  private refused(
    inc: Incoming,
    tenant: TenantId,
    userId: UserId,
    before: readonly Binding[],
    tried: readonly Binding[],
    outcomes: readonly Outcome[],
  ): void {
    this.put(`${tenant}\u0000${userId}`, [...before]);
    const kept = new Set(before.map((b) => b.row));
    this.ctx.journal.later(
      before.map((b) => this.row(tenant, userId, b)),
      tried.filter((b) => !kept.has(b.row)).map((b) => ({ kind: 'binding', key: b.row })),
    );
    const unavailable = outcomes.find((o) => !o.ok && o.code === 'SWB_ERR_UNAVAILABLE');
    const retryAfter = unavailable !== undefined && !unavailable.ok ? retryAfterOf(unavailable.code) : undefined;
    if (retryAfter !== undefined)
      return this.ctx.reply(inc, 503, 'Service Unavailable (the change could not be saved)', [
        ['Retry-After', String(retryAfter)],
      ]);
    this.ctx.reply(inc, 500, 'Server Internal Error');
  }

  async handle(inc: Incoming): Promise<void> {
    const { ctx } = this;
    // §10.3 step 1: a domain we do not serve.
    const t = tenantOf(ctx, inc.ruri.host);
    if (t === undefined) return ctx.reply(inc, 404, 'Not Found (unknown domain)');
    const syntax = registerSyntax(inc);
    if (syntax.refused) return ctx.reply(inc, syntax.status, syntax.reason, syntax.headers);
    const { contacts, expiresHeader } = syntax;

    // Step 3: digest against the tenant's realm (after the syntax checks: bad input is 400 first).
    const auth = ctx.auth.authenticate(inc, t.tenant, t.domain);
    if (!auth.ok) return ctx.reply(inc, auth.status, auth.reason, auth.headers);
    // Steps 4–5: the address of record is the To URI, and a user registers only their own.
    if (tenantOf(ctx, inc.toUri.host)?.tenant !== t.tenant || inc.toUri.user !== auth.extension) {
      return ctx.reply(inc, 403, 'Forbidden (not your address of record)');
    }
    const aor: Aor = { tenant: t.tenant, userId: auth.userId, kind: auth.kind };
    const existing = this.list(t.tenant, auth.userId);

    // Step 6: `Contact: *` with `Expires: 0` removes every binding of the address of record.
    if (contacts.some((c) => c.star)) {
      if (contacts.length !== 1 || expiresHeader !== 0)
        return ctx.reply(inc, 400, 'Bad Request: Contact * needs Expires: 0 and no other contact');
      return this.removeAll(inc, aor, existing);
    }
    const changes = this.changesOf(inc, contacts, expiresHeader, existing);
    if (changes === undefined) return;
    const kept = existing.filter((b) => !changes.some((c) => c.uri === b.uri));
    const added = changes.filter((c) => c.expiresSec > 0);
    if (kept.length + added.length > this.options.maxBindingsPerUser)
      return ctx.reply(inc, 403, 'Forbidden (too many contacts)');
    return this.change(inc, aor, existing, kept, changes);
  }

  /** Step 6: every binding of the address of record goes, SIP registrations of the engine too. */
  private async removeAll(inc: Incoming, aor: Aor, existing: readonly Binding[]): Promise<void> {
    const { ctx } = this;
    const { tenant, userId } = aor;
    const ids = new Set(existing.map((b) => b.id));
    for (const r of ctx.engine.state(tenant)?.users.get(userId)?.registrations ?? [])
      if (r.id.startsWith(SIP_REGISTRATION)) ids.add(r.id);
    this.bindings.delete(`${tenant}\u0000${userId}`);
    const stored = ctx.journal.write(
      [],
      existing.map((b) => ({ kind: 'binding', key: b.row })),
    );
    const [outcomes] = await Promise.all([
      Promise.all(
        [...ids].map((id) =>
          ctx.engine.dispatch(tenant, {
            type: 'registration.remove',
            userId,
            id,
            reason: 'unregister',
            by: { kind: 'sip' },
          }),
        ),
      ),
      stored,
    ]);
    if (outcomes.some((o) => !o.ok)) return this.refused(inc, tenant, userId, existing, existing, outcomes);
    ctx.reply(inc, 200, 'OK');
  }

  /** Step 7: every contact's expiry, checked before anything changes; undefined once refused. */
  private changesOf(
    inc: Incoming,
    contacts: readonly NameAddr[],
    expiresHeader: number | undefined,
    existing: readonly Binding[],
  ): Change[] | undefined {
    const changes: Change[] = [];
    for (const c of contacts) {
      const param = c.params.get('expires');
      const fromParam = param === undefined ? undefined : parseDelta(param);
      let expiresSec = fromParam ?? expiresHeader ?? this.options.defaultExpiresSec;
      if (expiresSec > 0 && expiresSec < this.options.minExpiresSec) {
        this.ctx.reply(inc, 423, 'Interval Too Brief', [['Min-Expires', String(this.options.minExpiresSec)]]);
        return undefined;
      }
      expiresSec = Math.min(expiresSec, this.options.maxExpiresSec);
      const previous = existing.find((b) => b.uri === c.uri);
      // Same Call-ID: the CSeq must rise, or the update is out of order and fails.
      if (previous !== undefined && previous.callId === inc.callId && inc.cseq.seq <= previous.cseq) {
        this.ctx.reply(inc, 500, 'Server Internal Error (CSeq out of order)', [['Retry-After', '1']]);
        return undefined;
      }
      changes.push({ uri: c.uri, expiresSec, previous });
    }
    return changes;
  }

  /** The checked changes, stored in the engine and the SIP state before the 200 (step 8). */
  private async change(
    inc: Incoming,
    aor: Aor,
    existing: readonly Binding[],
    kept: readonly Binding[],
    changes: readonly Change[],
  ): Promise<void> {
    const { ctx } = this;
    const { tenant, userId, kind } = aor;
    const now = ctx.now();
    const ua = header(inc.req, 'user-agent');
    const next = [...kept];
    const commands: Promise<Outcome>[] = [];
    const puts: SipStateRow[] = [];
    const deletes: { kind: 'binding'; key: string }[] = [];
    for (const c of changes) {
      const id = bindingId(tenant, userId, c.uri);
      if (c.expiresSec === 0) {
        if (c.previous !== undefined) deletes.push({ kind: 'binding', key: c.previous.row });
        commands.push(
          ctx.engine.dispatch(tenant, {
            type: 'registration.remove',
            userId,
            id,
            reason: 'unregister',
            by: { kind: 'sip' },
          }),
        );
        continue;
      }
      const expiresAt = now + c.expiresSec * 1000;
      const binding: Binding = {
        id,
        uri: detach(c.uri),
        kind,
        callId: detach(inc.callId),
        cseq: inc.cseq.seq,
        expiresAt,
        transport: inc.flow.transport,
        source: `${inc.flow.address}:${inc.flow.port}`,
        ...(ua !== undefined ? { userAgent: detach(ua.slice(0, 200)) } : {}),
        row: c.previous?.row ?? SIP_REGISTRATION + orderedTag(now),
      };
      next.push(binding);
      puts.push(this.row(tenant, userId, binding));
      commands.push(
        ctx.engine.dispatch(tenant, { type: 'registration.set', userId, id, kind, expiresAt, by: { kind: 'sip' } }),
      );
    }
    this.put(`${tenant}\u0000${userId}`, next);
    // Commit before acknowledge: the 200 goes out once the engine and the SIP state are stored.
    const [outcomes] = await Promise.all([Promise.all(commands), ctx.journal.write(puts, deletes)]);
    if (outcomes.some((o) => !o.ok)) return this.refused(inc, tenant, userId, existing, next, outcomes);
    // Step 8: the 200 lists every current binding with its remaining time.
    const at = ctx.now();
    const listed = next.map(
      (b) => ['Contact', `<${b.uri}>;expires=${Math.max(0, Math.round((b.expiresAt - at) / 1000))}`] as const,
    );
    ctx.reply(inc, 200, 'OK', [...listed, ['Date', new Date(at).toUTCString()]]);
  }
}
