// S11.4 and S11.5 in the proxy: carrying out decisions that depend on what happens next, from the
// engine's committed presence events (never deciding anything itself; the core routes each call
// again, `call.route`).
// S11.4: a `wait` decision holds the caller (182 Queued with a Warning that says why) in a line per
// user, first come first served; when the user's presence says they are no longer on a call the
// first caller in line is routed again (it rings, or waits on); after `maxWaitSec` its fallback.
// S11.5: a user whose status changes while a direct call rings them: the ringing stops (CANCEL to
// their devices) and the call is routed again under the new status.
import type { Decision, PresenceRecord, TenantId, UserId } from '../core/index.js';
import type { CommittedBatch, EngineEvent } from '../engine/index.js';
import { warningValue } from './call-answers.js';
import { CallQueue } from './call-queue.js';
import type { Call } from './call-state.js';

type WaitDecision = Extract<Decision, { outcome: 'wait' }>;

const keyOf = (tenant: TenantId, userId: UserId): string => `${tenant}\u0000${userId}`;

export abstract class CallWait extends CallQueue {
  /** S11.4: the callers held for each user (tenant, user), in the order they came. */
  private readonly lines = new Map<string, Call[]>();

  /** S11.4: holds the caller until the user's call ends, at most `maxWaitSec`; a call routed again that must wait on keeps its place and its deadline. */
  protected hold(call: Call, d: WaitDecision): void {
    call.target = d.target;
    if (call.wait !== undefined) {
      call.wait.offered = false;
      return this.armWait(call, d);
    }
    const key = keyOf(call.tenant, d.target.id);
    call.wait = { key, offered: false, until: this.ctx.clock.now() + d.maxWaitSec * 1000 };
    const line = this.lines.get(key) ?? [];
    line.push(call);
    this.lines.set(key, line);
    this.legs.caller(call, 'ringing');
    const text = `S11.4: the person you called is on another call; please hold (at most ${d.maxWaitSec} s)`;
    this.ctx.reply(call.inc, 182, 'Queued', [['Warning', warningValue(this.ports.self().host, text)]]);
    this.armWait(call, d);
  }

  /** S11.4: at the deadline a caller still waiting (not being offered the call) gets the fallback. */
  private armWait(call: Call, d: WaitDecision): void {
    const w = call.wait!;
    const clock = this.ctx.clock;
    if (w.timer !== undefined) clock.clearTimer(w.timer);
    const handle = clock.setTimer(Math.max(w.until, clock.now()), () => {
      call.timers.delete(handle);
      w.timer = undefined;
      if (call.final || w.offered) return;
      this.leaveLine(call);
      this.runAction(call, d.fallback);
    });
    // With the call's other timers: the proxy's stop() clears them all.
    call.timers.add(handle);
    w.timer = handle;
  }

  /** A committed batch: queue offers (directives, S4.3) and the presence changes below. */
  onBatch(batch: CommittedBatch): void {
    if (batch.events.length > 0) this.onCallEvents(batch.events);
    if (batch.directives.length > 0) this.onDirectives(batch.tenant, batch.directives);
  }

  /** Committed events: S11.4 offers the first waiting caller, S11.5 re-routes a ringing call. */
  onCallEvents(events: readonly EngineEvent[]): void {
    for (const e of events) {
      if (e.type !== 'presence.changed' || e.removed) continue;
      const key = keyOf(e.tenant, e.subject);
      if (e.old !== undefined && manualChanged(e.old, e.value)) this.screen(e.tenant, e.subject);
      if (!e.value.indicators.onCall) this.offerNext(key);
    }
  }

  /**
   * S11.5: every call ringing this user directly is routed again under the new status; so is
   * every caller waiting for them (S11.4): one who must wait on keeps their place.
   */
  private screen(tenant: TenantId, userId: UserId): void {
    for (const call of this.calls.values()) {
      if (call.tenant !== tenant || call.final || call.routing || call.kind !== 'proxy') continue;
      if (call.target?.kind !== 'user' || call.target.id !== userId) continue;
      const waiting = call.wait !== undefined && !call.wait.offered;
      if (call.members.length === 0 && !waiting) continue;
      // A ringing call goes on ringing until the new decision says otherwise (calls.ts, execute).
      if (waiting) call.wait!.offered = true;
      else call.screening = true;
      void this.routeAgain(call);
    }
  }

  /** S11.4: the first caller in line, if the user is free and nobody is being offered already. */
  private offerNext(key: string): void {
    const line = this.lines.get(key);
    if (line === undefined) return;
    while (line.length > 0 && line[0]!.final) line.shift();
    if (line.length === 0) return void this.lines.delete(key);
    const head = line[0]!;
    if (head.wait === undefined || head.wait.offered || head.routing) return;
    head.wait.offered = true;
    void this.routeAgain(head);
  }

  /** The user's presence now: is another call still going on? */
  private userFree(call: Call): boolean {
    const userId = call.wait?.key.split('\u0000')[1];
    const user = userId === undefined ? undefined : this.ctx.engine.state(call.tenant)?.users.get(userId);
    return user !== undefined && !user.presence.indicators.onCall;
  }

  private leaveLine(call: Call): void {
    const w = call.wait;
    if (w === undefined) return;
    if (w.timer !== undefined) {
      this.ctx.clock.clearTimer(w.timer);
      call.timers.delete(w.timer);
    }
    w.timer = undefined;
    const line = this.lines.get(w.key);
    if (line === undefined) return;
    const i = line.indexOf(call);
    if (i >= 0) line.splice(i, 1);
    if (line.length === 0) this.lines.delete(w.key);
  }

  /** A call that ends leaves its line; the next caller is offered if the user is free. */
  protected override end(call: Call): void {
    super.end(call);
    const w = call.wait;
    if (w === undefined) return;
    const free = this.userFree(call);
    this.leaveLine(call);
    if (free) this.offerNext(w.key);
  }

  /** Routes the call again as it stands (calls.ts). */
  protected abstract routeAgain(call: Call): Promise<void>;
}

/** S11.5: the user set (or cleared) a status: the manual status, or where it forwards, changed. */
function manualChanged(a: PresenceRecord, b: PresenceRecord): boolean {
  return a.manual?.status !== b.manual?.status || a.manual?.forwardTo !== b.manual?.forwardTo;
}
