// S10.4: the refusal of a commit carrying a fence that is no longer its tenant's lease's: another
// node owns the tenant now, and nothing of the batch was written.
import type { TenantId } from '../core/index.js';

export class FencedError extends Error {
  constructor(
    readonly tenant: TenantId,
    readonly fence: number,
    readonly current: number | undefined,
  ) {
    super(`tenant ${tenant}: fence ${fence} is not the lease's (${current ?? 'none'}): another node owns it`);
  }
}
