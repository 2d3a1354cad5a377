// Group commit across tenants (S8.2, S10): each tenant's engine commits its own batches one after
// another, and many tenants commit at once. Rather than one database transaction per tenant's
// batch, the batches that arrive while `maxInFlight` transactions are running wait and go
// together in the next: under load a transaction carries many tenants' batches, and when the
// database is idle a batch goes at once. A batch that cannot commit (its tenant's fence is stale)
// is refused alone; the others of its group are sent again.

/** One caller's batch, waiting to be sent. */
export interface Waiting<B, R> {
  readonly batch: B;
  readonly resolve: (result: R) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Sends a group in one transaction. Answers one result per batch, in order; or, when some batches
 * must be refused without the others, those batches and why (nothing of the group was written).
 */
export type SendGroup<B, R> = (
  batches: readonly B[],
) => Promise<{ readonly results: readonly R[] } | { readonly refused: ReadonlyMap<number, unknown> }>;

export class GroupCommit<B, R> {
  private readonly waiting: Waiting<B, R>[] = [];
  private inFlight = 0;

  constructor(
    private readonly send: SendGroup<B, R>,
    private readonly maxInFlight: number,
  ) {}

  commit(batch: B): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ batch, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.waiting.length);
      this.inFlight++;
      void this.run(group).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async run(group: Waiting<B, R>[]): Promise<void> {
    let left = group;
    while (left.length > 0) {
      let answer;
      try {
        answer = await this.send(left.map((w) => w.batch));
      } catch (err) {
        for (const w of left) w.reject(err);
        return;
      }
      if ('results' in answer) {
        left.forEach((w, i) => w.resolve(answer.results[i]!));
        return;
      }
      const refused = answer.refused;
      // Nothing refused would send the same group forever: refuse it all instead.
      if (refused.size === 0) {
        for (const w of left) w.reject(new Error('group commit refused without a reason'));
        return;
      }
      left.forEach((w, i) => refused.has(i) && w.reject(refused.get(i)));
      left = left.filter((_, i) => !refused.has(i));
    }
  }
}
