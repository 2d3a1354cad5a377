// What a node has delivered of each tenant, so that every subscriber sees each batch once and in
// its tenant's order whatever the network does: JetStream may hand a message over again (a
// consumer recreated after a reconnect, a publisher's retry that outlived the stream's duplicate
// window, a node reading the stream again from an older sequence). A batch is placed at
// `(epoch, seq, part)` (wire.ts): one at or before the last delivered place of its tenant's epoch
// is a duplicate and is dropped; one that does not follow it directly is delivered and reported
// as a gap, for the subscriber layer to resync that tenant. A new epoch starts the tenant afresh
// (the owner changed or restarted: its watchers get a resync snapshot anyway, S10.3); an epoch
// under an older fence than the last delivered is over, and its late batches are dropped (S10.4).
import { fenceOfEpoch } from '../core/index.js';
import type { TenantId } from '../core/index.js';
import type { Place, WireBatch } from './wire.js';

/** Batches of a tenant went missing between `after` and `got`: its subscribers should resync. */
export interface BusGap {
  readonly tenant: TenantId;
  readonly after: Place;
  readonly got: Place;
}

export type Verdict = 'deliver' | 'duplicate' | { readonly gap: BusGap };

export class DeliveredOrder {
  private readonly last = new Map<TenantId, Place>();

  /** Whether to deliver the batch; a delivered one becomes its tenant's last place. */
  judge(batch: WireBatch): Verdict {
    // Directives placed nowhere (published before their node knew the epoch) cannot be ordered.
    if (batch.epoch === '') return 'deliver';
    const before = this.last.get(batch.tenant);
    // S10.4: a batch of an older owner's epoch, published late (it was committed before the take-over), is stale.
    if (before !== undefined && fenceOfEpoch(batch.epoch) < fenceOfEpoch(before.epoch)) return 'duplicate';
    if (before === undefined || before.epoch !== batch.epoch) return this.keep(batch, 'deliver');
    if (batch.seq < before.seq || (batch.seq === before.seq && batch.part <= before.part)) return 'duplicate';
    const first = batch.events.length > 0 ? batch.events[0]!.seq : batch.seq;
    const follows =
      batch.events.length > 0 ? first === before.seq + 1 : batch.seq === before.seq && batch.part === before.part + 1;
    if (follows) return this.keep(batch, 'deliver');
    return this.keep(batch, { gap: { tenant: batch.tenant, after: place(before), got: place(batch) } });
  }

  private keep(batch: WireBatch, verdict: Verdict): Verdict {
    this.last.set(batch.tenant, place(batch));
    return verdict;
  }
}

function place(p: Place): Place {
  return { epoch: p.epoch, seq: p.seq, part: p.part };
}
