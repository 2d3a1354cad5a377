// Snapshots (S6.2): a subscription's starting state, built once per scope, view and position and
// shared between watchers (fanout.ts).
import { seesOthersForwardTo } from '../core/index.js';
import type { TenantState } from '../core/index.js';
import type { Position } from './protocol.js';
import { ownRecordDiffers, scopeSource, snapshotBody } from './scope.js';
import type { TenantFeed } from './tenant.js';
import type { Subscription, Watcher } from './watcher.js';

export function sendSnapshot(
  w: Watcher,
  t: TenantFeed,
  state: TenantState,
  pos: Position,
  sub: Subscription,
  resync: boolean,
): void {
  const auth = w.auth!;
  const full = seesOthersForwardTo(auth);
  // Watchers of the same scope and view at the same position share the snapshot's bytes (a
  // user whose own record shows more than others see has a view of their own, S2.7).
  const self = !full && ownRecordDiffers(state, sub.scope, auth) ? auth.userId : undefined;
  const key = `${sub.scope.key}|${full ? 'f' : self !== undefined ? `s:${self}` : 'r'}`;
  const source = scopeSource(state, sub.scope);
  const cached = t.snapshots.get(key);
  let body: Buffer;
  if (cached !== undefined && cached.seq === pos.seq && cached.epoch === pos.epoch && cached.source === source)
    body = cached.body;
  else {
    body = Buffer.from(
      snapshotBody(state, sub.scope, pos.epoch, pos.seq, { full, ...(self !== undefined ? { selfId: self } : {}) }),
    );
    if (t.snapshots.size >= 32) t.snapshots.clear();
    t.snapshots.set(key, { epoch: pos.epoch, seq: pos.seq, source, body });
  }
  sub.fromSeq = pos.seq;
  if (w.socket.readyState !== w.socket.OPEN) return;
  // One message in fragments: the watcher's own head, then the shared body in pages.
  w.out.message(`{"type":"snapshot","id":${JSON.stringify(sub.id)},${resync ? '"resync":true,' : ''}`, body);
}
