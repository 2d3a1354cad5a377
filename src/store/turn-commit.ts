// Group commit for a store whose transactions run at once (SQLite, S8.2): the batches that tenants
// commit in one turn of the event loop are written together in one transaction at its end, not
// one transaction each — under load the transaction's own cost (its WAL pages) was a quarter of
// a busy node's time. Each caller is answered once the transaction is committed. When the
// shared transaction fails (it wrote nothing), each batch is tried again alone, so one batch's
// failure does not cost the others.
import type { Waiting } from './group-commit.js';

export class TurnCommit<B, R> {
  private waiting: Waiting<B, R>[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(
    /** Writes the batches in one transaction; one result each, in order. */
    private readonly together: (batches: readonly B[]) => R[],
    /** Writes one batch in a transaction of its own. */
    private readonly alone: (batch: B) => R,
  ) {}

  commit(batch: B): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ batch, resolve, reject });
      this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Writes what waits now: at the end of the turn, or before the store closes. */
  flush(): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const group = this.waiting;
    this.waiting = [];
    if (group.length === 0) return;
    let results: R[];
    try {
      results = this.together(group.map((w) => w.batch));
    } catch (err) {
      if (group.length === 1) return group[0]!.reject(err);
      for (const w of group) this.settle(w);
      return;
    }
    group.forEach((w, i) => w.resolve(results[i]!));
  }

  private settle(w: Waiting<B, R>): void {
    let result: R;
    try {
      result = this.alone(w.batch);
    } catch (err) {
      return w.reject(err);
    }
    w.resolve(result);
  }
}
